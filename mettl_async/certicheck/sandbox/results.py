"""CertiCHECK sandbox, sections 4.4 to 4.8: enrolled applicants and results, paged as
the document shows (``paging.next`` links, E022 past the last page)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from ...sandbox.core import PARAMS, SandboxError
from .params import number, page_params

if TYPE_CHECKING:
    from .server import CertiCheckSandbox

T = TypeVar("T")


async def get_enrolled(sandbox: CertiCheckSandbox, request: web.Request) -> Any:
    window_id = number(
        request[PARAMS].get("sid"), "E036", "Slot window Id cannot be null or have alphabet values"
    )
    limit, offset = page_params(request)
    window = sandbox.world.windows.get(window_id)
    slot_ids = {s.slot_id for s in window.slots} if window else set()
    rows = [b for b in sandbox.world.bookings if b.slot_id in slot_ids]
    page = rows[offset : offset + limit]
    if not page:
        raise SandboxError(
            "E022",
            "No candidate enrolled in the slot window (OR) Provided slot window Id does not exist "
            "for your account",
        )
    return {"slotWindowSummary": [sandbox.world.enrolled_record(b) for b in page], "status": "SUCCESS"}


def results_page(
    sandbox: CertiCheckSandbox, request: web.Request, rows: Sequence[T], render: Callable[[T], Any]
) -> Any:
    """One page of ``rows``, rendered (only the page: a harvest walks thousands of pages)."""
    limit, offset = page_params(request, sandbox.config.results_page_size)
    page = [render(row) for row in rows[offset : offset + limit]]
    base = f"{request.scheme}://{request.host}{request.raw_path.partition('?')[0]}"
    following = f"{base}?limit={limit}&offset={offset + limit}" if offset + limit < len(rows) else None
    before = f"{base}?limit={limit}&offset={max(0, offset - limit)}" if offset > 0 else None
    return {"applicants": page, "paging": {"previous": before, "next": following}, "status": "SUCCESS"}


async def get_all_results(sandbox: CertiCheckSandbox, request: web.Request) -> Any:
    return results_page(
        sandbox, request, list(sandbox.world.applicants.values()), sandbox.world.result_record
    )


async def get_result_in_assessment(sandbox: CertiCheckSandbox, request: web.Request) -> Any:
    assessment_id = sandbox.assessment(request.match_info["assessment_id"])
    applicant = sandbox.applicant(request.match_info["email"])
    # The document's sample of this response has no "status" key.
    return {"applicants": [sandbox.world.result_record(applicant, assessment_id)], "applicationStatus": None}


async def get_results_of_assessment(sandbox: CertiCheckSandbox, request: web.Request) -> Any:
    assessment_id = sandbox.assessment(request.match_info["assessment_id"])
    rows = [
        a
        for a in sandbox.world.applicants.values()
        if any(c.assessment_id == assessment_id for c in a.certificates)
    ]
    return results_page(sandbox, request, rows, lambda a: sandbox.world.result_record(a, assessment_id))


async def get_results_of_applicant(sandbox: CertiCheckSandbox, request: web.Request) -> Any:
    applicant = sandbox.applicant(request.match_info["email"])
    # As the document's sample: one entry per assessment the applicant is in.
    assessments: list[int | None] = [c.assessment_id for c in applicant.certificates] or [None]
    return results_page(sandbox, request, assessments, lambda a: sandbox.world.result_record(applicant, a))
