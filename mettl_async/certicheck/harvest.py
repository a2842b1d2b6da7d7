"""The CertiCHECK lists that can be harvested, and how each becomes rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.account import ACCOUNT
from ..core.errors import InputError
from ..core.paginator import Paginator
from ..core.settings import Setting
from ..harvest.columns import layout
from ..harvest.kinds import (
    Filter,
    HarvestKind,
)
from ..mettlfamily.signing import KEYS
from .config import ENV_BASE_URL, ENV_SUBDOMAIN
from .models import ApplicantResult, EnrolledApplicant, SlotWindow, Test

if TYPE_CHECKING:
    from .client import CertiCheckClient

#: What a client of this platform needs, as options and environment variables.
SETTINGS = (
    ACCOUNT,
    *KEYS,
    Setting("subdomain", "--subdomain", ENV_SUBDOMAIN, "CertiCHECK account subdomain.", required=True),
    Setting(
        "base_url",
        "--base-url",
        ENV_BASE_URL,
        "CertiCHECK base URL [default: https://certification.mettl.com/api/v2].",
    ),
)

ASSESSMENT = Filter("assessment", "results: one assessment's applicants.", int)
EMAIL = Filter("email", "results: one applicant across assessments.")
STATUS = Filter("status", "tests: by status.", ("Published", "UnPublished"))
SLOT_WINDOW = Filter("slot_window", "enrolled: the slot window (required).", int)


def _open_results(
    client: CertiCheckClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    assessment, email = filters.get("assessment"), filters.get("email")
    if assessment is not None and email is not None:
        raise InputError("--assessment/--email", "give one of them, not both")
    if assessment is not None:
        return client.results.of_assessment(assessment, page_size=page_size)
    if email is not None:
        return client.results.of_applicant(email, page_size=page_size)
    return client.results.all(page_size=page_size)


def _open_tests(
    client: CertiCheckClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    return client.tests.list(filters.get("status") or "Published", page_size=page_size)


def _open_slot_windows(
    client: CertiCheckClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    return client.slots.windows(page_size=page_size)


def _open_enrolled(
    client: CertiCheckClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    if filters.get("slot_window") is None:
        raise InputError("--slot-window", "is required for the enrolled kind")
    return client.applicants.enrolled(filters["slot_window"], page_size=page_size)


KINDS = (
    HarvestKind.declared(
        layout(
            ApplicantResult,
            label="applicant",
            explode="certificates",
            element="certificate",
            index="certificate_index",
        ),
        name="results",
        table="results",
        key=("email", "certification_name", "payment_date"),
        open=_open_results,
        filters=(ASSESSMENT, EMAIL),
        default_page_size=None,
        help="applicants with their certificates (all, --assessment ID, or --email E)",
    ),
    HarvestKind.declared(
        layout(Test, label="test"),
        name="tests",
        table="tests",
        key=("test_id",),
        open=_open_tests,
        filters=(STATUS,),
        default_page_size=500,
        help="the account's tests (--status Published|UnPublished)",
    ),
    HarvestKind.declared(
        layout(SlotWindow, label="window", explode="slots", element="slot"),
        name="slot-windows",
        table="slot_windows",
        key=("slot_window_id", "slot_id"),
        open=_open_slot_windows,
        default_page_size=None,
        help="slot windows with their slots",
    ),
    HarvestKind.declared(
        layout(EnrolledApplicant, label="applicant"),
        name="enrolled",
        table="enrolled",
        key=("email", "slot_id", "assessment_id"),
        open=_open_enrolled,
        filters=(SLOT_WINDOW,),
        default_page_size=500,
        help="applicants enrolled in a slot window (--slot-window ID)",
    ),
)
