"""Defects found by trying what landed the way users and hostile servers would (issue 6), under
concurrency: single-use signatures that must not poison other processes, 500 calls through 429s
with no client-side rate, and a walk cancelled mid-page that closes everything. Each test here
failed on the code before its fix."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from typing import Any

import pytest

from mettl_async import RetryPolicy
from mettl_async.core.request import Request
from mettl_async.core.uniqueness import LocalUniqueness
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import SandboxConfig

StartSandbox = Callable[..., SandboxThread]
FAST = RetryPolicy(backoff_initial=0.0, jitter=0.05)


def sent_ts(sandbox: SandboxThread) -> list[tuple[int, float]]:
    return [(int(r.params["ts"]), r.received_at) for r in sandbox.sandbox.requests]


# -- 1. single-use signatures must not poison other processes ---------------------------------


async def test_no_ts_is_ever_ahead_of_the_clock(certicheck_sandbox_factory: StartSandbox) -> None:
    """Defect: 100 repeats got ts values up to ~90 s ahead, which other processes then collided with."""
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=20))
    async with sandbox.client() as client:
        for _ in range(100):
            await client.tests.list()
        request = Request("GET", "/getAllTimezones", safe_to_repeat=False)  # not shared: waits instead
        for _ in range(3):
            await client.session.request(request)
    stamps = sent_ts(sandbox)
    assert all(ts <= received for ts, received in stamps)
    timezone_ts = [int(r.params["ts"]) for r in sandbox.sandbox.requests if "Timezones" in r.raw_path]
    assert len(set(timezone_ts)) == 3  # each identical request in a second of its own
    assert all(r.error_code is None for r in sandbox.sandbox.requests)


async def test_identical_gets_in_flight_or_in_the_same_second_are_sent_once(
    certicheck_sandbox: SandboxThread,
) -> None:
    """A web backend calling account.get() a thousand times a second sends it once a second."""
    async with certicheck_sandbox.client() as client:
        answers = await asyncio.gather(*(client.account.get() for _ in range(1000)))
        coalesced = client.stats.coalesced
    sent = [r for r in certicheck_sandbox.sandbox.requests if "accountSettings" in r.raw_path]
    assert 1 <= len(sent) <= 2  # two only when the burst straddles a second
    assert coalesced == 1000 - len(sent)
    assert all(a == answers[0] for a in answers)


async def test_a_signature_another_process_used_is_retried_in_the_next_second(
    certicheck_sandbox: SandboxThread,
) -> None:
    """Two stores stand for two processes: same request, same second, same signature."""
    clients = [certicheck_sandbox.client(uniqueness=LocalUniqueness(), retry=FAST) for _ in range(2)]
    try:
        await asyncio.sleep(1.0 - time.time() % 1.0 + 0.05)  # both start early in one second
        results = await asyncio.gather(*(c.tests.list() for c in clients))
    finally:
        for client in clients:
            await client.close()
    assert [len(page) for page in results] == [len(results[0])] * 2
    requests = list(certicheck_sandbox.sandbox.requests)
    refused = [r for r in requests if r.error_code == "E401"]
    assert len(refused) == 1
    accepted = [r for r in requests if r.error_code is None]
    assert len(accepted) == 2
    assert int(accepted[1].params["ts"]) == int(refused[0].params["ts"]) + 1  # re-signed the next second


def test_two_real_processes_sending_identical_requests_both_finish(certicheck_sandbox: SandboxThread) -> None:
    config = certicheck_sandbox.sandbox.config
    script = textwrap.dedent(
        f"""
        import asyncio, time
        from mettl_async import CertiCheckClient, ClientOptions, RetryPolicy

        async def main():
            async with CertiCheckClient({config.public_key!r}, {config.private_key!r}, {config.subdomain!r},
                                        base_url={certicheck_sandbox.base_url!r},
                                        options=ClientOptions(retry=RetryPolicy(backoff_initial=0,
                                                                                jitter=0.05))) as client:
                deadline = time.time() + 3
                while time.time() < deadline:
                    await client.tests.list()
                    await client.account.get()

        asyncio.run(main())
        """
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outcomes = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outcomes
    requests = list(certicheck_sandbox.sandbox.requests)
    refused = [r for r in requests if r.error_code == "E401"]
    accepted = [r for r in requests if r.error_code is None]
    # Each process sends each request at most once a second; a collision costs one refusal, re-signed.
    assert len(accepted) <= 2 * 2 * 5
    assert len(refused) <= len(accepted)


# -- 4. 429s with no client-side rate ---------------------------------------------------------


async def test_500_concurrent_calls_under_429s_all_finish(certicheck_sandbox_factory: StartSandbox) -> None:
    """Defect: with rate=None, 45-77 % of 500 concurrent calls failed within 5 s."""
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=20, rate=200.0, burst=20))
    started = time.monotonic()
    async with sandbox.client(retry=RetryPolicy(attempts=3, max_elapsed=60)) as client:
        pages = await asyncio.gather(*(client.tests.list(page_size=size) for size in range(1, 501)))
        throttled = client.stats.rate_limited
    assert len(pages) == 500
    assert throttled > 0  # the server did push back
    assert time.monotonic() - started < 30


# -- hygiene ---------------------------------------------------------------------------------------


async def test_cancelling_a_walk_mid_page_closes_everything(certicheck_sandbox_factory: StartSandbox) -> None:
    from mettl_async.testing import FaultConfig

    slow = certicheck_sandbox_factory(
        SandboxConfig(applicants=200, faults=FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.3))
    )
    client = slow.client()
    given: list[Any] = []

    async def walk() -> None:
        async for result in client.results.all(page_size=10):
            given.append(result)

    task = asyncio.create_task(walk())
    await asyncio.sleep(0.5)  # the second page is in flight
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert 0 < len(given) < 200
    assert client.session._loops.current is not None
    assert client.session._loops.current.inflight == {}
    await client.close()
    assert client.session.http is None
