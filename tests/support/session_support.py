"""Helpers shared by the session tests (tests/core/test_session_retries.py, test_session_setup.py): retry
policies without waits, the sandbox factory's type, a fault pattern from a seed and an applicant
to register."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from mettl_async import RetryPolicy
from mettl_async.certicheck.models import ApplicantRegistration
from mettl_async.testing import Fault, FaultConfig, SandboxThread
from mettl_async.testing.faults import FaultInjector

FAST = RetryPolicy(backoff_initial=0.0, jitter=0.0)
StartSandbox = Callable[..., SandboxThread]


def fast(attempts: int) -> RetryPolicy:
    return RetryPolicy(attempts=attempts, backoff_initial=0.0, jitter=0.0)


def faults_starting(pattern: Sequence[Fault | None], **options: Any) -> FaultConfig:
    """A seeded FaultConfig whose first requests meet exactly ``pattern`` (``None``: no fault)."""
    for seed in range(10_000):
        config = FaultConfig(seed=seed, **options)
        injector = FaultInjector(config)
        if [injector.pick() for _ in pattern] == list(pattern):
            return config
    raise AssertionError(f"no seed gives {pattern}")


def person(email: str) -> ApplicantRegistration:
    return ApplicantRegistration(email, {"First Name": "Ada"})
