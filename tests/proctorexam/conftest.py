"""Fixtures of the ProctorExam client tests (tests/proctorexam/test_proctorexam_institutes_users.py,
test_proctorexam_exams.py, test_proctorexam_sessions.py): a sandbox with 120 sessions in 12 exams,
and a client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mettl_async import RetryPolicy
from mettl_async.proctorexam.client import ProctorExamClient
from mettl_async.testing import SandboxThread
from mettl_async.testing.proctorexam import ProctorExamSandboxConfig
from tests.support.proctorexam_support import StartSandbox

FAST = RetryPolicy(backoff_initial=0.0, jitter=0.0)


@pytest.fixture
def sandbox(proctorexam_sandbox_factory: StartSandbox) -> SandboxThread:
    return proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=120, exams=12))


@pytest.fixture
async def client(sandbox: SandboxThread) -> AsyncIterator[ProctorExamClient]:
    async with sandbox.client(retry=FAST) as client:
        yield client
