"""Candidates: registration in a schedule and their results, per schedule or across the account."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import attrs

from ..core.checks import check_email, check_instance
from ..core.errors import BatchError, InputError, MalformedResponseError
from ..core.options import ClientOptions
from ..core.paginator import Paginator
from ..core.paging_styles import records_at
from ..core.records import compact_json, parse
from ..core.request import Request, encode_path_segment
from ..core.service import Service
from ..core.session import Session
from .lists import candidate_results, schedule_results
from .results import CandidateResult, RegistrationStatus
from .services import check_access_key, check_sort
from .specs import MAX_CANDIDATES_PER_CALL, CandidateRegistration

X = TypeVar("X")
RESULT_SORTS = ("testStartTime", "name")


def batches(items: Iterable[X], size: int = MAX_CANDIDATES_PER_CALL) -> list[list[X]]:
    """``items`` cut into lists of at most ``size`` (20 by default: the per-call maximum)."""
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_CANDIDATES_PER_CALL:
        raise InputError("batch_size", f"must be from 1 to {MAX_CANDIDATES_PER_CALL}, got {size!r}")
    pending = list(items)
    return [pending[i : i + size] for i in range(0, len(pending), size)]


def _flags(**flags: bool | None) -> dict[str, str]:
    out = {}
    for name, value in flags.items():
        if value is None:
            continue
        if not isinstance(value, bool):
            raise InputError(name, f"must be true, false or None, got {value!r}")
        out[name] = "true" if value else "false"
    return out


def _check_batch(candidates: Sequence[CandidateRegistration]) -> None:
    if isinstance(candidates, str | bytes) or not isinstance(candidates, Sequence):
        raise InputError(
            "candidates", f"must be a list of CandidateRegistration, got {type(candidates).__name__}"
        )
    if not candidates:
        raise InputError("candidates", "at least one candidate is required")
    if len(candidates) > MAX_CANDIDATES_PER_CALL:
        raise InputError(
            "candidates",
            f"at most {MAX_CANDIDATES_PER_CALL} candidates per call, got {len(candidates)} "
            "(register_many batches a longer list)",
        )
    seen: set[str] = set()
    for index, candidate in enumerate(candidates):
        check_instance(f"candidates[{index}]", candidate, CandidateRegistration)
        folded = candidate.email.lower()
        if folded in seen:
            raise InputError("candidates", f"{candidate.email!r} appears twice")
        seen.add(folded)


@attrs.frozen
class RegistrationReport:
    """Per-candidate outcomes of a registration, in the order sent."""

    statuses: list[RegistrationStatus]

    @property
    def registered(self) -> list[RegistrationStatus]:
        return [s for s in self.statuses if s.succeeded]

    @property
    def refused(self) -> list[RegistrationStatus]:
        return [s for s in self.statuses if not s.succeeded]


class CandidatesService(Service):
    """Registering candidates in a schedule; reading and deleting their results."""

    def __init__(self, session: Session, options: ClientOptions | None = None, *, api_version: str) -> None:
        super().__init__(session, options)
        self.api_version = api_version

    @staticmethod
    def _path(access_key: str, email: str | None = None) -> str:
        path = f"/schedules/{encode_path_segment(check_access_key(access_key))}/candidates"
        if email is not None:
            path += "/" + encode_path_segment(check_email("email", email))
        return path

    async def register(
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
        _check_batch(candidates)
        rd: dict[str, Any] = {"registrationDetails": [c.registration_details() for c in candidates]}
        optional = [{"email": c.email, "context_data": c.context_data} for c in candidates if c.context_data]
        if optional:
            rd["optionalParams"] = optional
        if _flags(send_email=send_email):
            rd["sendEmail"] = send_email
        path = self._path(access_key)
        payload = await self._post(path, {"rd": compact_json(rd, "rd")})
        return [parse(RegistrationStatus, r) for r in records_at(payload, "registrationStatus", path)]

    async def register_many(
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
        groups = batches(candidates, batch_size)
        for group in groups:
            _check_batch(group)
        done: list[RegistrationStatus] = []
        for index, group in enumerate(groups):
            try:
                done += await self.register(access_key, group, send_email=send_email)
            except Exception as error:
                left = [c for g in groups[index:] for c in g]
                raise BatchError(
                    f"registration stopped at batch {index + 1} of {len(groups)}: {error}; "
                    f"{len(done)} outcomes received, {len(left)} candidates not (or not confirmed)",
                    completed=done,
                    remaining=left,
                ) from error
        return RegistrationReport(done)

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
        params = check_sort(sort, sort_order, RESULT_SORTS) | _flags(qr=qr)
        endpoint = schedule_results(self._path(access_key), access_key)
        return self._paginate(endpoint, params, page_size=page_size, max_items=max_items)

    async def result(
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
        path = self._path(access_key, email)
        payload = await self._get(path, _flags(ir=ir, rs=rs, qr=qr))
        record = payload.get("candidate")
        if not isinstance(record, dict):
            raise MalformedResponseError(f"{path}: the response has no 'candidate' object")
        return parse(CandidateResult, {"accessKey": access_key, **record})

    async def delete_result(self, access_key: str, email: str) -> None:
        """Delete a candidate's result so that they may take the test again
        (DELETE /schedules/{key}/candidates/{email}). Only a ``Completed`` or ``Expired``
        test can be deleted: one in progress answers E005. Not repeated after a failure
        that may have reached the server (a repeat would answer "Report does not exist")."""
        await self._call(Request("DELETE", self._path(access_key, email)))

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
        path = f"/candidates/{encode_path_segment(check_email('email', email))}"
        endpoint = candidate_results(path, self.api_version)
        return self._paginate(endpoint, _flags(qr=qr), page_size=page_size, max_items=max_items)


__all__ = ["RESULT_SORTS", "CandidatesService", "RegistrationReport", "batches"]
