"""pytest fixtures for testing code that uses mettl_async against the sandbox.

Installed with the package (entry point ``pytest11``)::

    def test_my_harvest(mettl_sandbox):
        client = mettl_sandbox.client()          # a CertiCheckClient for it
        ...

    def test_with_faults(mettl_sandbox_factory):
        sandbox = mettl_sandbox_factory(SandboxConfig(faults=FaultConfig(rate=0.2)))

The server runs in a thread of its own, so the fixtures work for synchronous
tests and on any event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .server import SandboxConfig, SandboxThread


@pytest.fixture
def mettl_sandbox_factory() -> Iterator[Callable[..., SandboxThread]]:
    """Start sandboxes with your own :class:`SandboxConfig`; all stop after the test."""
    started: list[SandboxThread] = []

    def start(config: SandboxConfig | None = None) -> SandboxThread:
        sandbox = SandboxThread(config)
        sandbox.start()
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def mettl_sandbox(mettl_sandbox_factory: Callable[..., SandboxThread]) -> SandboxThread:
    """A sandbox with the default account (200 applicants, no faults)."""
    return mettl_sandbox_factory()
