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

Each platform of the registry (:data:`mettl_async.platforms.PLATFORMS`) has two
fixtures: ``<name>_sandbox`` (its default account) and ``<name>_sandbox_factory``
(``factory(config)`` with the sandbox's own config class).

Servers run in a thread of their own, so the fixtures work for synchronous
tests and on any event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .platforms import PLATFORMS, Platform
from .testing.kit import PlatformSandbox
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


def _platform_fixtures(entry: Platform) -> tuple[Any, Any]:
    """``<name>_sandbox_factory`` and ``<name>_sandbox`` for one platform."""

    def factory(sandbox_factory: Callable[..., SandboxThread]) -> Callable[..., SandboxThread]:
        def start(config: Any = None) -> SandboxThread:
            make: Callable[..., PlatformSandbox] = entry.load_sandbox()
            return sandbox_factory(make(config))

        return start

    def default(request: pytest.FixtureRequest) -> SandboxThread:
        start: Callable[[], SandboxThread] = request.getfixturevalue(f"{entry.name}_sandbox_factory")
        return start()

    factory.__doc__ = f"Start {entry.title} sandboxes with your own config (``factory(config)``)."
    default.__doc__ = f"A {entry.title} sandbox with its default account, no faults."
    return (
        pytest.fixture(name=f"{entry.name}_sandbox_factory")(factory),
        pytest.fixture(name=f"{entry.name}_sandbox")(default),
    )


for _entry in PLATFORMS:
    globals()[f"_{_entry.name}_sandbox_factory"], globals()[f"_{_entry.name}_sandbox"] = _platform_fixtures(
        _entry
    )
