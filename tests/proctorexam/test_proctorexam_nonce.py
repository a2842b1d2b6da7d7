"""Nonces and timestamps over loopback: unique under 500 concurrent calls and across two real
processes on one key, fresh on every attempt, refused when replayed within 24 hours; a clock
outside the server's window is corrected from its Date header."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable

import aiohttp
import pytest

from mettl_async import RetryPolicy, SignatureExpiredError
from mettl_async.core.auth import Stamp
from mettl_async.core.request import Request
from mettl_async.core.uniqueness import LocalUniqueness
from mettl_async.proctorexam.auth import ProctorExamCredentials, ProctorExamSigning
from mettl_async.testing import SandboxThread
from mettl_async.testing.proctorexam import ProctorExamSandbox, ProctorExamSandboxConfig

StartSandbox = Callable[..., SandboxThread]
FAST = RetryPolicy(backoff_initial=0.0, jitter=0.0)


def platform(sandbox: SandboxThread) -> ProctorExamSandbox:
    found = sandbox.sandbox
    assert isinstance(found, ProctorExamSandbox)
    return found


def refused(sandbox: SandboxThread, code: str) -> int:
    return sum(1 for r in sandbox.sandbox.requests if r.error_code == code)


async def test_500_concurrent_calls_all_accepted_with_distinct_nonces(
    proctorexam_sandbox_factory: StartSandbox,
) -> None:
    sandbox = proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=500))
    async with sandbox.client(concurrency=100) as client:
        sessions = await asyncio.gather(*(client.student_sessions.get(i) for i in range(1, 501)))
        assert [s.id for s in sessions] == list(range(1, 501))
        assert (client.stats.requests, client.stats.retries) == (500, 0)
    accepted = list(platform(sandbox).verifier.accepted)
    assert len(accepted) == len(set(accepted)) == 500
    assert refused(sandbox, "nonce_reused") == 0


CHILD = """
import asyncio, sys
from mettl_async import ClientOptions
from mettl_async.proctorexam.client import ProctorExamClient

async def main(first, count):
    async with ProctorExamClient(options=ClientOptions(concurrency=32)) as client:
        got = await asyncio.gather(*(client.student_sessions.get(i) for i in range(first, first + count)))
        assert [s.id for s in got] == list(range(first, first + count))
        print(client.stats.requests, client.stats.retries)

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
"""


def test_two_processes_on_one_key_never_repeat_a_nonce(proctorexam_sandbox_factory: StartSandbox) -> None:
    sandbox = proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=800))
    config = platform(sandbox).config
    env = os.environ | {
        "PROCTOREXAM_BASE_URL": sandbox.base_url,
        "PROCTOREXAM_API_TOKEN": config.api_token,
        "PROCTOREXAM_SECRET_KEY": config.secret_key,
    }
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(first), "400"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for first in (1, 401)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err.decode()
        assert out.split() == [b"400", b"0"]  # 400 requests, no retry
    accepted = list(platform(sandbox).verifier.accepted)
    assert len(accepted) == 800
    assert len(set(accepted)) == 800
    assert refused(sandbox, "nonce_reused") == 0


class RepeatingStore(LocalUniqueness):
    """A store that hands out its first nonce twice (as a broken shared store might)."""

    def __init__(self) -> None:
        super().__init__(tag=7)
        self.given: list[int] = []

    async def nonce(self) -> int:
        value = self.given[0] if len(self.given) == 1 else self.nonce_now()
        self.given.append(value)
        return value


@pytest.mark.parametrize("create", [False, True])
async def test_a_refused_nonce_is_retried_with_a_fresh_one(
    proctorexam_sandbox_factory: StartSandbox, create: bool
) -> None:
    sandbox = proctorexam_sandbox_factory()
    store = RepeatingStore()
    async with sandbox.client(uniqueness=store, retry=FAST) as client:
        await client.exams.get(1)
        if create:  # not safe to repeat, but a refused nonce proves the server did not act
            await client.student_sessions.create(2, "Ada", "ada@example.com")
        else:
            await client.exams.get(2)
        assert client.stats.retries == 1
    assert store.given[0] == store.given[1] != store.given[2]
    assert refused(sandbox, "nonce_reused") == 1
    if create:
        assert len(platform(sandbox).world.sessions.created) == 1  # created once


async def send(session: aiohttp.ClientSession, scheme: ProctorExamSigning, base: str, stamp: Stamp) -> int:
    wire = scheme.sign(Request("GET", "/exams/{id}", {"id": 1}), base, stamp).wire
    async with session.request(wire.method, wire.url, headers=dict(wire.headers), data=wire.body) as response:
        await response.read()
        return response.status


async def test_a_nonce_is_refused_for_24_hours(proctorexam_sandbox_factory: StartSandbox) -> None:
    now = [time.time()]
    sandbox = proctorexam_sandbox_factory(ProctorExamSandboxConfig(clock=lambda: now[0]))
    config = platform(sandbox).config
    scheme = ProctorExamSigning(ProctorExamCredentials(config.api_token, config.secret_key))
    async with aiohttp.ClientSession() as http:
        assert await send(http, scheme, sandbox.base_url, Stamp(time=now[0], nonce=4242)) == 200
        # The same nonce with a new timestamp (so a new signature) is still refused.
        assert await send(http, scheme, sandbox.base_url, Stamp(time=now[0] + 1, nonce=4242)) == 401
        now[0] += 23 * 3600
        assert await send(http, scheme, sandbox.base_url, Stamp(time=now[0], nonce=4242)) == 401
        now[0] += 3601
        assert await send(http, scheme, sandbox.base_url, Stamp(time=now[0], nonce=4242)) == 200
    assert refused(sandbox, "nonce_reused") == 2


@pytest.mark.parametrize(("skew", "accepted"), [(-290, True), (290, True), (-310, False), (310, False)])
async def test_the_timestamp_window_is_five_minutes(
    proctorexam_sandbox_factory: StartSandbox, skew: float, accepted: bool
) -> None:
    sandbox = proctorexam_sandbox_factory()
    config = platform(sandbox).config
    scheme = ProctorExamSigning(ProctorExamCredentials(config.api_token, config.secret_key))
    async with aiohttp.ClientSession() as http:
        status = await send(http, scheme, sandbox.base_url, Stamp(time=time.time() + skew, nonce=77))
    assert status == (200 if accepted else 401)
    assert refused(sandbox, "timestamp_out_of_range") == (0 if accepted else 1)


async def test_a_client_clock_off_by_an_hour_is_corrected_from_the_date_header(
    proctorexam_sandbox_factory: StartSandbox,
) -> None:
    sandbox = proctorexam_sandbox_factory()
    async with sandbox.client(clock=lambda: time.time() - 3600) as client:
        assert (await client.exams.get(1)).id == 1
        assert client.stats.clock_corrections == 1
        assert abs(client.session.clock_offset - 3600) < 5
        assert (await client.exams.get(2)).id == 2  # signed with the corrected clock
        assert client.stats.clock_corrections == 1
    assert refused(sandbox, "timestamp_out_of_range") == 1


async def test_a_replayed_request_is_refused_and_reported_as_such(
    proctorexam_sandbox_factory: StartSandbox,
) -> None:
    sandbox = proctorexam_sandbox_factory()
    config = platform(sandbox).config
    scheme = ProctorExamSigning(ProctorExamCredentials(config.api_token, config.secret_key))
    wire = scheme.sign(
        Request("GET", "/exams", {"page": 1}), sandbox.base_url, Stamp(time=time.time(), nonce=9)
    ).wire
    from mettl_async.proctorexam.codes import decode

    async with aiohttp.ClientSession() as http:
        for attempt in range(2):
            async with http.get(wire.url, headers=dict(wire.headers)) as response:
                body = await response.read()
                if attempt == 0:
                    assert decode(response.status, response.headers, body, "json")["exams"]
                else:
                    with pytest.raises(SignatureExpiredError, match="Nonce has already been used"):
                        decode(response.status, response.headers, body, "json")
