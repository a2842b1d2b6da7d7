"""Helpers shared by the ProctorExam client tests (tests/proctorexam/test_proctorexam_institutes_users.py,
test_proctorexam_exams.py, test_proctorexam_sessions.py and their conftest.py): the sandbox
factory's type, the sandbox's world, and the last request it saw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mettl_async.testing import RecordedRequest, SandboxThread
from mettl_async.testing.proctorexam import ProctorExamSandbox

StartSandbox = Callable[..., SandboxThread]


def world(sandbox: SandboxThread) -> Any:
    platform = sandbox.sandbox
    assert isinstance(platform, ProctorExamSandbox)
    return platform.world


def last(sandbox: SandboxThread) -> RecordedRequest:
    return sandbox.sandbox.requests[-1]
