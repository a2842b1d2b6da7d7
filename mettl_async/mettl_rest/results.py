"""A candidate's status and result in a schedule, and what registration answers per candidate.

The same record comes from the schedule's list (GET /schedules/{key}/candidates),
from one candidate (…/candidates/{email}), from a candidate's results across the
account (GET /candidates/{email}) and, reshaped, from the graded webhook.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ..core.readers import parse_json_object
from ..core.records import Record
from .models import TIME


def casefold(email: Any) -> Any:
    """An e-mail address as Mettl compares it (without case or surrounding spaces)."""
    return email.strip().lower() if isinstance(email, str) else email


#: ``status`` values a result may be deleted in (Delete Result: completed or expired tests only).
DELETABLE_STATUSES = ("Completed", "Expired")


@attrs.frozen(kw_only=True)
class SkillMarks(Record):
    skill_name: str | None = None
    total_marks: float | None = None
    max_marks: float | None = None
    questions: int | None = None
    correct: int | None = None


@attrs.frozen(kw_only=True)
class SectionMarks(Record):
    section_name: str | None = None
    total_marks: float | None = None
    max_marks: float | None = None
    time_taken: int | None = None
    skill_marks: list[SkillMarks] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class TestResult(Record):
    """Marks of a finished test. ``attempt_time`` is in seconds."""

    __test__ = False  # not a pytest test class

    total_marks: float | None = None
    max_marks: float | None = None
    percentile: float | None = None
    attempt_time: int | None = None
    candidate_credibility_index: str | None = None
    total_questions: int | None = None
    total_correct_answers: int | None = None
    total_unanswered: int | None = None
    section_marks: list[SectionMarks] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class TestStatus(Record):
    """Where the candidate's test stands.

    ``status`` is the short state (``NotStarted``, ``InProgress``, ``Completed``,
    ``Expired``); ``overall_status`` and ``detailed_status`` the dashboard's
    pair (``"Yet to Start"`` / ``"Invited"``, ``"Not Started"`` / ``"Access Expired"``, …).
    ``result`` is present once the test is graded.
    """

    __test__ = False

    status: str | None = None
    overall_status: str | None = None
    detailed_status: str | None = None
    start_time: datetime | None = attrs.field(default=None, metadata=TIME)
    end_time: datetime | None = attrs.field(default=None, metadata=TIME)
    completion_mode: str | None = None
    #: Its marks are columns of their own (``total_marks``…).
    result: TestResult | None = attrs.field(default=None, metadata={"prefix": ""})
    pdf_report: str | None = None
    html_report: str | None = None


@attrs.frozen(kw_only=True)
class ProctoringDetails(Record):
    mode: str | None = None
    status: str | None = None
    window_violations: int | None = attrs.field(default=None, metadata={"key": "noOfWindowViolations"})
    face_violations: int | None = attrs.field(default=None, metadata={"key": "noOfFaceViolations"})
    credibility_index: str | None = None


@attrs.frozen(kw_only=True)
class CandidateResult(Record):
    """One candidate in one schedule.

    ``registration_details`` maps the registration fields' names to the values
    the candidate gave (``{"Email Address": …, "First Name": …}``). Results of
    one candidate across the account also name the schedule (``access_key``,
    ``schedule_title``) and the assessment.
    """

    access_key: str | None = None
    #: Case-folded in outputs: Mettl matches e-mail addresses without case, so must the key.
    email: str | None = attrs.field(default=None, metadata={"normalize": casefold})
    name: str | None = None
    schedule_title: str | None = None
    assessment_id: int | None = None
    assessment_name: str | None = None
    #: Its fields are columns of their own (``status``, ``start_time``…).
    test_status: TestStatus | None = attrs.field(default=None, metadata={"prefix": ""})
    context_data: str | None = None
    registration_details: dict[str, Any] | None = attrs.field(
        default=None, metadata={"parse": parse_json_object}
    )
    proctoring_details: ProctoringDetails | None = attrs.field(default=None, metadata={"json": True})


@attrs.frozen(kw_only=True)
class RegistrationStatus(Record):
    """What registration answered for one candidate (``registrationStatus``).

    ``status`` is ``"Success"`` for a registered candidate; anything else is a
    refusal whose reason is in ``message`` (``"Invalid Email"``, ``"Already Registered"``).
    ``url`` is the candidate's own test link when the server gives one.
    """

    email: str | None = None
    status: str | None = None
    url: str | None = None
    message: str | None = None

    @property
    def succeeded(self) -> bool:
        return (self.status or "").strip().lower() == "success"


__all__ = [
    "DELETABLE_STATUSES",
    "CandidateResult",
    "ProctoringDetails",
    "RegistrationStatus",
    "SectionMarks",
    "SkillMarks",
    "TestResult",
    "TestStatus",
]
