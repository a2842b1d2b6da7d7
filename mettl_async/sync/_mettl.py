"""The synchronous MettlClient and its services (generated: do not edit).

Written by ``python -m mettl_async.sync.generate`` from :mod:`mettl_async.mettl_rest.client` and
the services it binds; regenerate after changing them (a test checks this file is current).
"""

from __future__ import annotations

import builtins
import ssl as ssl_module
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import aiohttp

from ..core.ratelimit import Limiter
from ..core.responses import MAX_RESPONSE_BYTES
from ..core.retry import RetryPolicy
from ..core.uniqueness import UniquenessStore
from ..mettl_rest import candidates as _candidates
from ..mettl_rest import client as _client
from ..mettl_rest import services as _services
from ..mettl_rest.candidates import RegistrationReport
from ..mettl_rest.models import AccountInfo, Assessment, CreatedSchedule, Pbt, Schedule
from ..mettl_rest.results import CandidateResult, RegistrationStatus
from ..mettl_rest.specs import (
    MAX_CANDIDATES_PER_CALL,
    AssessmentSettings,
    AssessmentSpec,
    CandidateRegistration,
    ScheduleSpec,
    WhiteLabel,
)
from ..mettl_rest.uploads import Upload
from .base import SyncClient, SyncService
from .paginator import Paginator


class AccountService(SyncService[_services.AccountService]):
    """Account info, white label, logo and pre-built tests (PBTs).

    The synchronous twin of :class:`mettl_async.mettl_rest.services.AccountService`:
    each call blocks until its answer.
    """

    def get(self) -> AccountInfo:
        """The account, its white label, compliance settings and registration fields (GET /account)."""
        return self._portal.run(self._aio.get)

    def update_white_label(
        self,
        white_label: WhiteLabel | None = None,
        *,
        support_numbers: Sequence[str] | None = None,
        favicon: Upload | None = None,
        cover: Upload | None = None,
    ) -> str:
        """Update colours, custom test URL, support numbers (at most 2), favicon (png/ico, at most
        10 KB) and cover image (jpeg/png/gif, at most 2 MB). Returns the path that worked.

        ``wl`` is always sent (``{}`` when only images or numbers change): the page
        calls it mandatory. Images are checked on their bytes before anything is sent.
        """
        return self._portal.run(
            self._aio.update_white_label,
            white_label,
            support_numbers=support_numbers,
            favicon=favicon,
            cover=cover,
        )

    def upload_logo(self, logo: Upload) -> None:
        """Replace the account's logo (jpeg/jpg, png or gif, at most 100 KB; POST /account/upload-logo)."""
        self._portal.run(self._aio.upload_logo, logo)

    def pbts(self) -> builtins.list[Pbt]:
        """Mettl's pre-built tests the account may add (GET /pbts)."""
        return self._portal.run(self._aio.pbts)

    def add_pbts(self, pbt_ids: Sequence[int]) -> None:
        """Add pre-built tests to the account's assessments by their ids (POST /pbts)."""
        self._portal.run(self._aio.add_pbts, pbt_ids)


class AssessmentsService(SyncService[_services.AssessmentsService]):
    """The account's assessments.

    The synchronous twin of :class:`mettl_async.mettl_rest.services.AssessmentsService`:
    each call blocks until its answer.
    """

    def list(
        self,
        *,
        sort: str | None = None,
        sort_order: str | None = None,
        offset: int = 0,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[Assessment]:
        """Every assessment, ``page_size`` (1 to 100; server default 20) per request, sorted by
        ``createdAt``, ``testTaken`` or ``name``, ``asc`` or ``desc`` (GET /assessments)."""
        return self._paginate(
            self._aio.list,
            sort=sort,
            sort_order=sort_order,
            offset=offset,
            page_size=page_size,
            max_items=max_items,
        )

    def get(self, assessment_id: int) -> Assessment:
        """One assessment with its sections and registration fields (GET /assessments/{id})."""
        return self._portal.run(self._aio.get, assessment_id)

    def create(self, spec: AssessmentSpec) -> int:
        """Create an assessment; returns its ``assessmentId`` (POST /assessments)."""
        return self._portal.run(self._aio.create, spec)

    def edit_settings(self, assessment_id: int, settings: AssessmentSettings) -> None:
        """Change an assessment's settings; those left ``None`` are kept (POST /assessments/{id}/edit)."""
        self._portal.run(self._aio.edit_settings, assessment_id, settings)


class SchedulesService(SyncService[_services.SchedulesService]):
    """Schedules (test links): list, read, create, edit.

    The synchronous twin of :class:`mettl_async.mettl_rest.services.SchedulesService`:
    each call blocks until its answer.
    """

    def all(self, *, page_size: int | None = None, max_items: int | None = None) -> Paginator[Schedule]:
        """Every schedule of the account, ``page_size`` (1 to 100) per request (GET /schedules)."""
        return self._paginate(self._aio.all, page_size=page_size, max_items=max_items)

    def of_assessment(
        self,
        assessment_id: int,
        filter: Mapping[str, Any] | None = None,
    ) -> builtins.list[Schedule]:
        """The schedules of one assessment, narrowed by ``filter`` (sent as the ``filter`` JSON,
        e.g. ``{"status": "Active"}``; GET /assessments/{id}/schedules)."""
        return self._portal.run(self._aio.of_assessment, assessment_id, filter)

    def get(self, access_key: str) -> Schedule:
        """One schedule by its access key (GET /schedules/{key})."""
        return self._portal.run(self._aio.get, access_key)

    def create(self, assessment_id: int, spec: ScheduleSpec) -> CreatedSchedule:
        """Create a schedule of an assessment; the answer holds its access key and URL
        (POST /assessments/{id}/schedules)."""
        return self._portal.run(self._aio.create, assessment_id, spec)

    def edit(self, access_key: str, spec: ScheduleSpec) -> None:
        """Change the properties set in ``spec`` (POST /schedules/{key}/edit)."""
        self._portal.run(self._aio.edit, access_key, spec)


class CandidatesService(SyncService[_candidates.CandidatesService]):
    """Registering candidates in a schedule; reading and deleting their results.

    The synchronous twin of :class:`mettl_async.mettl_rest.candidates.CandidatesService`:
    each call blocks until its answer.
    """

    def register(
        self,
        access_key: str,
        candidates: Sequence[CandidateRegistration],
        *,
        send_email: bool | None = None,
    ) -> list[RegistrationStatus]:
        """Register up to 20 candidates in a schedule (POST /schedules/{key}/candidates).

        The answer says, per candidate, whether it was registered
        (``registrationStatus``); a refusal of one candidate is not an exception.
        """
        return self._portal.run(self._aio.register, access_key, candidates, send_email=send_email)

    def register_many(
        self,
        access_key: str,
        candidates: Iterable[CandidateRegistration],
        *,
        send_email: bool | None = None,
        batch_size: int = MAX_CANDIDATES_PER_CALL,
    ) -> RegistrationReport:
        """Register any number of candidates, ``batch_size`` (at most 20) per call, in order.

        Returns every candidate's outcome. If a call fails, raises
        :class:`~mettl_async.core.errors.BatchError`: ``completed`` holds the outcomes
        so far, ``remaining`` the candidates of the failed batch and after (the
        failed batch may have been applied: look them up before registering again).
        """
        return self._portal.run(
            self._aio.register_many,
            access_key,
            candidates,
            send_email=send_email,
            batch_size=batch_size,
        )

    def results(
        self,
        access_key: str,
        *,
        sort: str | None = None,
        sort_order: str | None = None,
        qr: bool | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[CandidateResult]:
        """Every candidate of a schedule with status and result (GET /schedules/{key}/candidates).

        Optional parameters (``sort`` by ``testStartTime`` or ``name``,
        ``sort_order``, ``qr``) are sent with every page, as the server's next
        links keep them. Records lacking the schedule's key get it as ``accessKey``.
        """
        return self._paginate(
            self._aio.results,
            access_key,
            sort=sort,
            sort_order=sort_order,
            qr=qr,
            page_size=page_size,
            max_items=max_items,
        )

    def result(
        self,
        access_key: str,
        email: str,
        *,
        ir: bool | None = None,
        rs: bool | None = None,
        qr: bool | None = None,
    ) -> CandidateResult:
        """One candidate's status and result in a schedule (GET /schedules/{key}/candidates/{email}).

        ``qr`` asks for the answers to essay questions that need manual
        grading; ``ir`` and ``rs`` are the server's flags of those names,
        passed as ``true``/``false`` when given.
        """
        return self._portal.run(self._aio.result, access_key, email, ir=ir, rs=rs, qr=qr)

    def delete_result(self, access_key: str, email: str) -> None:
        """Delete a candidate's result so that they may take the test again
        (DELETE /schedules/{key}/candidates/{email}). Only a ``Completed`` or ``Expired``
        test can be deleted: one in progress answers E005. Not repeated after a failure
        that may have reached the server (a repeat would answer "Report does not exist")."""
        self._portal.run(self._aio.delete_result, access_key, email)

    def of_candidate(
        self,
        email: str,
        *,
        qr: bool | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[CandidateResult]:
        """A candidate's results in every schedule of the account (GET /candidates/{email}).

        Paged by ``limit`` (1 to 100) and ``offset`` in API v3 only; v1 and v2
        answer the whole list at once and refuse a ``page_size``.
        """
        return self._paginate(self._aio.of_candidate, email, qr=qr, page_size=page_size, max_items=max_items)


class MettlClient(SyncClient[_client.MettlClient]):
    """Synchronous client for Mettl's REST API (``https://api.mettl.com/v2``; v1 and v3 selectable).

    The arguments of :class:`mettl_async.mettl_rest.client.MettlClient` but ``http``
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
        *,
        api_version: str | None = None,
        base_url: str | None = None,
        white_label_path: str | None = None,
        rate: float | None = None,
        burst: int = 1,
        rate_ceiling: float | None = None,
        limiter: Limiter | None = None,
        concurrency: int = 16,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
        uniqueness: UniquenessStore | None = None,
        ssl: ssl_module.SSLContext | bool | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        aio = _client.MettlClient(
            public_key,
            private_key,
            api_version=api_version,
            base_url=base_url,
            white_label_path=white_label_path,
            rate=rate,
            burst=burst,
            rate_ceiling=rate_ceiling,
            limiter=limiter,
            concurrency=concurrency,
            retry=retry,
            timeout=timeout,
            clock=clock,
            uniqueness=uniqueness,
            ssl=ssl,
            trace_configs=trace_configs,
            max_response_bytes=max_response_bytes,
        )
        super().__init__(aio)

    def _bind(self) -> None:
        self.account = AccountService(self._portal, self._aio.account)
        self.assessments = AssessmentsService(self._portal, self._aio.assessments)
        self.schedules = SchedulesService(self._portal, self._aio.schedules)
        self.candidates = CandidatesService(self._portal, self._aio.candidates)

    @property
    def api_version(self) -> str:
        """The async client's ``api_version``."""
        return self._aio.api_version


__all__ = [
    "AccountService",
    "AssessmentsService",
    "CandidatesService",
    "MettlClient",
    "SchedulesService",
]
