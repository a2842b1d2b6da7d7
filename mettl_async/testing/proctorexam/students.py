"""Sandbox endpoints: student sessions. Lists answer under ``students``, one session under
``student_session``; every page is built from the session ids it shows (see ``ids``)."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from .answers import Invalid, Reply, not_found
from .params import bool_param, int_param, params_of, text_param
from .shapes import PROCTOR_ASSIGNMENT, REVIEWABLE, SESSION
from .state import Endpoint, ProctorExamAccount

SESSION_FIELDS = ("name", "email", "individual_info", "external_id")
_GENERATED_EMAIL = re.compile(r"^student(\d+)@example\.com$")


def _session(sandbox: ProctorExamAccount, request: web.Request) -> dict[str, Any]:
    session_id = int(request.match_info["id"])
    record = sandbox.world.sessions.get(session_id)
    if record is None:
        raise not_found("Student Session", session_id)
    return record


def _email_taken(sandbox: ProctorExamAccount, exam_id: int, email: str) -> bool:
    sessions = sandbox.world.sessions
    generated = _GENERATED_EMAIL.match(email.lower())
    if generated and sessions.exam_of(int(generated.group(1))) == exam_id:
        record = sessions.get(int(generated.group(1)))
        if record is not None and record["email"] == email.lower():
            return True
    return any(
        str(r.get("email", "")).lower() == email.lower() and r["exam_id"] == exam_id
        for r in sessions.created.values()
    )


async def list_all(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    sessions = sandbox.world.sessions
    ids = sessions.all
    return sandbox.page(
        request, len(ids), lambda offset, limit: sessions.page(ids, offset, limit), "students", SESSION
    )


async def list_of_exam(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    exam = sandbox.exam(int(request.match_info["exam_id"]))
    sessions = sandbox.world.sessions
    ids = sessions.of_exam(exam["id"])
    return sandbox.page(
        request, len(ids), lambda offset, limit: sessions.page(ids, offset, limit), "students", SESSION
    )


async def show(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    return {"student_session": SESSION.record(_session(sandbox, request))}


def _values(params: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in SESSION_FIELDS:
        if field in params or (creating and field in ("name", "email")):
            required = field in ("name", "email")
            value = (
                params.get(field) if field == "external_id" else text_param(params, field, required=required)
            )
            values[field] = value.lower() if field == "email" and isinstance(value, str) else value
    if "email" in values and "@" not in values["email"]:
        raise Invalid("email", "is invalid")
    if "send_confirmation" in params:
        values["send_confirmation"] = bool_param(params, "send_confirmation")
    if "pre_assigned_proctor_id" in params:
        values["pre_assigned_proctor_id"] = int_param(params, "pre_assigned_proctor_id")
    return values


async def create(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    exam = sandbox.exam(int(request.match_info["exam_id"]))
    values = _values(params_of(request), creating=True)
    if _email_taken(sandbox, exam["id"], values["email"]):
        raise Invalid("email", "already in use")
    record = sandbox.world.sessions.create(exam["id"], values, sandbox.moment())
    return Reply({"student_session": SESSION.record(record)}, status=201)


async def update(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    record = _session(sandbox, request)
    values = _values(params_of(request), creating=False)
    changed_email = "email" in values and values["email"] != record["email"]
    if changed_email and _email_taken(sandbox, record["exam_id"], values["email"]):
        raise Invalid("email", "already in use")
    updated = sandbox.world.sessions.update(record["id"], values, sandbox.moment())
    return {"student_session": SESSION.record(updated)}


async def delete(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    record = _session(sandbox, request)
    sandbox.world.sessions.delete(record["id"])
    return Reply(None, status=204)


async def assign_proctor(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    record = _session(sandbox, request)
    proctor_id = int_param(params_of(request), "proctor_id")
    proctor = sandbox.world.users.get(proctor_id)
    if proctor is None:
        raise not_found("User", proctor_id)
    if proctor["role"] not in ("proctor", "administrator"):
        raise Invalid("proctor_id", "is not a proctor")
    previous = record.get("proctor_id")
    if previous != proctor_id:
        if previous is not None:
            sandbox.world.proctoring[previous] -= 1
        sandbox.world.proctoring[proctor_id] = sandbox.world.proctoring.get(proctor_id, 0) + 1
        sandbox.world.sessions.update(record["id"], {"proctor_id": proctor_id}, sandbox.moment())
    return PROCTOR_ASSIGNMENT.make(
        proctor_id=proctor_id, active_proctoring_sessions=sandbox.world.proctoring[proctor_id]
    )


async def reviewable(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    record = _session(sandbox, request)
    return REVIEWABLE.make(
        reviewable=record["status"] == "exam_finished", student_session=SESSION.record(record)
    )


ROUTES: list[tuple[str, str, Endpoint]] = [
    ("GET", "/student_sessions", list_all),
    ("GET", r"/exams/{exam_id:\d+}/student_sessions", list_of_exam),
    ("POST", r"/exams/{exam_id:\d+}/student_sessions", create),
    ("GET", r"/student_sessions/{id:\d+}", show),
    ("PATCH", r"/student_sessions/{id:\d+}", update),
    ("PUT", r"/student_sessions/{id:\d+}", update),
    ("DELETE", r"/student_sessions/{id:\d+}", delete),
    ("PUT", r"/student_sessions/{id:\d+}/assign_proctor", assign_proctor),
    ("GET", r"/student_sessions/{id:\d+}/reviewable", reviewable),
]
