"""The CertiCHECK v2 endpoints (sections 2 to 6 of the document), one thin service per group.

Safe to repeat (retried after a failure that may have reached the server):
every GET except deleteSlotWindow, POST accountSettings (it sets absolute
values) and POST loginApplicant (each call only mints a fresh SSO link). Every
other POST is sent again only when the server provably did not act on it (no
connection, 429, E504, reused signature).
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import attrs

from ..core.checks import check_count, check_email, check_id, check_instance, check_line, check_one_of
from ..core.errors import BatchError, InputError, MalformedResponseError
from ..core.options import ClientOptions
from ..core.paginator import ListEndpoint, NaturalKey, Paginator
from ..core.paging_styles import NextLinkPaging, OffsetPaging, PagePosition, records_at
from ..core.records import compact_json, parse, parser, to_wire
from ..core.request import Request, encode_path_segment
from ..core.responses import Response
from ..core.service import Service
from ..core.session import Session
from .models import (
    MAX_APPLICANTS_PER_CALL,
    TEST_STATUSES,
    AccountInfo,
    AccountSettings,
    ApplicantRegistration,
    ApplicantResult,
    EnrolledApplicant,
    RegisteredApplicant,
    SlotCandidate,
    SlotDetails,
    SlotWindow,
    Test,
    TestAllocation,
    Timezone,
)
from .reading import SubdomainReading
from .slots import (
    SlotWindowSpec,
)

X = TypeVar("X")

#: Limit/offset lists: 1 to 500 per page, 20 by default (section 6.1, 4.4).
OFFSET = OffsetPaging(default_limit=20, max_limit=500)
#: Lists paged by a link in the response; a page size is sent only when asked for.
RESULTS_PAGING = NextLinkPaging("paging.next", max_limit=500)

TESTS = ListEndpoint("/tests", "tests", parser(Test), OFFSET, key=NaturalKey(("testId", "status")))
SLOT_WINDOWS = ListEndpoint(
    "/getAllSlotWindows",
    "slotWindows",
    parser(SlotWindow),
    NextLinkPaging("nextUrl", max_limit=500),
    key=NaturalKey(("slotWindowId",)),
)
SLOT_CANDIDATES = ListEndpoint(
    "/getSlotDetails", "slotDetails.candidateDetailsList", parser(SlotCandidate), OFFSET
)
ENROLLED = ListEndpoint(
    "/getAllCandidateEnrolledInSlotWindow",
    "slotWindowSummary",
    parser(EnrolledApplicant),
    OFFSET,
    end_code="E022",
    key=NaturalKey(("email", "slotId", "assessmentId")),
)
#: One entry per applicant (all, or of one assessment): the e-mail names a record.
RESULTS = ListEndpoint(
    "/getAllApplicantResults",
    "applicants",
    parser(ApplicantResult),
    RESULTS_PAGING,
    key=NaturalKey(("email",), lambda email: email.lower() if isinstance(email, str) else None),
)
#: One applicant's entries, one per assessment (4.7): the e-mail repeats, so compared by content.
APPLICANT_RESULTS = attrs.evolve(RESULTS, key=None)


def batches(items: Iterable[X], size: int = MAX_APPLICANTS_PER_CALL) -> list[list[X]]:
    """``items`` cut into lists of at most ``size`` (20 by default: the per-call maximum)."""
    if not 1 <= size <= MAX_APPLICANTS_PER_CALL:
        raise InputError("size", f"must be from 1 to {MAX_APPLICANTS_PER_CALL}, got {size!r}")
    pending = list(items)
    return [pending[i : i + size] for i in range(0, len(pending), size)]


def _check_batch(name: str, items: Sequence[Any], kind: type) -> list[str]:
    """Up to 20 ``kind`` values with distinct e-mail addresses; their addresses."""
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise InputError(name, f"must be a list of {kind.__name__}, got {type(items).__name__}")
    for i, item in enumerate(items):
        check_instance(f"{name}[{i}]", item, kind)
    emails: list[str] = [item.email for item in items]
    if not emails:
        raise InputError(name, "at least one applicant is required")
    if len(emails) > MAX_APPLICANTS_PER_CALL:
        raise InputError(
            name, f"at most {MAX_APPLICANTS_PER_CALL} applicants per call, got {len(emails)} (use batches())"
        )
    seen: set[str] = set()
    for email in emails:
        folded = email.strip().lower()
        if folded in seen:
            raise InputError(name, f"{email!r} appears twice (the server answers E603)")
        seen.add(folded)
    return emails


class CertiCheckService(Service):
    """A CertiCHECK service: every call goes through the client's reading of what is signed
    (``subdomain`` or not: :mod:`~mettl_async.certicheck.reading`)."""

    def __init__(
        self, session: Session, options: ClientOptions | None = None, *, reading: SubdomainReading
    ) -> None:
        super().__init__(session, options)
        self._reading = reading

    async def _send(self, request: Request) -> Response:
        return await self._reading.call(functools.partial(super()._send, request))


class TimezonesService(CertiCheckService):
    """Section 2: time zones."""

    async def list(self) -> builtins.list[Timezone]:
        """Every time zone the account may use (getAllTimezones)."""
        payload = await self._get("/getAllTimezones")
        # The document does not show this response; take its one list, whatever its key.
        lists = [v for k, v in payload.items() if isinstance(v, list)]
        if len(lists) != 1:
            raise MalformedResponseError("getAllTimezones: expected exactly one list in the response")
        return [parse(Timezone, item) for item in lists[0]]

    async def set_account_timezone(self, tzid: str) -> None:
        """Set the account's time zone, e.g. ``"Asia/Kolkata"`` (setAdminTimeZone). Once only:
        a second call raises :class:`~mettl_async.core.errors.ConflictError` (E104)."""
        check_line("tzid", tzid)
        await self._post("/setAdminTimeZone", {"data": compact_json({"tzid": tzid}, "data")})


class AccountService(CertiCheckService):
    """Section 3: account settings."""

    async def get(self) -> AccountInfo:
        """The account and its applicant registration fields (GET accountSettings)."""
        payload = await self._get("/accountSettings")
        return parse(AccountInfo, payload.get("accountInfo") or {})

    async def update(self, settings: AccountSettings) -> None:
        """Change the settings given; sections left ``None`` are not sent (POST accountSettings)."""
        check_instance("settings", settings, AccountSettings)
        body = to_wire(settings)
        if not body:
            raise InputError("settings", "at least one section must be set")
        await self._post("/accountSettings", {"as": compact_json(body, "as")}, safe=True)


class ApplicantsService(CertiCheckService):
    """Section 4.1 to 4.4: registration, test allocation, direct login, slot enrolment."""

    async def register(
        self,
        applicants: Sequence[ApplicantRegistration],
        *,
        send_email: bool | None = None,
        admin_verified: bool | None = None,
    ) -> list[RegisteredApplicant]:
        """Register up to 20 applicants (registerApplicant).

        ``send_email`` (server default true) sends the activation e-mail;
        ``admin_verified`` (server default false) enables direct login (SSO).
        """
        _check_batch("applicants", applicants, ApplicantRegistration)
        for name, flag in (("send_email", send_email), ("admin_verified", admin_verified)):
            if flag is not None and not isinstance(flag, bool):
                raise InputError(name, f"must be true, false or None, got {flag!r}")
        rd: dict[str, Any] = {"registrationDetails": [a.registration_details() for a in applicants]}
        optional = [{"email": a.email, "context_data": a.context_data} for a in applicants if a.context_data]
        if optional:
            rd["optionalParams"] = optional
        if send_email is not None:
            rd["sendEmail"] = send_email
        if admin_verified is not None:
            rd["isAdminVerified"] = admin_verified
        payload = await self._post("/registerApplicant", {"rd": compact_json(rd, "rd")})
        return [parse(RegisteredApplicant, r) for r in records_at(payload, "applicants", "registerApplicant")]

    async def register_many(
        self,
        applicants: Iterable[ApplicantRegistration],
        *,
        send_email: bool | None = None,
        admin_verified: bool | None = None,
    ) -> list[RegisteredApplicant]:
        """Register any number of applicants, 20 per call, one call after the other.

        On a failure raises :class:`~mettl_async.core.errors.BatchError` whose
        ``completed`` holds the results so far and ``remaining`` the applicants
        of the failed batch and after (the failed batch may have been applied).
        """
        groups = batches(applicants)
        done: list[RegisteredApplicant] = []
        for index, group in enumerate(groups):
            try:
                done += await self.register(group, send_email=send_email, admin_verified=admin_verified)
            except Exception as error:
                left = [a for g in groups[index:] for a in g]
                raise BatchError(
                    f"registration stopped at batch {index + 1} of {len(groups)}: {error}; "
                    f"{len(done)} applicants registered, {len(left)} not (or not confirmed)",
                    completed=done,
                    remaining=left,
                ) from error
        return done

    async def change_tests(self, allocations: Sequence[TestAllocation]) -> None:
        """Add and remove tests for up to 20 applicants (POST applicants/certificate)."""
        _check_batch("allocations", allocations, TestAllocation)
        for i, allocation in enumerate(allocations):
            if not allocation.add and not allocation.remove:
                raise InputError(f"allocations[{i}]", "names no test to add or remove")
        atd = {
            "applicants": [
                {
                    "email": a.email,
                    "tests": {
                        "add": [{"testId": t.test_id, "testName": t.test_name} for t in a.add],
                        "remove": [{"testId": t.test_id, "testName": t.test_name} for t in a.remove],
                    },
                }
                for a in allocations
            ]
        }
        await self._post("/applicants/certificate", {"atd": compact_json(atd, "atd")})

    async def login_url(self, email: str) -> str:
        """A single-sign-on URL for an admin-verified applicant (loginApplicant)."""
        return str(
            await self._post("/loginApplicant", {"email": check_email("email", email)}, safe=True, text=True)
        )

    def enrolled(
        self, slot_window_id: int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[EnrolledApplicant]:
        """Applicants enrolled in a slot window (getAllCandidateEnrolledInSlotWindow).

        An empty or unknown window raises :class:`~mettl_async.core.errors.NotFoundError` (E022);
        past the last page E022 just ends the list.
        """
        params = {"sid": check_id("slot_window_id", slot_window_id)}
        return self._paginate(ENROLLED, params, page_size=page_size, max_items=max_items)


class ResultsService(CertiCheckService):
    """Sections 4.5 to 4.8: applicants with their certificates and scores."""

    def all(
        self, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[ApplicantResult]:
        """Every applicant in every assessment (getAllApplicantResults)."""
        return self._paginate(RESULTS, page_size=page_size, max_items=max_items)

    def of_assessment(
        self, assessment_id: int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[ApplicantResult]:
        """Every applicant of one assessment (getAllApplicantResultsOfCertificate/{id})."""
        path = f"/getAllApplicantResultsOfCertificate/{check_id('assessment_id', assessment_id)}"
        return self._paginate(attrs.evolve(RESULTS, path=path), page_size=page_size, max_items=max_items)

    def of_applicant(
        self, email: str, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[ApplicantResult]:
        """One applicant across assessments (getApplicantResults/{email})."""
        path = f"/getApplicantResults/{encode_path_segment(check_email('email', email))}"
        return self._paginate(
            attrs.evolve(APPLICANT_RESULTS, path=path), page_size=page_size, max_items=max_items
        )

    async def of_applicant_in_assessment(self, assessment_id: int, email: str) -> list[ApplicantResult]:
        """One applicant in one assessment (getApplicantResultsOfAssessment/{id}/{email})."""
        path = (
            f"/getApplicantResultsOfAssessment/{check_id('assessment_id', assessment_id)}"
            f"/{encode_path_segment(check_email('email', email))}"
        )
        payload = await self._get(path)
        return [parse(ApplicantResult, r) for r in records_at(payload, "applicants", path)]


class SlotsService(CertiCheckService):
    """Section 5: slot windows, slots and bookings."""

    async def create(self, window: SlotWindowSpec) -> None:
        """Create a slot window (createSlot). Needs the account time zone set (E019)."""
        check_instance("window", window, SlotWindowSpec)
        await self._post("/createSlot", {"cr": compact_json(window.to_wire(), "cr")})

    def windows(self, *, page_size: int | None = None, max_items: int | None = None) -> Paginator[SlotWindow]:
        """Slot windows from now on, deactivated ones last (getAllSlotWindows). The server
        may send fewer per page than asked (the document says 10); ``nextUrl`` leads on."""
        return self._paginate(SLOT_WINDOWS, page_size=page_size, max_items=max_items)

    async def details(self, slot_id: int, *, limit: int | None = None, offset: int = 0) -> SlotDetails:
        """One slot with one page of its booked candidates (getSlotDetails); see
        :meth:`candidates` for all of them."""
        position = PagePosition(
            offset=check_count("offset", offset, low=0), limit=OFFSET.check_page_size(limit)
        )
        payload = await self._get(
            "/getSlotDetails", {"sid": check_id("slot_id", slot_id)} | OFFSET.params(position)
        )
        return parse(SlotDetails, payload.get("slotDetails") or {})

    def candidates(
        self, slot_id: int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[SlotCandidate]:
        """Every candidate booked in a slot, page by page (getSlotDetails)."""
        params = {"sid": check_id("slot_id", slot_id)}
        return self._paginate(SLOT_CANDIDATES, params, page_size=page_size, max_items=max_items)

    async def book(self, applicant_email: str, slot_id: int, timezone_id: int, assessment_id: int) -> None:
        """Book a slot for an applicant who has paid (bookSlotsForApplicants).

        The document prints the time zone key as ``timeZoneld``, a rendering of
        ``timeZoneId``; the latter is sent.
        """
        sga = {
            "applicantEmail": check_email("applicant_email", applicant_email),
            "timeZoneId": int(check_id("timezone_id", timezone_id)),
            "slotId": int(check_id("slot_id", slot_id)),
            "certificateAssessmentId": int(check_id("assessment_id", assessment_id)),
        }
        await self._post("/bookSlotsForApplicants", {"sga": compact_json(sga, "sga")})

    async def release(self, applicant_email: str, assessment_id: int) -> None:
        """Release an applicant's booked slot (releaseSlot)."""
        data = {
            "applicantEmailId": check_email("applicant_email", applicant_email),
            "assessmentId": int(check_id("assessment_id", assessment_id)),
        }
        await self._post("/releaseSlot", {"data": compact_json(data, "data")})

    async def delete_window(self, slot_window_id: int) -> None:
        """Delete a slot window (deleteSlotWindow). A GET that changes state: not repeated
        after a failure that may have reached the server (a repeat would answer E039)."""
        await self._get("/deleteSlotWindow", {"swid": check_id("slot_window_id", slot_window_id)}, safe=False)


class TestsService(CertiCheckService):
    """Section 6: the tests (certifications) of the account."""

    __test__ = False

    def list(
        self, status: str = "Published", *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[Test]:
        """Tests by publishing status, ``"Published"`` (default) or ``"UnPublished"`` (tests)."""
        check_one_of("status", status, TEST_STATUSES)
        return self._paginate(TESTS, {"status": status}, page_size=page_size, max_items=max_items)


__all__ = [
    "AccountService",
    "ApplicantsService",
    "ResultsService",
    "SlotsService",
    "TestsService",
    "TimezonesService",
    "batches",
]
