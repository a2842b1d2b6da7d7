"""Only the retry policy repeats a request: aiohttp's own resend of a GET whose connection died
would repeat a single-use signature (a nonce, a ``ts``), which the platform refuses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from mettl_async import ConnectionLostError, RetryPolicy
from mettl_async.testing import SandboxThread
from mettl_async.testing.faults import Fault, FaultConfig
from mettl_async.testing.proctorexam import ProctorExamSandboxConfig

StartSandbox = Callable[..., SandboxThread]


async def test_a_dropped_get_is_sent_again_only_by_the_retry_policy_and_signed_afresh(
    proctorexam_sandbox_factory: StartSandbox,
) -> None:
    every_request_dropped = FaultConfig(rate=1.0, kinds=[Fault.DROP])
    sandbox = proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=3, faults=every_request_dropped))
    policy = RetryPolicy(attempts=3, backoff_initial=0.0, jitter=0.0)
    async with sandbox.client(retry=policy) as client:
        with pytest.raises(ConnectionLostError):
            await client.student_sessions.get(1)
    nonces = [r.params["nonce"] for r in sandbox.sandbox.requests]
    assert len(nonces) == 3, "one request per attempt: nothing resent behind the retry policy's back"
    assert not [nonce for nonce, seen in Counter(nonces).items() if seen > 1]
