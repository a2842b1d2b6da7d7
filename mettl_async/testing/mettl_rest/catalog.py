"""REST sandbox: assessments and schedules (list, read, create, edit)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from ..kit import SandboxError
from .params import choice, invalid, json_object, missing, page_params, paging_links
from .rows import SectionRow, SkillRow
from .shapes import (
    ASSESSMENT,
    ASSESSMENT_SETTINGS,
    CREATED_SCHEDULE,
    SCHEDULE,
    SCHEDULE_ACCESS,
    SCHEDULE_WINDOW,
    SECTION,
    SKILL,
)
from .state import MettlRestAccount
from .world import AssessmentRow, ScheduleRow, default_schedule_settings

SUCCESS = {"status": "SUCCESS"}
#: The settings an assessment keeps as they were sent (Create Assessment, Edit Assessment Settings).
_SETTINGS = (ASSESSMENT.key("instructions"), *ASSESSMENT_SETTINGS)
#: Where a schedule's settings name its webhooks' URLs.
_NOTIFICATIONS = tuple(
    SCHEDULE.key(field)
    for field in (
        "test_start_notification_url",
        "test_finish_notification_url",
        "test_graded_notification_url",
        "test_resume_enabled_for_expired_test_url",
    )
)
#: What the assessment list sorts by: the field, by its key.
_SORTS = {ASSESSMENT.key(field): field for field in ("created_at", "test_taken", "name")}


def _sort_key(sandbox: MettlRestAccount, sort: str) -> Callable[[AssessmentRow], tuple[Any, ...]]:
    if _SORTS[sort] == "test_taken":
        return lambda a: (sandbox.world.test_taken(a), a.id)
    if _SORTS[sort] == "name":
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
    sort = choice(request, "sort", tuple(_SORTS)) or ASSESSMENT.key("created_at")
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


def check_new_name(sandbox: MettlRestAccount, name: Any) -> str:
    """An assessment's name: given, and no other assessment's."""
    if not isinstance(name, str) or not name.strip():
        raise missing("assessments.name")
    if any(a.name == name for a in sandbox.world.assessments.values()):
        raise SandboxError(
            "E400", f"Request was not well-formed/Invalid parameters supplied: {name!r} exists"
        )
    return name


def _skill(skill: Any) -> SkillRow:
    """A skill of a section as the request gave it (the keys the assessment shows it with)."""
    return SkillRow(
        str(skill[SKILL.key("name")]),
        float(skill.get(SKILL.key("max_marks")) or 10.0),
        int(skill.get(SKILL.key("questions")) or 5),
    )


def _section(section: dict[str, Any], position: int, duration: int) -> SectionRow:
    """A section as the request gave it (the keys the assessment shows it with), gaps filled."""
    name = section.get(SECTION.key("name")) or f"Section {position + 1}"
    skills = section.get(SECTION.key("skills")) or [{SKILL.key("name"): name}]
    return SectionRow(
        name=str(name),
        duration=int(section.get(SECTION.key("duration")) or duration),
        questions=int(section.get(SECTION.key("questions")) or 5),
        max_marks=float(section.get(SECTION.key("max_marks")) or 10.0),
        skills=tuple(_skill(skill) for skill in skills),
    )


def add_assessment(sandbox: MettlRestAccount, spec: dict[str, Any]) -> AssessmentRow:
    """An assessment from an ``assessments`` JSON: a unique name, a duration or timed sections."""
    name = check_new_name(sandbox, spec.get("name"))
    sections = spec.get("sections") or []
    if not isinstance(sections, list) or not all(isinstance(s, dict) for s in sections):
        raise invalid("assessments.sections")
    duration = spec.get("duration")
    timed = SECTION.key("duration")
    if duration is None:
        if not sections or not all(isinstance(s.get(timed), int) and s[timed] > 0 for s in sections):
            raise missing("assessments.duration")
        duration = sum(s[timed] for s in sections)
    if isinstance(duration, bool) or not isinstance(duration, int) or duration < 1:
        raise invalid("assessments.duration")
    shaped = [_section(s, i, duration) for i, s in enumerate(sections or [{}])]
    return new_assessment(sandbox, name, duration, shaped, {k: spec[k] for k in _SETTINGS if k in spec})


def new_assessment(
    sandbox: MettlRestAccount,
    name: str,
    duration: int,
    sections: list[SectionRow],
    settings: dict[str, Any] | None = None,
) -> AssessmentRow:
    """Add an assessment to the account, created now."""
    row = AssessmentRow(
        id=sandbox.world.new_id(),
        name=name,
        duration=duration,
        created_at=datetime.fromtimestamp(sandbox.now(), UTC),
        sections=sections,
        settings=settings or {},
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
    """The schedule properties of an ``sc`` JSON, checked as the server checks them and kept as
    sent: a schedule shows its settings under the keys it was given them with."""
    settings = {k: v for k, v in sc.items() if k != SCHEDULE.key("name")}
    access = settings.get(SCHEDULE.key("access"))
    if access is not None and (
        not isinstance(access, dict)
        or access.get(SCHEDULE_ACCESS.key("type")) not in ("OpenForAll", "ByInvitation")
    ):
        raise invalid("sc.access.type")
    kind = settings.get(SCHEDULE.key("schedule_type"), "AlwaysOn" if creating else None)
    if kind is not None and kind not in ("AlwaysOn", "Fixed"):
        raise invalid("sc.scheduleType")
    if kind == "Fixed":
        window = settings.get(SCHEDULE.key("schedule_window"))
        if not isinstance(window, dict) or SCHEDULE_WINDOW.key("open_time") not in window:
            raise missing("sc.scheduleWindow")
        for key in (SCHEDULE_WINDOW.key("open_time"), SCHEDULE_WINDOW.key("close_time")):
            if key in window:
                try:
                    datetime.fromisoformat(str(window[key]))
                except ValueError:
                    raise SandboxError("E013", f"Invalid Date Supplied: {key}") from None
    for key in _NOTIFICATIONS:
        if key in settings and urlsplit(str(settings[key])).scheme not in ("http", "https"):
            raise invalid(f"sc.{key}")
    return {**default_schedule_settings(), **settings} if creating else settings


def create_schedule(sandbox: MettlRestAccount, request: web.Request) -> Any:
    assessment = assessment_of(sandbox, request.match_info["assessment_id"])
    sc = json_object(request, "sc")
    assert sc is not None
    name = sc.get(SCHEDULE.key("name"))
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
    created = CREATED_SCHEDULE.make(
        access_key=row.access_key,
        access_url=row.url,
        name=row.name,
        assessment_id=row.assessment_id,
        schedule_type=row.settings[SCHEDULE.key("schedule_type")],
        status="Active",
    )
    return {"status": "SUCCESS", "createdSchedule": created}


def edit_schedule(sandbox: MettlRestAccount, request: web.Request) -> Any:
    row = schedule_of(sandbox, request.match_info["key"])
    sc = json_object(request, "sc")
    assert sc is not None
    merged = {**row.settings, **sc}
    row.settings = _checked_settings(merged, creating=False)
    name = sc.get(SCHEDULE.key("name"))
    if isinstance(name, str) and name.strip():
        row.name = name
    return SUCCESS
