"""The ProctorExam lists that can be harvested, and how each becomes rows.

Every list pages by page number with the total in ``X-Pagination-Item-Count``,
so each page carries ``Page.total`` (the harvest progress shows it, and an ETA).
Settings are named ``proctorexam_*`` (options ``--proctorexam-…``) so that they
never share an option with another platform's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.paginator import Paginator
from ..core.settings import Setting
from ..harvest.kinds import Filter, HarvestKind, Row, extra_column, extra_keys, json_text
from .config import ENV_API_TOKEN, ENV_BASE_URL, ENV_SECRET_KEY
from .models import EXAM_STATUSES

if TYPE_CHECKING:
    from .client import ProctorExamClient

#: What a client of this platform needs, as options and environment variables.
SETTINGS = (
    Setting(
        "proctorexam_base_url",
        "--proctorexam-base-url",
        ENV_BASE_URL,
        "ProctorExam API base URL, e.g. https://acme.proctorexam.com/api/v3.",
        argument="base_url",
    ),
    Setting(
        "proctorexam_tenant",
        "--proctorexam-tenant",
        None,
        "ProctorExam tenant (acme for acme.proctorexam.com), instead of the base URL.",
        argument="tenant",
    ),
    Setting(
        "proctorexam_api_token",
        "--proctorexam-api-token",
        ENV_API_TOKEN,
        "ProctorExam API token.",
        secret=True,
        argument="api_token",
    ),
    Setting(
        "proctorexam_secret_key",
        "--proctorexam-secret-key",
        ENV_SECRET_KEY,
        "ProctorExam secret key (prefer the environment variable: options show in process lists).",
        secret=True,
        argument="secret_key",
    ),
)

EXAM = Filter("exam", "proctorexam-sessions: the sessions of one exam.", int)
EXAM_STATUS = Filter("exam_status", "proctorexam-exams: by status.", EXAM_STATUSES)


def _flat(record: Mapping[str, Any], columns: tuple[str, ...], label: str) -> Row:
    """One row: the named columns as sent (lists and objects as JSON text), the rest in ``extra``."""
    row: Row = {}
    for column in columns:
        value = record.get(column)
        row[column] = json_text(value) if isinstance(value, Mapping | list) else value
    row["extra"] = extra_column({label: extra_keys(record, frozenset(columns))})
    return row


INSTITUTE_COLUMNS = (
    "id",
    "name",
    "short_name",
    "created_at",
    "updated_at",
    "callback_url",
    "default_language",
    "default_exam_languages",
    "global_proctor",
    "global_reviewer",
    "token_value",
    "check_requirements_emails_enabled",
    "reminder_emails_enabled",
    "exam_link_emails_enabled",
    "exam_changed_emails_enabled",
    "exam_finalized_emails_enabled",
    "student_experience",
    "logo_image",
)
EXAM_COLUMNS = (
    "id",
    "institute_id",
    "user_id",
    "name",
    "status",
    "mode",
    "published",
    "start_time",
    "end_time",
    "duration_minutes",
    "use_duration",
    "for_reviewing",
    "upload_answers",
    "global_proctoring",
    "global_reviewing",
    "web_cam",
    "mobile_cam",
    "screen_share",
    "live_proctoring",
    "exam_language",
    "timezone",
    "restrictions",
    "created_at",
    "updated_at",
)
SESSION_COLUMNS = (
    "id",
    "exam_id",
    "name",
    "email",
    "status",
    "external_id",
    "proctor_id",
    "pre_assigned_proctor_id",
    "time_slot",
    "open_time",
    "start_time",
    "end_time",
    "reservation_time",
    "entered_room",
    "reviewed",
    "attempt",
    "archived",
    "individual_info",
    "operating_system",
    "browser",
    "browser_version",
    "created_at",
    "updated_at",
)


def rows_of_institute(record: Mapping[str, Any]) -> list[Row]:
    return [_flat(record, INSTITUTE_COLUMNS, "institute")]


def rows_of_exam(record: Mapping[str, Any]) -> list[Row]:
    return [_flat(record, EXAM_COLUMNS, "exam")]


def rows_of_session(record: Mapping[str, Any]) -> list[Row]:
    return [_flat(record, SESSION_COLUMNS, "session")]


def _open_institutes(
    client: ProctorExamClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    return client.institutes.list(page_size=page_size)


def _open_exams(
    client: ProctorExamClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    return client.exams.list(status=filters.get("exam_status"), page_size=page_size)


def _open_sessions(
    client: ProctorExamClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    if filters.get("exam") is not None:
        return client.student_sessions.of_exam(filters["exam"], page_size=page_size)
    return client.student_sessions.all(page_size=page_size)


KINDS = (
    HarvestKind(
        name="proctorexam-institutes",
        table="proctorexam_institutes",
        columns=(*INSTITUTE_COLUMNS, "extra"),
        key=("id",),
        flatten=rows_of_institute,
        open=_open_institutes,
        default_page_size=300,
        help="ProctorExam institutes (Premium superusers)",
    ),
    HarvestKind(
        name="proctorexam-exams",
        table="proctorexam_exams",
        columns=(*EXAM_COLUMNS, "extra"),
        key=("id",),
        flatten=rows_of_exam,
        open=_open_exams,
        filters=(EXAM_STATUS,),
        default_page_size=300,
        help="ProctorExam exams (--exam-status draft|open|closed|deleted)",
    ),
    HarvestKind(
        name="proctorexam-sessions",
        table="proctorexam_sessions",
        columns=(*SESSION_COLUMNS, "extra"),
        key=("id",),
        flatten=rows_of_session,
        open=_open_sessions,
        filters=(EXAM,),
        default_page_size=300,
        help="ProctorExam student sessions (all, or --exam ID)",
    ),
)
