"""The Mettl REST API lists that can be harvested, and how each becomes rows.

``schedule-results`` and ``candidate-results`` land in one table,
``mettl_results``, keyed on (access key, e-mail): a candidate's result in a
schedule is one row however it arrived, pulled by either kind or pushed by the
webhooks (:mod:`.webhooks` shapes its records the same way).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.errors import InputError
from ..core.paginator import Paginator
from ..core.settings import Setting
from ..harvest.kinds import (
    Filter,
    HarvestKind,
    Row,
    as_mapping,
    extra_column,
    extra_keys,
    json_text,
)
from ..mettlfamily.signing import ENV_PRIVATE_KEY, ENV_PUBLIC_KEY
from .config import API_VERSIONS, ENV_API_BASE_URL, ENV_API_VERSION

if TYPE_CHECKING:
    from .client import MettlClient

#: What a client of this platform needs, as options and environment variables.
SETTINGS = (
    Setting("public_key", "--public-key", ENV_PUBLIC_KEY, "Mettl API public key."),
    Setting(
        "private_key",
        "--private-key",
        ENV_PRIVATE_KEY,
        "Mettl API private key (prefer the environment variable: options show in process lists).",
        secret=True,
    ),
    Setting(
        "api_base_url",
        "--api-base-url",
        ENV_API_BASE_URL,
        "Mettl REST API base URL [default: https://api.mettl.com/v2].",
        argument="base_url",
    ),
    Setting(
        "api_version",
        "--api-version",
        ENV_API_VERSION,
        "Mettl REST API version: v1 (signs with SHA-1), v2 or v3 [default: from the base URL, else v2].",
        choices=API_VERSIONS,
    ),
)

SCHEDULE = Filter("schedule", "schedule-results: the schedule's access key (required).")
EMAIL = Filter("email", "candidate-results: the candidate (required).")

# -- assessments -------------------------------------------------------------------------------

_ASSESSMENT_KEYS = frozenset(
    {"id", "name", "duration", "status", "maxMarks", "questions", "testTaken", "createdAt", "sections"}
)


def rows_of_assessment(record: Mapping[str, Any]) -> list[Row]:
    sections = record.get("sections")
    return [
        {
            "assessment_id": record.get("id"),
            "name": record.get("name"),
            "duration": record.get("duration"),
            "status": record.get("status"),
            "max_marks": record.get("maxMarks"),
            "questions": record.get("questions"),
            "test_taken": record.get("testTaken"),
            "created_at": record.get("createdAt"),
            "sections": json_text(sections),
            "extra": extra_column({"assessment": extra_keys(record, _ASSESSMENT_KEYS)}),
        }
    ]


# -- schedules ---------------------------------------------------------------------------------

_SCHEDULE_KEYS = frozenset(
    {
        "id",
        "accessKey",
        "accessUrl",
        "name",
        "assessmentId",
        "status",
        "scheduleType",
        "scheduleWindow",
        "access",
        "sourceApp",
        "createdAt",
        "testStartNotificationUrl",
        "testFinishNotificationUrl",
        "testGradedNotificationUrl",
        "testResumeEnabledForExpiredTestURL",
    }
)


def rows_of_schedule(record: Mapping[str, Any]) -> list[Row]:
    window = as_mapping(record.get("scheduleWindow"))
    access = as_mapping(record.get("access"))
    return [
        {
            "access_key": record.get("accessKey"),
            "schedule_id": record.get("id"),
            "name": record.get("name"),
            "assessment_id": record.get("assessmentId"),
            "status": record.get("status"),
            "schedule_type": record.get("scheduleType"),
            "access_type": access.get("type"),
            "open_time": window.get("openTime"),
            "close_time": window.get("closeTime"),
            "time_zone": window.get("timeZone"),
            "access_url": record.get("accessUrl"),
            "source_app": record.get("sourceApp"),
            "created_at": record.get("createdAt"),
            "test_start_notification_url": record.get("testStartNotificationUrl"),
            "test_finish_notification_url": record.get("testFinishNotificationUrl"),
            "test_graded_notification_url": record.get("testGradedNotificationUrl"),
            "test_resume_enabled_for_expired_test_url": record.get("testResumeEnabledForExpiredTestURL"),
            "extra": extra_column(
                {
                    "schedule": extra_keys(record, _SCHEDULE_KEYS, objects=("access", "scheduleWindow")),
                    "access": extra_keys(access, frozenset({"type"})),
                    "scheduleWindow": extra_keys(window, frozenset({"openTime", "closeTime", "timeZone"})),
                }
            ),
        }
    ]


# -- results (pulled and pushed) ---------------------------------------------------------------

_RESULT_KEYS = frozenset(
    {
        "accessKey",
        "email",
        "name",
        "scheduleTitle",
        "assessmentId",
        "assessmentName",
        "contextData",
        "registrationDetails",
        "testStatus",
        "proctoringDetails",
    }
)
_STATUS_KEYS = frozenset(
    {
        "status",
        "overallStatus",
        "detailedStatus",
        "startTime",
        "endTime",
        "completionMode",
        "pdfReport",
        "htmlReport",
        "result",
    }
)
_MARK_KEYS = frozenset(
    {"totalMarks", "maxMarks", "percentile", "attemptTime", "candidateCredibilityIndex", "sectionMarks"}
)


def rows_of_result(record: Mapping[str, Any]) -> list[Row]:
    """One row per candidate in a schedule; section marks as JSON in one column."""
    status = as_mapping(record.get("testStatus"))
    result = as_mapping(status.get("result"))
    email = record.get("email")
    return [
        {
            "access_key": record.get("accessKey"),
            # Case-folded: Mettl matches e-mail addresses without case, so must the key.
            "email": email.strip().lower() if isinstance(email, str) else email,
            "name": record.get("name"),
            "schedule_title": record.get("scheduleTitle"),
            "assessment_id": record.get("assessmentId"),
            "assessment_name": record.get("assessmentName"),
            "status": status.get("status"),
            "overall_status": status.get("overallStatus"),
            "detailed_status": status.get("detailedStatus"),
            "start_time": status.get("startTime"),
            "end_time": status.get("endTime"),
            "completion_mode": status.get("completionMode"),
            "total_marks": result.get("totalMarks"),
            "max_marks": result.get("maxMarks"),
            "percentile": result.get("percentile"),
            "attempt_time": result.get("attemptTime"),
            "candidate_credibility_index": result.get("candidateCredibilityIndex"),
            "section_marks": json_text(result.get("sectionMarks")),
            "pdf_report": status.get("pdfReport"),
            "html_report": status.get("htmlReport"),
            "context_data": record.get("contextData"),
            "registration_details": json_text(record.get("registrationDetails")),
            "proctoring_details": json_text(record.get("proctoringDetails")),
            "extra": extra_column(
                {
                    "candidate": extra_keys(record, _RESULT_KEYS, objects=("testStatus",)),
                    "testStatus": extra_keys(status, _STATUS_KEYS, objects=("result",)),
                    "result": extra_keys(result, _MARK_KEYS),
                }
            ),
        }
    ]


def _open_assessments(
    client: MettlClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    return client.assessments.list(page_size=page_size)


def _open_schedules(client: MettlClient, filters: Mapping[str, Any], page_size: int | None) -> Paginator[Any]:
    return client.schedules.all(page_size=page_size)


def _open_schedule_results(
    client: MettlClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    if not filters.get("schedule"):
        raise InputError("--schedule", "is required for schedule-results (a schedule's access key)")
    return client.candidates.results(filters["schedule"], page_size=page_size)


def _open_candidate_results(
    client: MettlClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    if not filters.get("email"):
        raise InputError("--email", "is required for candidate-results")
    if client.api_version != "v3":
        page_size = None  # v1 and v2 answer the whole list at once
    return client.candidates.of_candidate(filters["email"], page_size=page_size)


_RESULT_COLUMNS = tuple(rows_of_result({})[0])
#: The kind webhooks land in: the same table and key as a schedule's harvest.
SCHEDULE_RESULTS = HarvestKind(
    name="schedule-results",
    table="mettl_results",
    columns=_RESULT_COLUMNS,
    key=("access_key", "email"),
    flatten=rows_of_result,
    open=_open_schedule_results,
    filters=(SCHEDULE,),
    default_page_size=100,
    help="every candidate of a schedule with status and result (--schedule KEY)",
)

KINDS = (
    HarvestKind(
        name="assessments",
        table="mettl_assessments",
        columns=tuple(rows_of_assessment({})[0]),
        key=("assessment_id",),
        flatten=rows_of_assessment,
        open=_open_assessments,
        default_page_size=100,
        help="the account's assessments",
    ),
    HarvestKind(
        name="schedules",
        table="mettl_schedules",
        columns=tuple(rows_of_schedule({})[0]),
        key=("access_key",),
        flatten=rows_of_schedule,
        open=_open_schedules,
        default_page_size=100,
        help="every schedule (test link) of the account",
    ),
    SCHEDULE_RESULTS,
    HarvestKind(
        name="candidate-results",
        table="mettl_results",
        columns=_RESULT_COLUMNS,
        key=("access_key", "email"),
        flatten=rows_of_result,
        open=_open_candidate_results,
        filters=(EMAIL,),
        default_page_size=100,
        help="one candidate's results in every schedule (--email E; paged in v3 only)",
    ),
)
