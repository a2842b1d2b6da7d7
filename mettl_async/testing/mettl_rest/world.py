"""The REST sandbox's account: seeded assessments, schedules, candidates and their results.

Everything derives from the seed (``random.Random`` seeded with text is stable
across runs), so a world is the same on every run with the same sizes. Candidates
are generated on demand (``people``); records are rendered only when a page asks.
"""

from __future__ import annotations

import hashlib
import random
from array import array
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from .people import ScheduleCandidates, SeededCandidates
from .rows import BASE_TIME, AssessmentRow, CandidateRow, Draw, epoch_ms, gmt, marks, proctoring

__all__ = [
    "BASE_TIME",
    "AssessmentRow",
    "CandidateRow",
    "RestWorld",
    "ScheduleRow",
    "build_world",
    "epoch_ms",
    "finish",
    "gmt",
    "marks",
    "proctoring",
]

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


@attrs.define
class ScheduleRow:
    id: int
    access_key: str
    name: str
    assessment_id: int
    created_at: datetime
    settings: dict[str, Any]
    candidates: ScheduleCandidates = attrs.Factory(ScheduleCandidates)
    #: Bumped on every change of the candidate list: sorted orders are cached per version.
    version: int = 0
    _orders: dict[tuple[str, bool], tuple[int, array[int]]] = attrs.Factory(dict)

    def add(self, candidate: CandidateRow) -> None:
        self.candidates.add(candidate)
        self.version += 1

    def remove(self, email: str) -> None:
        self.candidates.remove(email)
        self.version += 1

    def ordered(self, sort: str | None, order: str | None) -> Sequence[CandidateRow]:
        """The candidates in the order asked for (registration order by default), read where
        a page asks; a sorted order is computed once per version of the list."""
        descending = order == "desc"
        if sort is None and not descending:
            return self.candidates.ordered()
        key = (sort or "", descending)
        cached = self._orders.get(key)
        if cached is None or cached[0] != self.version:
            if sort is None:
                positions = array("i", range(len(self.candidates) - 1, -1, -1))
            else:
                positions = self.candidates.sorted_positions(sort, descending)
            cached = self._orders[key] = (self.version, positions)
        return self.candidates.ordered(cached[1])

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
    #: The seeded candidates of the first ``seeded.schedules`` schedules (in creation order).
    seeded: SeededCandidates | None = None
    _seeded_taken: dict[int, int] = attrs.field(factory=dict, repr=False)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def new_access_key(self) -> str:
        while True:
            key = hashlib.sha256(f"{self.seed}:{self.new_id()}".encode()).hexdigest()[:10]
            if key not in self.schedules:
                return key

    def results_of(self, email: str) -> list[tuple[ScheduleRow, CandidateRow]]:
        found = ((s, s.candidates.lookup(email)) for s in self.schedules.values())
        return [(s, row) for s, row in found if row is not None]

    def test_taken(self, row: AssessmentRow) -> int:
        """Tests finished in the assessment: by the seeded candidates (counted once, when first
        asked) and through the lifecycle since."""
        if row.id not in self._seeded_taken:
            seeded = self.seeded
            self._seeded_taken[row.id] = (
                sum(
                    seeded.completed(k)
                    for k, s in enumerate(self.schedules.values())
                    if k < seeded.schedules and s.assessment_id == row.id
                )
                if seeded
                else 0
            )
        return self._seeded_taken[row.id] + row.test_taken

    # -- records --------------------------------------------------------------------------------

    def assessment_record(self, row: AssessmentRow) -> dict[str, Any]:
        return {
            "id": row.id,
            "name": row.name,
            "duration": row.duration,
            "status": "Published",
            "maxMarks": row.max_marks,
            "questions": sum(s["questions"] for s in row.sections),
            "testTaken": self.test_taken(row),
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
    page through); every fifth is also in a second schedule. Candidates are generated as
    they are asked for (``people``), so any number starts at once."""
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
    world.seeded = seeded = SeededCandidates(seed, candidates, len(world.schedules))
    for k, schedule in enumerate(world.schedules.values()):
        schedule.candidates = ScheduleCandidates(seeded, k, world.assessments[schedule.assessment_id])
    return world


def finish(
    world: RestWorld,
    schedule: ScheduleRow,
    row: CandidateRow,
    rng: Draw,
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
