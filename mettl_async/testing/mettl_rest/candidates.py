"""REST sandbox: registration in a schedule and candidates' results (paged, single, deleted,
across the account)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from ..kit import PARAMS, SandboxError
from .catalog import schedule_of
from .params import choice, flag, json_object, page_params, paging_links, version
from .shapes import REGISTRATION_STATUS, SCHEDULE, SCHEDULE_WINDOW
from .state import MettlRestAccount
from .world import CandidateRow, ScheduleRow

_EMAIL = re.compile(r"^[^@\s/?#%]+@[^@\s/?#%]+\.[^@\s/?#%]+$")
MAX_PER_CALL = 20


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise SandboxError("E009", "Invalid Email")
    return value


def candidate_of(schedule: ScheduleRow, email: str) -> CandidateRow:
    row = schedule.candidates.lookup(_email(email))
    if row is None:
        raise SandboxError("E006", "Report does not exist")
    return row


def _closed(sandbox: MettlRestAccount, schedule: ScheduleRow) -> bool:
    """A Fixed schedule whose window has closed (times read as UTC)."""
    window = schedule.settings.get(SCHEDULE.key("schedule_window")) or {}
    close_time = window.get(SCHEDULE_WINDOW.key("close_time"))
    if schedule.settings.get(SCHEDULE.key("schedule_type")) != "Fixed" or not close_time:
        return False
    closes = datetime.fromisoformat(str(close_time))
    closes = closes if closes.tzinfo else closes.replace(tzinfo=UTC)
    return closes.timestamp() < sandbox.now()


def register(sandbox: MettlRestAccount, request: web.Request) -> Any:
    """``rd``: ``registrationDetails`` (at most 20), ``optionalParams`` (``email`` + ``context_data``)."""
    schedule = schedule_of(sandbox, request.match_info["key"])
    rd = json_object(request, "rd")
    assert rd is not None
    details = rd.get("registrationDetails")
    if not isinstance(details, list) or not details or not all(isinstance(d, dict) for d in details):
        raise SandboxError("E016", "Mandatory Parameter Missing: registrationDetails")
    if len(details) > MAX_PER_CALL:
        raise SandboxError("E010", "Request data too big")
    if _closed(sandbox, schedule):
        raise SandboxError("E028", "Schedule has expired")
    limit = sandbox.config.registration_limit
    if limit is not None and sandbox.registrations + len(details) > limit:
        raise SandboxError("E607", "Candidate registration limit exceeded")
    context = {
        str(o.get("email", "")).lower(): o.get("context_data")
        for o in rd.get("optionalParams") or []
        if isinstance(o, dict)
    }
    statuses: list[dict[str, Any]] = []
    registered: list[CandidateRow] = []
    for detail in details:
        email = detail.get("Email Address")
        if not isinstance(email, str) or not email.strip():
            raise SandboxError("E003", "Mandatory parameter (Email Address) for registration not supplied")
        if not _EMAIL.match(email.strip()):
            statuses.append(REGISTRATION_STATUS.make(email=email, status="Failed", message="Invalid Email"))
            continue
        if email.lower() in schedule.candidates:
            statuses.append(
                REGISTRATION_STATUS.make(email=email, status="Failed", message="Already Registered")
            )
            continue
        fields = {k: str(v) for k, v in detail.items() if k != "Email Address"}
        row = CandidateRow(email=email.strip(), fields=fields, instance_id=sandbox.world.new_id())
        row.context_data = context.get(email.lower())
        schedule.add(row)
        sandbox.registrations += 1
        registered.append(row)
        statuses.append(
            REGISTRATION_STATUS.make(
                email=row.email, status="Success", url=f"{schedule.url}?i={row.instance_id}", message=None
            )
        )
    if sandbox.config.auto_complete is not None:
        for row in registered:
            sandbox.complete_later(schedule.access_key, row.email)
    return {"status": "SUCCESS", "registrationStatus": statuses}


def list_results(sandbox: MettlRestAccount, request: web.Request) -> Any:
    """Offset paging; the next link keeps the first request's optional parameters."""
    schedule = schedule_of(sandbox, request.match_info["key"])
    limit, offset = page_params(request)
    sort = choice(request, "sort", ("testStartTime", "name"))
    order = choice(request, "sort_order", ("asc", "desc"))
    flag(request, "qr")
    rows = schedule.ordered(sort, order)
    page = [
        sandbox.world.result_record(schedule, r, account_wide=False) for r in rows[offset : offset + limit]
    ]
    return {
        "status": "SUCCESS",
        "candidates": page,
        "paging": paging_links(request, limit, offset, len(rows)),
        "total": len(rows),
    }


def get_result(sandbox: MettlRestAccount, request: web.Request) -> Any:
    schedule = schedule_of(sandbox, request.match_info["key"])
    for name in ("ir", "rs", "qr"):
        flag(request, name)
    row = candidate_of(schedule, request.match_info["email"])
    return {"status": "SUCCESS", "candidate": sandbox.world.result_record(schedule, row, account_wide=False)}


def delete_result(sandbox: MettlRestAccount, request: web.Request) -> Any:
    """Only a completed or expired test's result can go; one in progress stays (E005)."""
    schedule = schedule_of(sandbox, request.match_info["key"])
    row = candidate_of(schedule, request.match_info["email"])
    if row.status == "InProgress":
        raise SandboxError("E005", "Test is in progress, cannot be deleted")
    if row.status not in ("Completed", "Expired"):
        raise SandboxError("E006", "Report does not exist")
    schedule.remove(row.email)
    return {"status": "SUCCESS"}


def results_of_candidate(sandbox: MettlRestAccount, request: web.Request) -> Any:
    """v3 pages by ``limit``/``offset``; v1 and v2 answer everything and refuse paging parameters."""
    email = _email(request.match_info["email"])
    flag(request, "qr")
    found = sandbox.world.results_of(email)
    if version(request) != "v3":
        if "limit" in PARAMS.get() or "offset" in PARAMS.get():
            raise SandboxError("E017", "Incorrect parameters. limit and offset exist in v3 only")
        page = [sandbox.world.result_record(s, r, account_wide=True) for s, r in found]
        return {"status": "SUCCESS", "candidates": page}
    limit, offset = page_params(request)
    page = [sandbox.world.result_record(s, r, account_wide=True) for s, r in found[offset : offset + limit]]
    return {
        "status": "SUCCESS",
        "candidates": page,
        "paging": paging_links(request, limit, offset, len(found)),
    }
