"""The REST sandbox's account: seeded assessments, schedules, candidates and their results.

Everything derives from the seed (``random.Random`` seeded with text is stable
across runs), so a world is the same on every run with the same sizes. Records
are rendered only when a page asks for them.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import attrs

BASE_TIME = datetime(2024, 8, 16, 9, 0, 0, tzinfo=UTC)
STATUS_TEXT = {
    # status: (overallStatus, detailedStatus)
    "NotStarted": ("Yet to Start", "Registered"),
    "InProgress": ("In Progress", "Test Started"),
    "Completed": ("Completed", "Graded"),
    "Expired": ("Not Started", "Access Expired"),
}
REGISTRATION_FIELDS = [
    {"name": "Email Address", "type": "TextBox", "required": True, "validate": False},
    {"name": "First Name", "type": "TextBox", "required": True, "validate": False},
    {"name": "Last Name", "type": "TextBox", "required": False, "validate": False},
]
PBT_LIBRARY = [
    {"id": 1176, "name": "Logical Reasoning", "duration": 30, "skills": ["Deduction", "Patterns"]},
    {"id": 1255, "name": "Business Communication", "duration": 40, "skills": ["Writing", "Grammar"]},
    {"id": 1336, "name": "Python Programming", "duration": 60, "skills": ["Syntax", "Data structures"]},
    {"id": 1401, "name": "Numerical Ability", "duration": 25, "skills": ["Arithmetic", "Data reading"]},
    {"id": 1522, "name": "SQL Basics", "duration": 45, "skills": ["Queries", "Joins"]},
]


def gmt(value: datetime) -> str:
    """``Fri, 16 Aug 2024 13:14:21 GMT``."""
    return format_datetime(value.astimezone(UTC), usegmt=True)


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


@attrs.define
class ScheduleRow:
    id: int
    access_key: str
    name: str
    assessment_id: int
    created_at: datetime
    settings: dict[str, Any]
    candidates: dict[str, CandidateRow] = attrs.Factory(dict)
    #: Bumped on every change of the candidate list: sorted orders are cached per version.
    version: int = 0
    _orders: dict[tuple[str | None, str | None], tuple[int, list[CandidateRow]]] = attrs.Factory(dict)

    def add(self, candidate: CandidateRow) -> None:
        self.candidates[candidate.email.lower()] = candidate
        self.version += 1

    def remove(self, email: str) -> None:
        del self.candidates[email.lower()]
        self.version += 1

    def ordered(self, sort: str | None, order: str | None) -> list[CandidateRow]:
        """The candidates in the order asked for (registration order by default), cached."""
        cached = self._orders.get((sort, order))
        if cached is not None and cached[0] == self.version:
            return cached[1]
        rows = list(self.candidates.values())
        if sort == "name":
            rows.sort(key=lambda c: (c.name.lower(), c.email))
        elif sort == "testStartTime":
            rows.sort(key=lambda c: (c.started_at is None, c.started_at or BASE_TIME, c.email))
        if order == "desc":
            rows.reverse()
        self._orders[(sort, order)] = (self.version, rows)
        return rows

    @property
    def url(self) -> str:
        return f"https://tests.mettl.com/authenticateKey/{self.access_key}"


@attrs.define
class RestWorld:
    """The mutable state of one sandbox account."""

    seed: int
    account: dict[str, Any]
    assessments: dict[int, AssessmentRow]
    schedules: dict[str, ScheduleRow]
    pbts: list[dict[str, Any]]
    next_id: int = 700_000
    logo: bytes | None = None

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def new_access_key(self) -> str:
        while True:
            key = hashlib.sha256(f"{self.seed}:{self.new_id()}".encode()).hexdigest()[:10]
            if key not in self.schedules:
                return key

    def results_of(self, email: str) -> list[tuple[ScheduleRow, CandidateRow]]:
        folded = email.lower()
        return [(s, s.candidates[folded]) for s in self.schedules.values() if folded in s.candidates]

    # -- records --------------------------------------------------------------------------------

    def assessment_record(self, row: AssessmentRow) -> dict[str, Any]:
        return {
            "id": row.id,
            "name": row.name,
            "duration": row.duration,
            "status": "Published",
            "maxMarks": row.max_marks,
            "questions": sum(s["questions"] for s in row.sections),
            "testTaken": row.test_taken,
            "createdAt": epoch_ms(row.created_at),
            "sections": row.sections,
            "registrationFields": REGISTRATION_FIELDS,
            **row.settings,
        }

    def schedule_record(self, row: ScheduleRow) -> dict[str, Any]:
        return {
            "id": row.id,
            "accessKey": row.access_key,
            "accessUrl": row.url,
            "name": row.name,
            "assessmentId": row.assessment_id,
            "status": "Active",
            "createdAt": epoch_ms(row.created_at),
            **row.settings,
        }

    def result_record(
        self, schedule: ScheduleRow, row: CandidateRow, *, account_wide: bool
    ) -> dict[str, Any]:
        overall, detailed = STATUS_TEXT[row.status]
        status: dict[str, Any] = {
            "status": row.status,
            "overallStatus": overall,
            "detailedStatus": detailed if row.status != "Completed" or row.graded else "Submitted",
            "startTime": gmt(row.started_at) if row.started_at else None,
            "endTime": gmt(row.ended_at) if row.ended_at else None,
            "completionMode": row.completion_mode,
            "pdfReport": None,
            "htmlReport": None,
            "result": row.result if row.graded else None,
        }
        if row.graded:
            report = f"https://tests.mettl.com/report/{schedule.access_key}/{row.instance_id}"
            status["pdfReport"], status["htmlReport"] = report + ".pdf", report + ".html"
        record: dict[str, Any] = {
            "email": row.email,
            "name": row.name,
            "registrationDetails": {"Email Address": row.email, **row.fields},
            "testStatus": status,
            "proctoringDetails": row.proctoring,
        }
        if account_wide:
            record.update(
                accessKey=schedule.access_key,
                scheduleTitle=schedule.name,
                assessmentId=schedule.assessment_id,
                assessmentName=self.assessments[schedule.assessment_id].name,
            )
        return record


def marks(
    rng: random.Random, assessment: AssessmentRow, started: datetime
) -> tuple[dict[str, Any], datetime]:
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


def proctoring(rng: random.Random) -> dict[str, Any]:
    return {
        "mode": "WEB",
        "status": "Reviewed",
        "noOfWindowViolations": rng.choice((0, 0, 1, 3)),
        "noOfFaceViolations": rng.choice((0, 0, 0, 2)),
        "credibilityIndex": rng.choice(("High", "Medium")),
    }


def _sections(rng: random.Random, index: int) -> list[dict[str, Any]]:
    out = []
    for s in range(rng.choice((1, 2, 3))):
        names = [f"Skill {index}.{s}.{k}" for k in range(rng.choice((1, 2)))]
        out.append(
            {
                "name": f"Section {s + 1}",
                "duration": rng.choice((10, 15, 20)),
                "questions": 5 * len(names),
                "maxMarks": 10.0 * len(names),
                "skills": [{"name": name, "maxMarks": 10.0, "questions": 5} for name in names],
            }
        )
    return out


def build_world(
    *, assessments: int = 6, schedules_per_assessment: int = 2, candidates: int = 120, seed: int = 1
) -> RestWorld:
    """A deterministic account. Half the candidates are in the first schedule (a long list to
    page through); every fifth is also in a second schedule."""
    rng = random.Random(f"mettl-rest:{seed}")
    world = RestWorld(
        seed=seed,
        account={
            "firstName": "Sandbox",
            "lastName": "Admin",
            "email": "admin@sandbox.example",
            "accountType": "ENTERPRISE",
            "logo": None,
            "whiteLabelInfo": {
                "headerBackgroundColor": "4C4794",
                "headerFontColor": "ffffff",
                # As in Get Account Info's own sample: a stored colour with '#'.
                "buttonColor": "#ff9999",
                "buttonFontColor": "ffffff",
                "customTestUrl": "SandboxOrg",
                "faviconPath": None,
                "coverImagePath": None,
                "supportNumbers": ["+1-650-924-9221"],
            },
            "complianceid": 9999,
            "compliancetext": "Sample Text",
            "compliancestatus": True,
            "registrationFields": REGISTRATION_FIELDS,
        },
        assessments={},
        schedules={},
        pbts=[dict(p) for p in PBT_LIBRARY],
    )
    for i in range(max(1, assessments)):
        sections = _sections(rng, i)
        row = AssessmentRow(
            id=300_001 + i,
            name=f"Assessment {i + 1:02d}",
            duration=sum(s["duration"] for s in sections),
            created_at=BASE_TIME - timedelta(days=400 - 17 * i, seconds=rng.randrange(86_400)),
            sections=sections,
        )
        world.assessments[row.id] = row
        for k in range(max(1, schedules_per_assessment)):
            key = world.new_access_key()
            world.schedules[key] = ScheduleRow(
                id=world.new_id(),
                access_key=key,
                name=f"{row.name} - link {k + 1}",
                assessment_id=row.id,
                created_at=row.created_at + timedelta(days=k + 1),
                settings={"scheduleType": "AlwaysOn", "access": {"type": "OpenForAll", "sendEmail": False}},
            )
    keys = list(world.schedules)
    for j in range(candidates):
        email = f"cand+{j}@example.com" if j % 13 == 5 else f"cand{j}@example.com"
        homes = [keys[0] if j % 2 == 0 else keys[(j // 2) % len(keys)]]
        if j % 5 == 0 and len(keys) > 1:
            homes.append(keys[(keys.index(homes[0]) + 1) % len(keys)])
        for key in homes:
            seeded(world, world.schedules[key], email, rng)
    return world


def seeded(world: RestWorld, schedule: ScheduleRow, email: str, rng: random.Random) -> CandidateRow:
    """A candidate with a seeded history: most finished and graded, some running, some expired."""
    fields = {"First Name": f"Cand {email.split('@')[0]}", "Last Name": rng.choice(("Rao", "Silva", "Ng"))}
    row = CandidateRow(email=email, fields=fields, instance_id=world.new_id())
    fate = rng.random()
    if fate < 0.6:
        finish(world, schedule, row, rng, started=BASE_TIME + timedelta(minutes=rng.randrange(100_000)))
        row.graded = True
    elif fate < 0.7:
        row.status, row.started_at = "InProgress", BASE_TIME + timedelta(minutes=rng.randrange(100_000))
    elif fate < 0.8:
        row.status = "Expired"
    schedule.add(row)
    return row


def finish(
    world: RestWorld,
    schedule: ScheduleRow,
    row: CandidateRow,
    rng: random.Random,
    *,
    started: datetime,
    mode: str = "Submitted",
) -> None:
    """Mark ``row`` finished (not yet graded): its result is computed now, shown once graded."""
    assessment = world.assessments[schedule.assessment_id]
    row.started_at = row.started_at or started
    row.result, row.ended_at = marks(rng, assessment, row.started_at)
    row.status, row.completion_mode = "Completed", mode
    row.proctoring = proctoring(rng)
    assessment.test_taken += 1
    schedule.version += 1
