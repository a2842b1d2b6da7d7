"""The ProctorExam lists that can be harvested, and how each becomes rows.

Every list pages by page number with the total in ``X-Pagination-Item-Count``,
so each page carries ``Page.total`` (the harvest progress shows it, and an ETA).
Settings are named ``proctorexam_*`` (options ``--proctorexam-…``) so that they
never share an option with another platform's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.account import ACCOUNT
from ..core.paginator import Paginator
from ..core.settings import Setting
from ..harvest.columns import layout
from ..harvest.kinds import Filter, HarvestKind
from .config import ENV_API_TOKEN, ENV_BASE_URL, ENV_SECRET_KEY
from .models import EXAM_STATUSES, Exam, Institute, StudentSession

if TYPE_CHECKING:
    from .client import ProctorExamClient

#: What a client of this platform needs, as options and environment variables.
SETTINGS = (
    ACCOUNT,
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
        required=True,
    ),
    Setting(
        "proctorexam_secret_key",
        "--proctorexam-secret-key",
        ENV_SECRET_KEY,
        "ProctorExam secret key (prefer the environment variable: options show in process lists).",
        secret=True,
        argument="secret_key",
        required=True,
    ),
)

EXAM = Filter("exam", "proctorexam-sessions: the sessions of one exam.", int)
EXAM_STATUS = Filter("exam_status", "proctorexam-exams: by status.", EXAM_STATUSES)


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
    HarvestKind.declared(
        layout(Institute, label="institute"),
        name="proctorexam-institutes",
        table="proctorexam_institutes",
        key=("id",),
        open=_open_institutes,
        default_page_size=300,
        help="ProctorExam institutes (Premium superusers)",
    ),
    HarvestKind.declared(
        layout(Exam, label="exam"),
        name="proctorexam-exams",
        table="proctorexam_exams",
        key=("id",),
        open=_open_exams,
        filters=(EXAM_STATUS,),
        default_page_size=300,
        help="ProctorExam exams (--exam-status draft|open|closed|deleted)",
    ),
    HarvestKind.declared(
        layout(StudentSession, label="session"),
        name="proctorexam-sessions",
        table="proctorexam_sessions",
        key=("id",),
        open=_open_sessions,
        filters=(EXAM,),
        default_page_size=300,
        help="ProctorExam student sessions (all, or --exam ID)",
    ),
)
