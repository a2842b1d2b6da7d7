"""Fixtures of the CertiCHECK client tests (tests/certicheck/test_client_*.py): a sandbox with sixty
applicants, a client on it, and the fake clock they share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mettl_async import CertiCheckClient
from mettl_async.testing import FakeClock, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.certicheck_support import FAST, StartSandbox


@pytest.fixture
def clock() -> FakeClock:
    """The sandbox's and the client's time: a repeated identical call waits for the next second
    (a signature is single-use), at once."""
    return FakeClock()


@pytest.fixture
def sandbox(certicheck_sandbox_factory: StartSandbox, clock: FakeClock) -> SandboxThread:
    return certicheck_sandbox_factory(SandboxConfig(applicants=60, clock=clock.time))


@pytest.fixture
async def client(sandbox: SandboxThread, clock: FakeClock) -> AsyncIterator[CertiCheckClient]:
    async with sandbox.client(retry=FAST, clock=clock.time, sleep=clock.sleep) as client:
        yield client
