"""The REST sandbox's rows (pre-built tests, assessments, candidates) and the pieces of a
candidate's history (marks, proctoring), drawn from any source of random numbers (``Draw``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

import attrs

from .shapes import PROCTORING, SECTION_MARKS, SKILL_MARKS, TEST_RESULT

BASE_TIME = datetime(2024, 8, 16, 9, 0, 0, tzinfo=UTC)
T = TypeVar("T")


class Draw(Protocol):
    """What a history draws from: ``random.Random`` or a candidate's own ``Draws``."""

    def random(self) -> float: ...

    def uniform(self, a: float, b: float) -> float: ...

    def randrange(self, start: int, stop: int) -> int: ...

    def choice(self, seq: Sequence[T]) -> T: ...


_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def gmt(value: datetime) -> str:
    """``Fri, 16 Aug 2024 13:14:21 GMT`` (``email.utils.format_datetime(..., usegmt=True)``,
    written out: a results page shows two per candidate)."""
    v = value.astimezone(UTC)
    clock = f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}"
    return f"{_WEEKDAYS[v.weekday()]}, {v.day:02d} {_MONTHS[v.month - 1]} {v.year:04d} {clock} GMT"


def epoch_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


@attrs.frozen
class PbtRow:
    """A pre-built test of Mettl's library."""

    id: int
    name: str
    duration: int
    skills: tuple[str, ...]


@attrs.frozen
class SkillRow:
    name: str
    max_marks: float
    questions: int


@attrs.frozen
class SectionRow:
    name: str
    duration: int
    questions: int
    max_marks: float
    skills: tuple[SkillRow, ...]


@attrs.define
class AssessmentRow:
    id: int
    name: str
    duration: int
    created_at: datetime
    sections: list[SectionRow]
    #: Settings as Create Assessment and Edit Assessment Settings sent them (keys as sent).
    settings: dict[str, Any] = attrs.Factory(dict)
    test_taken: int = 0

    @property
    def max_marks(self) -> float:
        return float(sum(s.max_marks for s in self.sections))


@attrs.define
class CandidateRow:
    email: str
    fields: dict[str, str]
    instance_id: int
    context_data: str | None = None
    status: str = "NotStarted"
    started_at: datetime | None = None
    ended_at: datetime | None = None
    completion_mode: str | None = None
    graded: bool = False
    #: The test's ``result`` record, computed when the test ends and shown once it is graded.
    result: dict[str, Any] | None = None
    #: The ``proctoringDetails`` record, as sent.
    proctoring: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return " ".join(v for v in (self.fields.get("First Name"), self.fields.get("Last Name")) if v)


def marks(rng: Draw, assessment: AssessmentRow, started: datetime) -> tuple[dict[str, Any], datetime]:
    """A graded result for ``assessment`` (its ``result`` record) and the time the test ended."""
    sections = []
    attempt = 0
    total = 0.0
    for section in assessment.sections:
        skills = []
        scored = 0.0
        for skill in section.skills:
            got = round(rng.uniform(0, skill.max_marks), 1)
            scored += got
            skills.append(SKILL_MARKS.make(skill_name=skill.name, total_marks=got, max_marks=skill.max_marks))
        time_taken = rng.randrange(60, section.duration * 60)
        attempt += time_taken
        scored = round(scored, 1)
        total += scored
        sections.append(
            SECTION_MARKS.make(
                section_name=section.name,
                total_marks=scored,
                max_marks=section.max_marks,
                time_taken=time_taken,
                skill_marks=skills,
            )
        )
    total = round(total, 1)
    out_of = assessment.max_marks
    result = TEST_RESULT.make(
        total_marks=total,
        max_marks=out_of,
        percentile=round(100 * total / out_of, 2),
        attempt_time=attempt,
        candidate_credibility_index=rng.choice(("High", "High", "Medium", "Low")),
        total_questions=sum(s.questions for s in assessment.sections),
        section_marks=sections,
    )
    return result, started + timedelta(seconds=attempt)


def proctoring(rng: Draw) -> dict[str, Any]:
    return PROCTORING.make(
        mode="WEB",
        status="Reviewed",
        window_violations=rng.choice((0, 0, 1, 3)),
        face_violations=rng.choice((0, 0, 0, 2)),
        credibility_index=rng.choice(("High", "Medium")),
    )
