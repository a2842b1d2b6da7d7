"""Mettl REST API records: the account, pre-built tests, assessments and schedules.

Every field is optional (the API omits and nulls freely) and each record keeps
the mapping it was read from in ``raw``; keys not modelled stay in ``extra``.
Candidates' results are in :mod:`.results`, requests in :mod:`.specs`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import attrs

from ..core.readers import parse_datetime
from ..core.records import Record


def parse_time(value: Any) -> datetime:
    """A time as the REST API and its webhooks send it.

    ``"Fri, 16 Aug 2024 13:14:21 GMT"`` (RFC 1123) -> aware UTC; otherwise any
    form :func:`~mettl_async.core.records.parse_datetime` reads (epoch milliseconds,
    ``"Jan 14, 2019 1:00:00 AM"``, ISO 8601).
    """
    if isinstance(value, str) and "," in value and value.strip().upper().endswith(("GMT", "UTC", "+0000")):
        try:
            parsed = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError) as error:
            raise ValueError(f"not an RFC 1123 date: {value!r}") from error
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return parse_datetime(value)


TIME: dict[str, Any] = {"parse": parse_time}

# -- account -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class WhiteLabelInfo(Record):
    """The account's white label. Colours are as stored: Get Account Info's own sample holds
    ``"#ff9999"`` beside ``"ffffff"``, so they are kept as text, not checked."""

    header_background_color: str | None = None
    header_font_color: str | None = None
    button_color: str | None = None
    button_font_color: str | None = None
    custom_test_url: str | None = None
    favicon_path: str | None = None
    cover_image_path: str | None = None
    support_numbers: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class RegistrationField(Record):
    """A field candidates fill in to register (``"Email Address"``, ``"First Name"``, …)."""

    name: str | None = None
    type: str | None = None
    required: bool | None = None
    validate: bool | None = None


@attrs.frozen(kw_only=True)
class AccountInfo(Record):
    """GET /account (seed 001). The compliance keys are all lower case in the response."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    account_type: str | None = None
    logo: str | None = None
    white_label_info: WhiteLabelInfo | None = None
    compliance_id: int | None = attrs.field(default=None, metadata={"key": "complianceid"})
    compliance_text: str | None = attrs.field(default=None, metadata={"key": "compliancetext"})
    compliance_status: bool | None = attrs.field(default=None, metadata={"key": "compliancestatus"})
    registration_fields: list[RegistrationField] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class Pbt(Record):
    """A pre-built test of Mettl's library, to add to the account's assessments by id."""

    id: int | None = None
    name: str | None = None
    duration: int | None = None
    skills: list[str] = attrs.field(factory=list)
    description: str | None = None


# -- assessments -------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Skill(Record):
    name: str | None = None
    questions: int | None = None
    max_marks: float | None = None


@attrs.frozen(kw_only=True)
class Section(Record):
    name: str | None = None
    duration: int | None = None
    max_marks: float | None = None
    questions: int | None = None
    skills: list[Skill] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class Assessment(Record):
    """An assessment of the account (GET /assessments, /assessments/{id})."""

    id: int | None = attrs.field(default=None, metadata={"column": "assessment_id"})
    name: str | None = None
    duration: int | None = None
    status: str | None = None
    max_marks: float | None = None
    questions: int | None = None
    test_taken: int | None = None
    created_at: datetime | None = attrs.field(default=None, metadata=TIME)
    sections: list[Section] = attrs.field(factory=list)
    instructions: str | None = None
    registration_fields: list[RegistrationField] = attrs.field(factory=list)


# -- schedules ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ScheduleCandidate(Record):
    """A candidate named in a ByInvitation schedule's access list."""

    email: str | None = None
    name: str | None = None


@attrs.frozen(kw_only=True)
class ScheduleAccess(Record):
    type: str | None = None
    send_email: bool | None = None
    candidates: list[ScheduleCandidate] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class ScheduleWindow(Record):
    open_time: datetime | None = attrs.field(default=None, metadata=TIME)
    close_time: datetime | None = attrs.field(default=None, metadata=TIME)
    time_zone: str | None = None
    fixed_access_option: str | None = None
    duration: int | None = None


@attrs.frozen(kw_only=True)
class WebProctoring(Record):
    enabled: bool | None = None
    count: int | None = None
    show_remaining_counts: bool | None = None


@attrs.frozen(kw_only=True)
class Schedule(Record):
    """A schedule (test link) of an assessment: its access key identifies it everywhere."""

    access_key: str | None = None
    id: int | None = attrs.field(default=None, metadata={"column": "schedule_id"})
    name: str | None = None
    assessment_id: int | None = None
    status: str | None = None
    schedule_type: str | None = None
    access: ScheduleAccess | None = None
    #: Its times are columns of their own (``open_time``…).
    schedule_window: ScheduleWindow | None = attrs.field(default=None, metadata={"prefix": ""})
    access_url: str | None = None
    source_app: str | None = None
    created_at: datetime | None = attrs.field(default=None, metadata=TIME)
    test_start_notification_url: str | None = None
    test_finish_notification_url: str | None = None
    test_graded_notification_url: str | None = None
    test_resume_enabled_for_expired_test_url: str | None = attrs.field(
        default=None, metadata={"key": "testResumeEnabledForExpiredTestURL"}
    )
    web_proctoring: WebProctoring | None = None
    image_proctoring: bool | None = None


@attrs.frozen(kw_only=True)
class CreatedSchedule(Record):
    """What schedule creation answers (``createdSchedule``)."""

    access_key: str | None = None
    access_url: str | None = None
    name: str | None = None
    assessment_id: int | None = None
    schedule_type: str | None = None
    status: str | None = None


__all__ = [
    "AccountInfo",
    "Assessment",
    "CreatedSchedule",
    "Pbt",
    "RegistrationField",
    "Schedule",
    "ScheduleAccess",
    "ScheduleCandidate",
    "ScheduleWindow",
    "Section",
    "Skill",
    "WebProctoring",
    "WhiteLabelInfo",
    "parse_time",
]
