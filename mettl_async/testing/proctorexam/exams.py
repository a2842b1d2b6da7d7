"""Sandbox endpoints: exams (``status``, ``filter`` and ``sort`` on the list) and co-managers.

Deleting an exam marks it ``deleted``: the list leaves it out unless asked for
``status=deleted``; showing it still works. ``filter`` takes ``{field: value}``
or ``{field: {op: value}}`` with ``eq ne gt gte lt lte in``; ``sort`` a list of
``{field: "asc"|"desc"}``; both arrive as JSON text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from ..kit import SandboxError
from .answers import Invalid, Reply, not_found
from .params import bool_param, int_param, params_of, text_param
from .records import exam_record, stamp
from .shapes import EXAM, USER
from .state import Endpoint, ProctorExamAccount, listing

STATUSES = ("draft", "open", "closed", "deleted")
EXAM_FIELDS = ("name", "type", "start_time", "end_time", "restrictions", "exam_language")
EXAM_FLAGS = (
    "use_duration",
    "global_proctoring",
    "global_reviewing",
    "for_reviewing",
    "upload_answers",
    "mobile_cam",
    "web_cam",
    "screen_share",
)
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and a > b,
    "gte": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b,
    "lte": lambda a, b: a is not None and a <= b,
    "in": lambda a, b: isinstance(b, list) and a in b,
}


def _json(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise SandboxError("invalid_param", f"{name} must be JSON text", 422) from None


def _comparable(record_value: Any, wanted: Any) -> tuple[Any, Any]:
    """Numbers compare as numbers, everything else as text."""
    if isinstance(record_value, int | float) and isinstance(wanted, int | float):
        return record_value, wanted
    return (None if record_value is None else str(record_value)), (None if wanted is None else str(wanted))


def matcher(spec: Any) -> Callable[[dict[str, Any]], bool]:
    """The test a ``filter`` object makes."""
    if spec is None:
        return lambda record: True
    if not isinstance(spec, dict):
        raise SandboxError("invalid_param", "filter must be a JSON object", 422)
    tests: list[Callable[[dict[str, Any]], bool]] = []
    for field, condition in spec.items():
        conditions = condition if isinstance(condition, dict) else {"eq": condition}
        for op, wanted in conditions.items():
            compare = _OPERATORS.get(op)
            if compare is None:
                raise SandboxError("invalid_param", f"filter: unknown operator {op!r}", 422)

            def test(record: dict[str, Any], f: str = field, w: Any = wanted, c: Any = compare) -> bool:
                if f not in record:
                    raise SandboxError("invalid_param", f"filter: unknown field {f!r}", 422)
                if isinstance(w, list):
                    return bool(c(record[f], w))
                return bool(c(*_comparable(record[f], w)))

            tests.append(test)
    return lambda record: all(t(record) for t in tests)


def _sort_key(field: str) -> Callable[[dict[str, Any]], tuple[bool, int, Any]]:
    """Nulls first, then numbers by value, then everything else as text."""

    def key(record: dict[str, Any]) -> tuple[bool, int, Any]:
        value = record[field]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return (True, 0, value)
        return (value is not None, 1, "" if value is None else str(value))

    return key


def ordered(rows: list[dict[str, Any]], spec: Any) -> list[dict[str, Any]]:
    """``rows`` sorted by a ``sort`` list (``None`` first when ascending)."""
    if spec is None:
        return rows
    if not isinstance(spec, list) or not all(isinstance(s, dict) and len(s) == 1 for s in spec):
        raise SandboxError("invalid_param", "sort must be a JSON list of {field: direction}", 422)
    for item in reversed(spec):
        ((field, direction),) = item.items()
        if direction not in ("asc", "desc"):
            raise SandboxError("invalid_param", f"sort: unknown direction {direction!r}", 422)
        if rows and field not in rows[0]:
            raise SandboxError("invalid_param", f"sort: unknown field {field!r}", 422)
        rows = sorted(rows, key=_sort_key(field), reverse=direction == "desc")
    return rows


async def list_exams(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    params = params_of(request)
    status = text_param(params, "status")
    if status is not None and status not in STATUSES:
        raise SandboxError("invalid_param", f"status has to be one of {','.join(STATUSES)}", 422)
    keep = matcher(_json(params, "filter"))
    # ``filter`` and ``sort`` name an exam's keys as the API shows them: they apply to the records.
    records = [
        EXAM.record(e)
        for e in sandbox.world.exams.values()
        if e["status"] == status or (not status and e["status"] != "deleted")
    ]
    records = ordered([r for r in records if keep(r)], _json(params, "sort"))
    return listing(sandbox, request, records, "exams", None)


def _exam(sandbox: ProctorExamAccount, request: web.Request) -> dict[str, Any]:
    return sandbox.exam(int(request.match_info["id"]))


async def show_exam(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    return {"exam": EXAM.record(_exam(sandbox, request))}


def _apply(record: dict[str, Any], params: dict[str, Any]) -> None:
    for field in EXAM_FIELDS:
        if field in params:
            record[field] = text_param(params, field, required=field in ("name", "type"))
    for field in EXAM_FLAGS:
        if field in params:
            record[field] = bool_param(params, field)
    if "duration_minutes" in params:
        minutes = int_param(params, "duration_minutes")
        if minutes < 1:
            raise Invalid("duration_minutes", "must be greater than 0")
        record["duration_minutes"] = minutes


async def create_exam(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    params = params_of(request)
    text_param(params, "name", required=True)
    text_param(params, "type", required=True)
    institute_id = int_param(params, "institute_id", default=1)
    if institute_id not in sandbox.world.institutes:
        raise Invalid("institute_id", "does not exist")
    exam_id = sandbox.world.new_id()
    now = stamp(sandbox.moment())
    record = exam_record(sandbox.world.seed, len(sandbox.world.exams), len(sandbox.world.institutes), [1]) | {
        "id": exam_id,
        "institute_id": institute_id,
        "status": "draft",
        "published": False,
        "created_at": now,
        "updated_at": now,
    }
    _apply(record, params)
    sandbox.world.exams[exam_id] = record
    return Reply({"exam": EXAM.record(record)}, status=201)


async def update_exam(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    exam = _exam(sandbox, request)
    _apply(exam, params_of(request))
    exam["updated_at"] = stamp(sandbox.moment())
    return {"exam": EXAM.record(exam)}


async def delete_exam(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    exam = _exam(sandbox, request)
    exam["status"] = "deleted"
    exam["updated_at"] = stamp(sandbox.moment())
    return Reply(None, status=204)


def _comanager(sandbox: ProctorExamAccount, request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
    exam = _exam(sandbox, request)
    user_id = int_param(params_of(request), "comanager_id")
    user = sandbox.world.users.get(user_id)
    if user is None:
        raise not_found("User", user_id)
    return exam, user


async def add_comanager(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    exam, user = _comanager(sandbox, request)
    if user["institute_id"] != exam["institute_id"]:
        raise Invalid("comanager_id", "must belong to the exam's institute")
    sandbox.world.comanagers.setdefault(exam["id"], set()).add(user["id"])
    return {"comanager": USER.record(user)}


async def remove_comanager(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    exam, user = _comanager(sandbox, request)
    managers = sandbox.world.comanagers.get(exam["id"], set())
    if user["id"] not in managers:
        raise Invalid("comanager_id", "is not a co-manager of this exam")
    managers.discard(user["id"])
    return {"comanager": USER.record(user)}


ROUTES: list[tuple[str, str, Endpoint]] = [
    ("GET", "/exams", list_exams),
    ("POST", "/exams", create_exam),
    ("GET", r"/exams/{id:\d+}", show_exam),
    ("PATCH", r"/exams/{id:\d+}", update_exam),
    ("PUT", r"/exams/{id:\d+}", update_exam),
    ("DELETE", r"/exams/{id:\d+}", delete_exam),
    ("PUT", r"/exams/{id:\d+}/add_comanager", add_comanager),
    ("DELETE", r"/exams/{id:\d+}/remove_comanager", remove_comanager),
]
