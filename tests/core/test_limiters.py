"""Every platform's client (async and sync) takes any :class:`~mettl_async.core.ratelimit.Limiter`,
such as the Redis budget's: checked by mypy (the typecheck session) and at run time."""

from __future__ import annotations

from mettl_async import CertiCheckClient, ClientOptions, MettlClient, ProctorExamClient
from mettl_async.core.ratelimit import Limiter
from mettl_async.itep import ItepClient
from mettl_async.sync import CertiCheckClient as SyncCertiCheckClient
from mettl_async.sync import ItepClient as SyncItepClient
from mettl_async.sync import MettlClient as SyncMettlClient
from mettl_async.sync import ProctorExamClient as SyncProctorExamClient
from mettl_async.testing import SandboxThread


class CountingLimiter:
    """A limiter of the caller's own: never paces, counts what the session tells it."""

    def __init__(self) -> None:
        self.acquired = 0
        self.succeeded_count = 0

    @property
    def rate(self) -> float | None:
        return None

    async def acquire(self) -> None:
        self.acquired += 1

    def throttled(self, retry_after: float | None) -> None:
        pass

    def succeeded(self) -> None:
        self.succeeded_count += 1


async def test_a_limiter_of_ones_own_paces_each_platform(
    certicheck_sandbox: SandboxThread, mettl_rest_sandbox: SandboxThread, proctorexam_sandbox: SandboxThread
) -> None:
    own = CountingLimiter()
    async with certicheck_sandbox.client(limiter=own) as certicheck:
        await certicheck.account.get()
    async with mettl_rest_sandbox.client(limiter=own) as mettl:
        await mettl.account.get()
    async with proctorexam_sandbox.client(limiter=own) as proctorexam:
        await proctorexam.exams.list()  # the first page
    assert own.acquired == own.succeeded_count == 3


def typed_construction(own: Limiter) -> None:
    """Never called: what mypy checks is that each client accepts a ``Limiter``."""
    CertiCheckClient("k", "s", "sub", options=ClientOptions(limiter=own))
    MettlClient("k", "s", options=ClientOptions(limiter=own))
    ProctorExamClient("t", "s", options=ClientOptions(limiter=own))
    ItepClient("k" * 20, options=ClientOptions(limiter=own))
    SyncCertiCheckClient("k", "s", "sub", options=ClientOptions(limiter=own))
    SyncMettlClient("k", "s", options=ClientOptions(limiter=own))
    SyncProctorExamClient("t", "s", options=ClientOptions(limiter=own))
    SyncItepClient("k" * 20, options=ClientOptions(limiter=own))
