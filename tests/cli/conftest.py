"""Fixtures of the command's tests (tests/cli/test_cli_harvest.py, test_cli_errors.py): a CertiCHECK
sandbox with 150 applicants, and one that answers slowly enough to be killed part-way."""

from __future__ import annotations

import pytest

from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.cli_support import Factory


@pytest.fixture
def sandbox(certicheck_sandbox_factory: Factory) -> SandboxThread:
    return certicheck_sandbox_factory(SandboxConfig(applicants=150))


@pytest.fixture
def slow_sandbox(certicheck_sandbox_factory: Factory) -> SandboxThread:
    """Every answer 20 ms late, so a run of 60 pages can be killed part-way."""
    return certicheck_sandbox_factory(
        SandboxConfig(applicants=300, faults=FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.02))
    )
