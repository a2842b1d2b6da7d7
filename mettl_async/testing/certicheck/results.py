"""CertiCHECK sandbox, sections 4.4 to 4.8: enrolled applicants and results, paged as
the document shows (``paging.next`` links, E022 past the last page)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aiohttp import web

from ..kit import PARAMS, SandboxError
from .gson import GsonBody, gson_json
from .params import number, page_params
from .state import CertiCheckAccount, applicant_of, assessment_of

T = TypeVar("T")


async def get_enrolled(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    window_id = number(
        PARAMS.get().get("sid"), "E036", "Slot window Id cannot be null or have alphabet values"
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


def _paging(request: web.Request, limit: int, offset: int, total: int) -> dict[str, str | None]:
    base = f"{request.scheme}://{request.host}{request.raw_path.partition('?')[0]}"
    following = f"{base}?limit={limit}&offset={offset + limit}" if offset + limit < total else None
    before = f"{base}?limit={limit}&offset={max(0, offset - limit)}" if offset > 0 else None
    return {"previous": before, "next": following}


def results_page(
    sandbox: CertiCheckAccount, request: web.Request, rows: Sequence[T], render: Callable[[T], Any]
) -> Any:
    """One page of ``rows``, rendered (only the page: a harvest walks thousands of pages)."""
    limit, offset = page_params(request, sandbox.config.results_page_size)
    page = [render(row) for row in rows[offset : offset + limit]]
    return {"applicants": page, "paging": _paging(request, limit, offset, len(rows)), "status": "SUCCESS"}


def applicants_page(
    sandbox: CertiCheckAccount, request: web.Request, indexes: Sequence[int], only: int | None = None
) -> GsonBody:
    """One page of the applicants at ``indexes`` (their results in ``only``, or all), written
    straight to the body: the records come escaped from the world, only the paging is
    escaped here."""
    limit, offset = page_params(request, sandbox.config.results_page_size)
    drift = sandbox.world.drift
    if drift is not None:
        indexes = drift.listed(indexes, lambda i: sandbox.world.applicants.row(i).email)
    records = sandbox.world.applicants.render(indexes[offset : offset + limit], only)
    if drift is not None:
        records = drift.render(records)
    rest = gson_json({"paging": _paging(request, limit, offset, len(indexes)), "status": "SUCCESS"})
    return GsonBody(f'{{"applicants":[{",".join(records)}],'.encode() + rest[1:])


async def get_all_results(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    return applicants_page(sandbox, request, range(len(sandbox.world.applicants)))


async def get_result_in_assessment(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    assessment_id = assessment_of(sandbox.world, request.match_info["assessment_id"])
    applicant = applicant_of(sandbox.world, request.match_info["email"])
    # The document's sample of this response has no "status" key.
    return {"applicants": [sandbox.world.result_record(applicant, assessment_id)], "applicationStatus": None}


async def get_results_of_assessment(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    assessment_id = assessment_of(sandbox.world, request.match_info["assessment_id"])
    members = sandbox.world.applicants.of_assessment(assessment_id)
    return applicants_page(sandbox, request, members, assessment_id)


async def get_results_of_applicant(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    applicant = applicant_of(sandbox.world, request.match_info["email"])
    # As the document's sample: one entry per assessment the applicant is in.
    assessments: list[int | None] = [c.assessment_id for c in applicant.certificates] or [None]
    return results_page(sandbox, request, assessments, lambda a: sandbox.world.result_record(applicant, a))
