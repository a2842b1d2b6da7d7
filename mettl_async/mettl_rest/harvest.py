"""The Mettl REST API lists that can be harvested, and how each becomes rows.

``schedule-results`` and ``candidate-results`` land in one table,
``mettl_results``, keyed on (access key, e-mail): a candidate's result in a
schedule is one row however it arrived, pulled by either kind or pushed by the
webhooks (:mod:`.webhooks` shapes its records the same way).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

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
from .config import API_VERSIONS, ENV_API_BASE_URL, ENV_API_VERSION
from .models import Assessment, Schedule
from .results import CandidateResult

if TYPE_CHECKING:
    from .client import MettlClient

#: What a client of this platform needs, as options and environment variables.
SETTINGS = (
    ACCOUNT,
    *KEYS,
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


#: The kind webhooks land in: the same table and key as a schedule's harvest.
SCHEDULE_RESULTS = HarvestKind.declared(
    layout(CandidateResult, label="candidate"),
    name="schedule-results",
    table="mettl_results",
    key=("access_key", "email"),
    open=_open_schedule_results,
    filters=(SCHEDULE,),
    default_page_size=100,
    help="every candidate of a schedule with status and result (--schedule KEY)",
)

KINDS = (
    HarvestKind.declared(
        layout(Assessment, label="assessment"),
        name="assessments",
        table="mettl_assessments",
        key=("assessment_id",),
        open=_open_assessments,
        default_page_size=100,
        help="the account's assessments",
    ),
    HarvestKind.declared(
        layout(Schedule, label="schedule"),
        name="schedules",
        table="mettl_schedules",
        key=("access_key",),
        open=_open_schedules,
        default_page_size=100,
        help="every schedule (test link) of the account",
    ),
    SCHEDULE_RESULTS,
    attrs.evolve(
        SCHEDULE_RESULTS,
        name="candidate-results",
        open=_open_candidate_results,
        filters=(EMAIL,),
        help="one candidate's results in every schedule (--email E; paged in v3 only)",
    ),
)
