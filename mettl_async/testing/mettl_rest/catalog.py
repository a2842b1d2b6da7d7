"""REST sandbox: assessments and schedules (list, read, create, edit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from ..kit import SandboxError
from .params import choice, invalid, json_object, missing, page_params, paging_links
from .state import MettlRestAccount
from .world import AssessmentRow, ScheduleRow

SUCCESS = {"status": "SUCCESS"}
_SETTINGS = (
    "instructions",
    "allowCopyPaste",
    "exitRedirectionURL",
    "showReportToCandidate",
    "onScreenCalculator",
)
_NOTIFICATIONS = (
    "testStartNotificationUrl",
    "testFinishNotificationUrl",
    "testGradedNotificationUrl",
    "testResumeEnabledForExpiredTestURL",
)
_SORTS = ("createdAt", "testTaken", "name")


def _sort_key(sandbox: MettlRestAccount, sort: str) -> Callable[[AssessmentRow], tuple[Any, ...]]:
    if sort == "testTaken":
        return lambda a: (sandbox.world.test_taken(a), a.id)
    if sort == "name":
        return lambda a: (a.name.lower(), a.id)
    return lambda a: (a.created_at, a.id)


def assessment_of(sandbox: MettlRestAccount, value: str) -> AssessmentRow:
    try:
        row = sandbox.world.assessments.get(int(value))
    except ValueError:
        row = None
    if row is None:
        raise SandboxError("E001", "Invalid Assessment Id")
    return row


def schedule_of(sandbox: MettlRestAccount, key: str) -> ScheduleRow:
    row = sandbox.world.schedules.get(key)
    if row is None:
        raise SandboxError("E002", "Invalid Access Key")
    return row


# -- assessments -------------------------------------------------------------------------------


def list_assessments(sandbox: MettlRestAccount, request: web.Request) -> Any:
    limit, offset = page_params(request)
    sort = choice(request, "sort", _SORTS) or "createdAt"
    order = choice(request, "sort_order", ("asc", "desc")) or "desc"
    rows = sorted(sandbox.world.assessments.values(), key=_sort_key(sandbox, sort), reverse=order == "desc")
    page = [sandbox.world.assessment_record(a) for a in rows[offset : offset + limit]]
    return {
        "status": "SUCCESS",
        "assessments": page,
        "paging": paging_links(request, limit, offset, len(rows)),
    }


def get_assessment(sandbox: MettlRestAccount, request: web.Request) -> Any:
    row = assessment_of(sandbox, request.match_info["assessment_id"])
    return {"status": "SUCCESS", "assessment": sandbox.world.assessment_record(row)}


def add_assessment(sandbox: MettlRestAccount, spec: dict[str, Any]) -> AssessmentRow:
    """An assessment from an ``assessments`` JSON: a unique name, a duration or timed sections."""
    name = spec.get("name")
    if not isinstance(name, str) or not name.strip():
        raise missing("assessments.name")
    if any(a.name == name for a in sandbox.world.assessments.values()):
        raise SandboxError(
            "E400", f"Request was not well-formed/Invalid parameters supplied: {name!r} exists"
        )
    sections = spec.get("sections") or []
    if not isinstance(sections, list) or not all(isinstance(s, dict) for s in sections):
        raise invalid("assessments.sections")
    duration = spec.get("duration")
    if duration is None:
        if not sections or not all(
            isinstance(s.get("duration"), int) and s["duration"] > 0 for s in sections
        ):
            raise missing("assessments.duration")
        duration = sum(s["duration"] for s in sections)
    if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1:
        raise invalid("assessments.duration")
    shaped = [
        {
            "name": s.get("name") or f"Section {i + 1}",
            "duration": s.get("duration") or duration,
            "questions": s.get("questions") or 5,
            "maxMarks": float(s.get("maxMarks") or 10.0),
            "skills": s.get("skills")
            or [{"name": s.get("name") or "General", "maxMarks": 10.0, "questions": 5}],
        }
        for i, s in enumerate(sections or [{"name": "Section 1"}])
    ]
    settings = {k: spec[k] for k in _SETTINGS if k in spec}
    row = AssessmentRow(
        id=sandbox.world.new_id(),
        name=name,
        duration=duration,
        created_at=datetime.fromtimestamp(sandbox.now(), UTC),
        sections=shaped,
        settings=settings,
    )
    sandbox.world.assessments[row.id] = row
    return row


def create_assessment(sandbox: MettlRestAccount, request: web.Request) -> Any:
    spec = json_object(request, "assessments")
    assert spec is not None
    row = add_assessment(sandbox, spec)
    return {"status": "SUCCESS", "assessmentId": row.id}


def edit_assessment(sandbox: MettlRestAccount, request: web.Request) -> Any:
    row = assessment_of(sandbox, request.match_info["assessment_id"])
    settings = json_object(request, "as")
    assert settings is not None
    for key in settings:
        if key not in _SETTINGS:
            raise invalid(f"as.{key}")
    row.settings.update(settings)
    return SUCCESS


# -- schedules ---------------------------------------------------------------------------------


def list_schedules(sandbox: MettlRestAccount, request: web.Request) -> Any:
    limit, offset = page_params(request)
    rows = list(sandbox.world.schedules.values())
    page = [sandbox.world.schedule_record(s) for s in rows[offset : offset + limit]]
    return {"status": "SUCCESS", "schedules": page, "paging": paging_links(request, limit, offset, len(rows))}


def schedules_of_assessment(sandbox: MettlRestAccount, request: web.Request) -> Any:
    """``filter``: ``{"status": "Active"|"Expired", "name": "part of the name"}``."""
    row = assessment_of(sandbox, request.match_info["assessment_id"])
    wanted = json_object(request, "filter", required=False) or {}
    for key in wanted:
        if key not in ("status", "name"):
            raise invalid(f"filter.{key}")
    found = [s for s in sandbox.world.schedules.values() if s.assessment_id == row.id]
    if "name" in wanted:
        found = [s for s in found if str(wanted["name"]).lower() in s.name.lower()]
    if "status" in wanted:
        found = [s for s in found if wanted["status"] == "Active"]
    return {"status": "SUCCESS", "schedules": [sandbox.world.schedule_record(s) for s in found]}


def get_schedule(sandbox: MettlRestAccount, request: web.Request) -> Any:
    row = schedule_of(sandbox, request.match_info["key"])
    return {"status": "SUCCESS", "schedule": sandbox.world.schedule_record(row)}


def _checked_settings(sc: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    """The schedule properties of an ``sc`` JSON, checked as the server checks them."""
    settings = {k: v for k, v in sc.items() if k != "name"}
    access = settings.get("access")
    if access is not None and (
        not isinstance(access, dict) or access.get("type") not in ("OpenForAll", "ByInvitation")
    ):
        raise invalid("sc.access.type")
    kind = settings.get("scheduleType", "AlwaysOn" if creating else None)
    if kind is not None and kind not in ("AlwaysOn", "Fixed"):
        raise invalid("sc.scheduleType")
    if kind == "Fixed":
        window = settings.get("scheduleWindow")
        if not isinstance(window, dict) or "openTime" not in window:
            raise missing("sc.scheduleWindow")
        for key in ("openTime", "closeTime"):
            if key in window:
                try:
                    datetime.fromisoformat(str(window[key]))
                except ValueError:
                    raise SandboxError("E013", f"Invalid Date Supplied: {key}") from None
    for key in _NOTIFICATIONS:
        if key in settings and urlsplit(str(settings[key])).scheme not in ("http", "https"):
            raise invalid(f"sc.{key}")
    if creating:
        settings.setdefault("scheduleType", "AlwaysOn")
        settings.setdefault("access", {"type": "OpenForAll", "sendEmail": False})
    return settings


def create_schedule(sandbox: MettlRestAccount, request: web.Request) -> Any:
    assessment = assessment_of(sandbox, request.match_info["assessment_id"])
    sc = json_object(request, "sc")
    assert sc is not None
    name = sc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise missing("sc.name")
    key = sandbox.world.new_access_key()
    row = ScheduleRow(
        id=sandbox.world.new_id(),
        access_key=key,
        name=name,
        assessment_id=assessment.id,
        created_at=datetime.fromtimestamp(sandbox.now(), UTC),
        settings=_checked_settings(sc, creating=True),
    )
    sandbox.world.schedules[key] = row
    record = sandbox.world.schedule_record(row)
    created = {
        k: record[k] for k in ("accessKey", "accessUrl", "name", "assessmentId", "scheduleType", "status")
    }
    return {"status": "SUCCESS", "createdSchedule": created}


def edit_schedule(sandbox: MettlRestAccount, request: web.Request) -> Any:
    row = schedule_of(sandbox, request.match_info["key"])
    sc = json_object(request, "sc")
    assert sc is not None
    merged = {**row.settings, **sc}
    row.settings = _checked_settings(merged, creating=False)
    if isinstance(sc.get("name"), str) and sc["name"].strip():
        row.name = sc["name"]
    return SUCCESS
