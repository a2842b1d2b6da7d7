"""The records the REST sandbox sends, keyed as :mod:`mettl_async.mettl_rest.models`,
:mod:`~mettl_async.mettl_rest.results` and :mod:`~mettl_async.mettl_rest.webhooks` declare them
(see :mod:`mettl_async.testing.shapes`)."""

from __future__ import annotations

from ...mettl_rest.models import (
    AccountInfo,
    Assessment,
    CreatedSchedule,
    Pbt,
    RegistrationField,
    Schedule,
    ScheduleAccess,
    ScheduleCandidate,
    ScheduleWindow,
    Section,
    Skill,
    WebProctoring,
    WhiteLabelInfo,
)
from ...mettl_rest.results import (
    CandidateResult,
    ProctoringDetails,
    RegistrationStatus,
    SectionMarks,
    SkillMarks,
    TestResult,
    TestStatus,
)
from ...mettl_rest.webhooks import TestFinished, TestGraded, TestStarted
from ..shapes import Shape

#: Settings Edit Assessment Settings (and Create Assessment) take that the model does not
#: declare: the sandbox shows them on the assessment once set, as it keeps ``instructions``.
ASSESSMENT_SETTINGS = ("allowCopyPaste", "exitRedirectionURL", "showReportToCandidate", "onScreenCalculator")
#: The objects in the graded webhook's ``sectional_scores`` (a JSON string), as production sends
#: them: no model reads inside that string (the event keeps the decoded list as sent).
SECTIONAL_SCORE = ("sectionName", "marksScored", "maxMarks")

WHITE_LABEL = Shape(WhiteLabelInfo)
REGISTRATION_FIELD = Shape(RegistrationField)
ACCOUNT = Shape(AccountInfo)
# The sandbox's library of pre-built tests has no descriptions.
PBT = Shape(Pbt, unsent=("description",))
SKILL = Shape(Skill)
SECTION = Shape(Section)
ASSESSMENT = Shape(Assessment, extras=ASSESSMENT_SETTINGS)
SCHEDULE_CANDIDATE = Shape(ScheduleCandidate)
SCHEDULE_ACCESS = Shape(ScheduleAccess)
SCHEDULE_WINDOW = Shape(ScheduleWindow)
WEB_PROCTORING = Shape(WebProctoring)
SCHEDULE = Shape(Schedule)
CREATED_SCHEDULE = Shape(CreatedSchedule)
# The sandbox draws marks per skill, not per question: it counts no questions or answers.
SKILL_MARKS = Shape(SkillMarks, unsent=("questions", "correct"))
SECTION_MARKS = Shape(SectionMarks)
TEST_RESULT = Shape(TestResult, unsent=("total_correct_answers", "total_unanswered"))
TEST_STATUS = Shape(TestStatus)
PROCTORING = Shape(ProctoringDetails)
# A candidate's context data shows in the sandbox's webhooks, not in its results.
CANDIDATE_RESULT = Shape(CandidateResult, unsent=("context_data",))
REGISTRATION_STATUS = Shape(RegistrationStatus)
TEST_STARTED = Shape(TestStarted)
TEST_FINISHED = Shape(TestFinished)
TEST_GRADED = Shape(TestGraded)
