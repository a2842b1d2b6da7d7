"""The REST sandbox's rows (assessments, candidates) and the pieces of a candidate's history
(marks, proctoring), drawn from any source of random numbers (``Draw``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

import attrs

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


@attrs.define
class AssessmentRow:
    id: int
    name: str
    duration: int
    created_at: datetime
    sections: list[dict[str, Any]]
    settings: dict[str, Any] = attrs.Factory(dict)
    test_taken: int = 0

    @property
    def max_marks(self) -> float:
        return float(sum(s["maxMarks"] for s in self.sections))


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
    result: dict[str, Any] | None = None
    proctoring: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return " ".join(v for v in (self.fields.get("First Name"), self.fields.get("Last Name")) if v)


def marks(rng: Draw, assessment: AssessmentRow, started: datetime) -> tuple[dict[str, Any], datetime]:
    """A graded result for ``assessment`` and the time the test ended."""
    sections = []
    for section in assessment.sections:
        skills = []
        for skill in section["skills"]:
            got = round(rng.uniform(0, skill["maxMarks"]), 1)
            skills.append({"skillName": skill["name"], "totalMarks": got, "maxMarks": skill["maxMarks"]})
        sections.append(
            {
                "sectionName": section["name"],
                "totalMarks": round(sum(s["totalMarks"] for s in skills), 1),
                "maxMarks": section["maxMarks"],
                "timeTaken": rng.randrange(60, section["duration"] * 60),
                "skillMarks": skills,
            }
        )
    attempt = sum(s["timeTaken"] for s in sections)
    total = round(sum(s["totalMarks"] for s in sections), 1)
    result = {
        "totalMarks": total,
        "maxMarks": assessment.max_marks,
        "percentile": round(100 * total / assessment.max_marks, 2),
        "attemptTime": attempt,
        "candidateCredibilityIndex": rng.choice(("High", "High", "Medium", "Low")),
        "totalQuestions": sum(s["questions"] for s in assessment.sections),
        "sectionMarks": sections,
    }
    return result, started + timedelta(seconds=attempt)


def proctoring(rng: Draw) -> dict[str, Any]:
    return {
        "mode": "WEB",
        "status": "Reviewed",
        "noOfWindowViolations": rng.choice((0, 0, 1, 3)),
        "noOfFaceViolations": rng.choice((0, 0, 0, 2)),
        "credibilityIndex": rng.choice(("High", "Medium")),
    }
