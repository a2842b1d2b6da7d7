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
from .rows import (
    BASE_TIME,
    AssessmentRow,
    CandidateRow,
    Draw,
    PbtRow,
    SectionRow,
    SkillRow,
    epoch_ms,
    gmt,
    marks,
    proctoring,
)
from .shapes import (
    ACCOUNT,
    ASSESSMENT,
    CANDIDATE_RESULT,
    REGISTRATION_FIELD,
    SCHEDULE,
    SCHEDULE_ACCESS,
    SECTION,
    SKILL,
    TEST_STATUS,
    WHITE_LABEL,
)

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
    REGISTRATION_FIELD.make(name="Email Address", type="TextBox", required=True, validate=False),
    REGISTRATION_FIELD.make(name="First Name", type="TextBox", required=True, validate=False),
    REGISTRATION_FIELD.make(name="Last Name", type="TextBox", required=False, validate=False),
]
PBT_LIBRARY = (
    PbtRow(1176, "Logical Reasoning", 30, ("Deduction", "Patterns")),
    PbtRow(1255, "Business Communication", 40, ("Writing", "Grammar")),
    PbtRow(1336, "Python Programming", 60, ("Syntax", "Data structures")),
    PbtRow(1401, "Numerical Ability", 25, ("Arithmetic", "Data reading")),
    PbtRow(1522, "SQL Basics", 45, ("Queries", "Joins")),
)


def default_schedule_settings() -> dict[str, Any]:
    """What a schedule is when its creator says nothing: always on, open to all, no e-mails."""
    return {
        SCHEDULE.key("schedule_type"): "AlwaysOn",
        SCHEDULE.key("access"): SCHEDULE_ACCESS.make(type="OpenForAll", send_email=False),
    }


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
    pbts: list[PbtRow]
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
        record = ASSESSMENT.make(
            id=row.id,
            name=row.name,
            duration=row.duration,
            status="Published",
            max_marks=row.max_marks,
            questions=sum(s.questions for s in row.sections),
            test_taken=self.test_taken(row),
            created_at=epoch_ms(row.created_at),
            sections=[section_record(s) for s in row.sections],
            registration_fields=REGISTRATION_FIELDS,
        )
        return {**record, **row.settings}

    def schedule_record(self, row: ScheduleRow) -> dict[str, Any]:
        record = SCHEDULE.make(
            id=row.id,
            access_key=row.access_key,
            access_url=row.url,
            name=row.name,
            assessment_id=row.assessment_id,
            status="Active",
            created_at=epoch_ms(row.created_at),
        )
        return {**record, **row.settings}

    def result_record(
        self, schedule: ScheduleRow, row: CandidateRow, *, account_wide: bool
    ) -> dict[str, Any]:
        overall, detailed = STATUS_TEXT[row.status]
        report = (
            f"https://tests.mettl.com/report/{schedule.access_key}/{row.instance_id}" if row.graded else ""
        )
        status = TEST_STATUS.make(
            status=row.status,
            overall_status=overall,
            detailed_status=detailed if row.status != "Completed" or row.graded else "Submitted",
            start_time=gmt(row.started_at) if row.started_at else None,
            end_time=gmt(row.ended_at) if row.ended_at else None,
            completion_mode=row.completion_mode,
            result=row.result if row.graded else None,
            pdf_report=f"{report}.pdf" if report else None,
            html_report=f"{report}.html" if report else None,
        )
        details = {"Email Address": row.email, **row.fields}
        if not account_wide:
            return CANDIDATE_RESULT.make(
                email=row.email,
                name=row.name,
                test_status=status,
                registration_details=details,
                proctoring_details=row.proctoring,
            )
        return CANDIDATE_RESULT.make(
            access_key=schedule.access_key,
            email=row.email,
            name=row.name,
            schedule_title=schedule.name,
            assessment_id=schedule.assessment_id,
            assessment_name=self.assessments[schedule.assessment_id].name,
            test_status=status,
            registration_details=details,
            proctoring_details=row.proctoring,
        )


def section_record(row: SectionRow) -> dict[str, Any]:
    """A section of an assessment, with its skills."""
    return SECTION.make(
        name=row.name,
        duration=row.duration,
        questions=row.questions,
        max_marks=row.max_marks,
        skills=[SKILL.make(name=k.name, max_marks=k.max_marks, questions=k.questions) for k in row.skills],
    )


def _sections(rng: random.Random, index: int) -> list[SectionRow]:
    out = []
    for s in range(rng.choice((1, 2, 3))):
        names = [f"Skill {index}.{s}.{k}" for k in range(rng.choice((1, 2)))]
        skills = tuple(SkillRow(name, 10.0, 5) for name in names)
        out.append(
            SectionRow(
                f"Section {s + 1}", rng.choice((10, 15, 20)), 5 * len(names), 10.0 * len(names), skills
            )
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
        account=ACCOUNT.make(
            first_name="Sandbox",
            last_name="Admin",
            email="admin@sandbox.example",
            account_type="ENTERPRISE",
            logo=None,
            white_label_info=WHITE_LABEL.make(
                header_background_color="4C4794",
                header_font_color="ffffff",
                # As in Get Account Info's own sample: a stored colour with '#'.
                button_color="#ff9999",
                button_font_color="ffffff",
                custom_test_url="SandboxOrg",
                favicon_path=None,
                cover_image_path=None,
                support_numbers=["+1-650-924-9221"],
            ),
            compliance_id=9999,
            compliance_text="Sample Text",
            compliance_status=True,
            registration_fields=REGISTRATION_FIELDS,
        ),
        assessments={},
        schedules={},
        pbts=list(PBT_LIBRARY),
    )
    for i in range(max(1, assessments)):
        sections = _sections(rng, i)
        row = AssessmentRow(
            id=300_001 + i,
            name=f"Assessment {i + 1:02d}",
            duration=sum(s.duration for s in sections),
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
                settings=default_schedule_settings(),
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
