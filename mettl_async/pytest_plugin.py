"""pytest fixtures for testing code that uses mettl_async against the sandboxes.

Opt-in: nothing loads it by itself. Enable it in a ``conftest.py`` with
``pytest_plugins = ["mettl_async.pytest_plugin"]`` (or ``pytest -p mettl_async.pytest_plugin``)::

    def test_my_harvest(certicheck_sandbox):
        client = certicheck_sandbox.client()          # a CertiCheckClient for it
        ...

    def test_with_faults(certicheck_sandbox_factory):
        sandbox = certicheck_sandbox_factory(SandboxConfig(faults=FaultConfig(rate=0.2)))

    def test_proctorexam(proctorexam_sandbox):
        client = proctorexam_sandbox.client()         # a ProctorExamClient for it

    async def test_fulfillment(itep_sandbox):
        async with itep_sandbox.client() as itep:     # an ItepClient for it
            await itep.fulfill("GTX-Academic-Plus")

    def test_two_platforms(sandbox_factory):
        server = sandbox_factory(CertiCheckSandbox(), ...)   # one port, one prefix each

    def test_rest(mettl_rest_sandbox):
        client = mettl_rest_sandbox.client(api_version="v3")  # a MettlClient for it

Servers run in a thread of their own, so the fixtures work for synchronous
tests and on any event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .testing.certicheck import CertiCheckSandbox, SandboxConfig
from .testing.itep import ItepSandbox
from .testing.itep import SandboxConfig as ItepSandboxConfig
from .testing.kit import PlatformSandbox
from .testing.mettl_rest import MettlRestConfig, MettlRestSandbox
from .testing.proctorexam import ProctorExamSandbox, ProctorExamSandboxConfig
from .testing.runner import SandboxThread


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxThread]]:
    """Start a server hosting the platform sandboxes given; all stop after the test."""
    started: list[SandboxThread] = []

    def start(*platforms: PlatformSandbox) -> SandboxThread:
        thread = SandboxThread(*platforms)
        thread.start()
        started.append(thread)
        return thread

    yield start
    for thread in started:
        thread.stop()


@pytest.fixture
def certicheck_sandbox_factory(
    sandbox_factory: Callable[..., SandboxThread],
) -> Callable[..., SandboxThread]:
    """Start CertiCHECK sandboxes with your own :class:`SandboxConfig`."""

    def start(config: SandboxConfig | None = None) -> SandboxThread:
        return sandbox_factory(CertiCheckSandbox(config))

    return start


@pytest.fixture
def certicheck_sandbox(certicheck_sandbox_factory: Callable[..., SandboxThread]) -> SandboxThread:
    """A CertiCHECK sandbox with the default account (200 applicants, no faults)."""
    return certicheck_sandbox_factory()


@pytest.fixture
def proctorexam_sandbox_factory(
    sandbox_factory: Callable[..., SandboxThread],
) -> Callable[..., SandboxThread]:
    """Start ProctorExam sandboxes with your own :class:`ProctorExamSandboxConfig`."""

    def start(config: ProctorExamSandboxConfig | None = None) -> SandboxThread:
        return sandbox_factory(ProctorExamSandbox(config))

    return start


@pytest.fixture
def mettl_rest_sandbox_factory(
    sandbox_factory: Callable[..., SandboxThread],
) -> Callable[..., SandboxThread]:
    """Start Mettl REST API sandboxes (v1, v2 and v3 under ``/mettl``) with your own
    :class:`MettlRestConfig`."""

    def start(config: MettlRestConfig | None = None) -> SandboxThread:
        return sandbox_factory(MettlRestSandbox(config))

    return start


@pytest.fixture
def proctorexam_sandbox(proctorexam_sandbox_factory: Callable[..., SandboxThread]) -> SandboxThread:
    """A ProctorExam sandbox with the default account (3 institutes, 12 exams, 300 sessions)."""
    return proctorexam_sandbox_factory()


@pytest.fixture
def itep_sandbox_factory(sandbox_factory: Callable[..., SandboxThread]) -> Callable[..., SandboxThread]:
    """Start iTEP sandboxes with your own :class:`mettl_async.testing.itep.SandboxConfig`."""

    def start(config: ItepSandboxConfig | None = None) -> SandboxThread:
        return sandbox_factory(ItepSandbox(config))

    return start


@pytest.fixture
def itep_sandbox(itep_sandbox_factory: Callable[..., SandboxThread]) -> SandboxThread:
    """An iTEP sandbox with the default inventory and no webhook URL."""
    return itep_sandbox_factory()


@pytest.fixture
def mettl_rest_sandbox(mettl_rest_sandbox_factory: Callable[..., SandboxThread]) -> SandboxThread:
    """A Mettl REST API sandbox with the default account (120 candidates, no faults)."""
    return mettl_rest_sandbox_factory()
