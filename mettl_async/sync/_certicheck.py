"""The synchronous CertiCheckClient and its services (generated: do not edit).

Written by ``python -m mettl_async.sync.generate`` from :mod:`mettl_async.certicheck.client` and
the services it binds; regenerate after changing them (a test checks this file is current).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence

from ..certicheck import client as _client
from ..certicheck import services as _services
from ..certicheck.models import (
    AccountInfo,
    AccountSettings,
    ApplicantRegistration,
    ApplicantResult,
    EnrolledApplicant,
    RegisteredApplicant,
    SlotCandidate,
    SlotDetails,
    SlotWindow,
    SlotWindowSpec,
    Test,
    TestAllocation,
    Timezone,
)
from ..core.options import ClientOptions
from .base import SyncClient, SyncService
from .paginator import Paginator


class TimezonesService(SyncService[_services.TimezonesService]):
    """Section 2: time zones.

    The synchronous twin of :class:`mettl_async.certicheck.services.TimezonesService`:
    each call blocks until its answer.
    """

    def list(self) -> builtins.list[Timezone]:
        """Every time zone the account may use (getAllTimezones)."""
        return self._portal.run(self._aio.list)

    def set_account_timezone(self, tzid: str) -> None:
        """Set the account's time zone, e.g. ``"Asia/Kolkata"`` (setAdminTimeZone). Once only:
        a second call raises :class:`~mettl_async.core.errors.ConflictError` (E104)."""
        self._portal.run(self._aio.set_account_timezone, tzid)


class AccountService(SyncService[_services.AccountService]):
    """Section 3: account settings.

    The synchronous twin of :class:`mettl_async.certicheck.services.AccountService`:
    each call blocks until its answer.
    """

    def get(self) -> AccountInfo:
        """The account and its applicant registration fields (GET accountSettings)."""
        return self._portal.run(self._aio.get)

    def update(self, settings: AccountSettings) -> None:
        """Change the settings given; sections left ``None`` are not sent (POST accountSettings)."""
        self._portal.run(self._aio.update, settings)


class ApplicantsService(SyncService[_services.ApplicantsService]):
    """Section 4.1 to 4.4: registration, test allocation, direct login, slot enrolment.

    The synchronous twin of :class:`mettl_async.certicheck.services.ApplicantsService`:
    each call blocks until its answer.
    """

    def register(
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
        return self._portal.run(
            self._aio.register,
            applicants,
            send_email=send_email,
            admin_verified=admin_verified,
        )

    def register_many(
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
        return self._portal.run(
            self._aio.register_many,
            applicants,
            send_email=send_email,
            admin_verified=admin_verified,
        )

    def change_tests(self, allocations: Sequence[TestAllocation]) -> None:
        """Add and remove tests for up to 20 applicants (POST applicants/certificate)."""
        self._portal.run(self._aio.change_tests, allocations)

    def login_url(self, email: str) -> str:
        """A single-sign-on URL for an admin-verified applicant (loginApplicant)."""
        return self._portal.run(self._aio.login_url, email)

    def enrolled(
        self,
        slot_window_id: int,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[EnrolledApplicant]:
        """Applicants enrolled in a slot window (getAllCandidateEnrolledInSlotWindow).

        An empty or unknown window raises :class:`~mettl_async.core.errors.NotFoundError` (E022);
        past the last page E022 just ends the list.
        """
        return self._paginate(self._aio.enrolled, slot_window_id, page_size=page_size, max_items=max_items)


class ResultsService(SyncService[_services.ResultsService]):
    """Sections 4.5 to 4.8: applicants with their certificates and scores.

    The synchronous twin of :class:`mettl_async.certicheck.services.ResultsService`:
    each call blocks until its answer.
    """

    def all(
        self,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[ApplicantResult]:
        """Every applicant in every assessment (getAllApplicantResults)."""
        return self._paginate(self._aio.all, page_size=page_size, max_items=max_items)

    def of_assessment(
        self,
        assessment_id: int,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[ApplicantResult]:
        """Every applicant of one assessment (getAllApplicantResultsOfCertificate/{id})."""
        return self._paginate(
            self._aio.of_assessment,
            assessment_id,
            page_size=page_size,
            max_items=max_items,
        )

    def of_applicant(
        self,
        email: str,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[ApplicantResult]:
        """One applicant across assessments (getApplicantResults/{email})."""
        return self._paginate(self._aio.of_applicant, email, page_size=page_size, max_items=max_items)

    def of_applicant_in_assessment(self, assessment_id: int, email: str) -> list[ApplicantResult]:
        """One applicant in one assessment (getApplicantResultsOfAssessment/{id}/{email})."""
        return self._portal.run(self._aio.of_applicant_in_assessment, assessment_id, email)


class SlotsService(SyncService[_services.SlotsService]):
    """Section 5: slot windows, slots and bookings.

    The synchronous twin of :class:`mettl_async.certicheck.services.SlotsService`:
    each call blocks until its answer.
    """

    def create(self, window: SlotWindowSpec) -> None:
        """Create a slot window (createSlot). Needs the account time zone set (E019)."""
        self._portal.run(self._aio.create, window)

    def windows(self, *, page_size: int | None = None, max_items: int | None = None) -> Paginator[SlotWindow]:
        """Slot windows from now on, deactivated ones last (getAllSlotWindows). The server
        may send fewer per page than asked (the document says 10); ``nextUrl`` leads on."""
        return self._paginate(self._aio.windows, page_size=page_size, max_items=max_items)

    def details(self, slot_id: int, *, limit: int | None = None, offset: int = 0) -> SlotDetails:
        """One slot with one page of its booked candidates (getSlotDetails); see
        :meth:`candidates` for all of them."""
        return self._portal.run(self._aio.details, slot_id, limit=limit, offset=offset)

    def candidates(
        self,
        slot_id: int,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[SlotCandidate]:
        """Every candidate booked in a slot, page by page (getSlotDetails)."""
        return self._paginate(self._aio.candidates, slot_id, page_size=page_size, max_items=max_items)

    def book(self, applicant_email: str, slot_id: int, timezone_id: int, assessment_id: int) -> None:
        """Book a slot for an applicant who has paid (bookSlotsForApplicants).

        The document prints the time zone key as ``timeZoneld``, a rendering of
        ``timeZoneId``; the latter is sent.
        """
        self._portal.run(self._aio.book, applicant_email, slot_id, timezone_id, assessment_id)

    def release(self, applicant_email: str, assessment_id: int) -> None:
        """Release an applicant's booked slot (releaseSlot)."""
        self._portal.run(self._aio.release, applicant_email, assessment_id)

    def delete_window(self, slot_window_id: int) -> None:
        """Delete a slot window (deleteSlotWindow). A GET that changes state: not repeated
        after a failure that may have reached the server (a repeat would answer E039)."""
        self._portal.run(self._aio.delete_window, slot_window_id)


class TestsService(SyncService[_services.TestsService]):
    """Section 6: the tests (certifications) of the account.

    The synchronous twin of :class:`mettl_async.certicheck.services.TestsService`:
    each call blocks until its answer.
    """

    def list(
        self,
        status: str = "Published",
        *,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[Test]:
        """Tests by publishing status, ``"Published"`` (default) or ``"UnPublished"`` (tests)."""
        return self._paginate(self._aio.list, status, page_size=page_size, max_items=max_items)


class CertiCheckClient(SyncClient[_client.CertiCheckClient]):
    """Synchronous client for the Mettl CertiCHECK API v2.

    The arguments of :class:`mettl_async.certicheck.client.CertiCheckClient` but ``http``
    (an aiohttp session belongs to its caller's event loop), the same services,
    models and exceptions. Calls block until the answer; lists are
    :class:`mettl_async.sync.Paginator` (``for item in ...``). The async client
    runs on an event loop in a daemon thread of this client's own: use it in a
    ``with`` block or call :meth:`close`.
    """

    def __init__(
        self,
        public_key: str | None = None,
        private_key: str | None = None,
        subdomain: str | None = None,
        *,
        base_url: str | None = None,
        options: ClientOptions | None = None,
        sign_subdomain: bool | None = None,
    ) -> None:
        aio = _client.CertiCheckClient(
            public_key,
            private_key,
            subdomain,
            base_url=base_url,
            options=options,
            sign_subdomain=sign_subdomain,
        )
        super().__init__(aio)

    def _bind(self) -> None:
        self.timezones = TimezonesService(self._portal, self._aio.timezones)
        self.account = AccountService(self._portal, self._aio.account)
        self.applicants = ApplicantsService(self._portal, self._aio.applicants)
        self.results = ResultsService(self._portal, self._aio.results)
        self.slots = SlotsService(self._portal, self._aio.slots)
        self.tests = TestsService(self._portal, self._aio.tests)

    @property
    def subdomain(self) -> str:
        """The async client's ``subdomain``."""
        return self._aio.subdomain


__all__ = [
    "AccountService",
    "ApplicantsService",
    "CertiCheckClient",
    "ResultsService",
    "SlotsService",
    "TestsService",
    "TimezonesService",
]
