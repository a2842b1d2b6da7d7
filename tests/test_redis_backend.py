"""The shared budget through a real redis-server: the Lua limiter against the in-process one,
real processes sharing one rate and one uniqueness store, and the fallback when Redis goes away.

The processes are workers (``redis_worker.py``) started once for the module and given jobs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from mettl_async import ConfigurationError, RateLimitedError, RetryPolicy
from mettl_async.certicheck.sandbox import SandboxConfig
from mettl_async.ratelimit import RateLimiter
from mettl_async.redisstore import RedisLink, RedisRateLimiter, shared_budget
from mettl_async.redisstore import uniqueness as uniqueness_module
from mettl_async.redisstore.link import namespace, shown_url
from mettl_async.redisstore.testing import RedisServer, free_port
from mettl_async.sandbox import FaultConfig, SandboxThread

WORKER = Path(__file__).parent / "redis_worker.py"
StartSandbox = Callable[..., SandboxThread]


def unique_name() -> str:
    return f"test-{uuid.uuid4()}"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "mettl_async.redisstore" and r.levelno >= logging.WARNING
    ]


# -- settings, names, imports ----------------------------------------------------------------


def test_budget_names_are_hashed_into_one_cluster_slot() -> None:
    prefix = namespace("sandbox-public-key")
    assert "sandbox-public-key" not in prefix
    assert prefix == namespace("sandbox-public-key") != namespace("another-key")
    assert prefix.startswith("mettl_async:{")
    assert prefix.endswith("}")


def test_log_lines_show_where_redis_is_never_its_password() -> None:
    assert shown_url("redis://user:hunter2@cache:6380/2") == "redis://cache:6380/2"


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"redis_url": "http://cache:6379"}, "redis_url"),
        ({"name": ""}, "name"),
        ({"rate": -1.0}, "rate"),
        ({"rate": 10.0, "ceiling": 5.0}, "ceiling"),
        ({"burst": 0}, "burst"),
        ({"timeout": 0.0}, "timeout"),
    ],
)
def test_bad_settings_are_configuration_errors(arguments: dict[str, Any], named: str) -> None:
    given: dict[str, Any] = {"redis_url": "redis://127.0.0.1:1/0", "name": "acct"} | arguments
    with pytest.raises(ConfigurationError, match=named):
        shared_budget(**given)


def test_the_default_install_never_imports_redis() -> None:
    code = (
        "import sys, mettl_async; from mettl_async import CertiCheckClient; "
        "import mettl_async.redisstore, mettl_async.redisstore.testing; "
        "assert not [m for m in sys.modules if m == 'redis' or m.startswith('redis.')], 'redis imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# -- the Lua, against the in-process limiter, on one fake clock --------------------------------


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def redis_limiter(
    server: RedisServer, clock: FakeClock, rate: float | None, burst: int, **kw: Any
) -> RedisRateLimiter:
    return RedisRateLimiter(
        RedisLink.from_url(server.url), namespace(unique_name()), rate, burst, clock=clock, **kw
    )


async def test_lua_gcra_bursts_then_spaces_at_the_rate(redis_server: RedisServer) -> None:
    clock = FakeClock()
    limiter = redis_limiter(redis_server, clock, 4.0, 3)
    assert [(await limiter.reserve())[0] for _ in range(6)] == [0.0, 0.0, 0.0, 0.25, 0.5, 0.75]
    clock.now += 60.0  # idle: the burst is back, no more
    assert [(await limiter.reserve())[0] for _ in range(4)] == [0.0, 0.0, 0.0, 0.25]
    await limiter.link.close()


async def test_a_slot_slept_towards_stands_unless_a_429_came(redis_server: RedisServer) -> None:
    clock = FakeClock()
    limiter = redis_limiter(redis_server, clock, 2.0, 1)
    await limiter.reserve()
    wait, pauses = await limiter.reserve()
    assert (wait, pauses) == (0.5, 0)
    clock.now += 0.5
    assert await limiter.reserve(seen=pauses) == (0.0, 0)  # confirmed, no slot taken
    assert (await limiter.reserve())[0] == 0.5  # the next slot is 1.0 after the first
    await limiter.record_throttled(3.0)
    wait, pauses = await limiter.reserve(seen=0)  # slept under pause 0: queue again
    assert pauses == 1
    assert wait == pytest.approx(3.0)
    await limiter.link.close()


@pytest.mark.parametrize(
    ("rate", "burst", "ceiling"), [(4.0, 3, None), (None, 1, None), (None, 2, 6.0), (10.0, 1, 12.0)]
)
async def test_lua_follows_the_in_process_limiter_step_for_step(
    redis_server: RedisServer, rate: float | None, burst: int, ceiling: float | None
) -> None:
    """Random sequences of requests, 429s, clean answers and time; both limiters on one clock.
    Times are powers of two apart; the only difference is that Redis keeps six decimals."""
    for seed in range(4):
        rng = random.Random(seed)
        clock = FakeClock()
        local = RateLimiter(rate, burst, ceiling=ceiling, clock=clock)
        shared = redis_limiter(redis_server, clock, rate, burst, ceiling=ceiling)
        for step in range(150):
            action = rng.choice(["reserve"] * 4 + ["throttled", "succeeded", "time", "time"])
            if action == "reserve":
                wait, _ = await shared.reserve()
                assert wait == pytest.approx(local.reserve(clock.now), rel=1e-5, abs=1e-4), (seed, step)
            elif action == "throttled":
                retry_after = rng.choice([None, 0.5, 2.0])
                local.throttled(retry_after)
                assert await shared.record_throttled(retry_after) == pytest.approx(local.rate, abs=1e-4)
            elif action == "succeeded":
                local.succeeded()
                assert await shared.record_succeeded() == pytest.approx(local.rate, abs=1e-4)
            else:
                clock.now += rng.choice([0.0, 0.125, 0.25, 1.0, 2.5])
        assert shared.rate == pytest.approx(local.rate, abs=1e-4)
        await shared.link.close()


async def test_every_key_expires_and_no_name_is_stored_in_clear(
    redis_server: RedisServer, certicheck_sandbox: SandboxThread
) -> None:
    name = "sandbox-public-key"
    async with shared_budget(redis_server.url, name) as budget:
        client = certicheck_sandbox.client(limiter=budget.limiter, uniqueness=budget.uniqueness)
        await client.tests.list()
        budget.limiter.throttled(None)  # the unpaced state, a pause, a rate
        await budget.limiter.drain()
        await budget.uniqueness.nonce()
        await client.close()
        keys = [k.decode() for k in await budget.link.client.keys(namespace(name) + "*")]
        assert {k.split(":")[2] for k in keys} >= {"limiter", "sent", "peers", "claim", "nonce"}
        assert not [k for k in await budget.link.client.keys("*") if name.encode() in k]
        assert [k for k in keys if await budget.link.client.ttl(k) <= 0] == []


# -- real processes ------------------------------------------------------------------------------


class Worker:
    """A ``redis_worker.py`` process taking jobs."""

    def __init__(self, log: Path) -> None:
        self.log = log
        with log.open("w") as errors:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [sys.executable, str(WORKER)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )

    def ready(self) -> None:
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready", self.log.read_text()

    def send(self, job: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()

    def answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"the worker died: {self.log.read_text()}"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait(10)
        self.process.stdout.close()


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Worker]]:
    logs = tmp_path_factory.mktemp("workers")
    started = [Worker(logs / f"worker-{i}.log") for i in range(3)]
    try:
        for worker in started:
            worker.ready()
        yield started
    finally:
        for worker in started:
            worker.close()


def run_jobs(workers: Sequence[Worker], jobs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    chosen = workers[: len(jobs)]
    for worker, job in zip(chosen, jobs, strict=True):
        worker.send(job)
    return [worker.answer() for worker in chosen]


def next_second_start(margin: float = 0.4) -> float:
    """Just after the start of a second at least ``margin`` away: requests sent then share it."""
    return float(int(time.time() + margin) + 1) + 0.02


async def test_budget_is_held_across_processes(
    redis_server: RedisServer, workers: list[Worker], certicheck_sandbox_factory: StartSandbox
) -> None:
    rate, per_worker = 20.0, 20
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=10, rate=rate))
    job = {"kind": "pages", "base_url": sandbox.base_url, "redis_url": redis_server.url, "rate": rate}
    job |= {"name": unique_name(), "at": time.time() + 0.3, "concurrency": 4}
    answers = run_jobs(
        workers, [job | {"sizes": [i * 100 + k for k in range(1, per_worker + 1)]} for i in range(3)]
    )
    assert [a.get("error") for a in answers] == [None] * 3
    times = sorted(t for a in answers for t in a["times"])
    assert len(times) == 3 * per_worker
    aggregate = (len(times) - 1) / (times[-1] - times[0])
    assert 0.93 * rate <= aggregate <= 1.03 * rate
    # No second held more than the rate (one request of jitter allowed).
    assert max(sum(1 for u in times if t <= u < t + 1.0) for t in times) <= rate + 1
    assert [r for r in sandbox.sandbox.requests if r.error_code] == []
    assert sum(a["rate_limited"] for a in answers) == 0


async def test_a_429_in_one_process_pauses_the_others(
    redis_server: RedisServer, workers: list[Worker], certicheck_sandbox_factory: StartSandbox
) -> None:
    refusing = certicheck_sandbox_factory(
        SandboxConfig(faults=FaultConfig(rate=1.0, kinds="429", retry_after=2.0))
    )
    fine = certicheck_sandbox_factory(SandboxConfig(applicants=10))
    name = unique_name()
    async with shared_budget(redis_server.url, name) as budget:
        client = refusing.client(
            limiter=budget.limiter, uniqueness=budget.uniqueness, retry=RetryPolicy.never()
        )
        with pytest.raises(RateLimitedError):
            await client.tests.list()
        await budget.limiter.drain()
        told_at = time.time()
        await client.close()
        [answer] = run_jobs(
            workers,
            [
                {
                    "kind": "pages",
                    "base_url": fine.base_url,
                    "redis_url": redis_server.url,
                    "name": name,
                    "sizes": [5],
                }
            ],
        )
    assert answer.get("error") is None
    assert 1.8 <= answer["times"][0] - told_at <= 3.5  # held for the other process's Retry-After


def same_request_everywhere(
    workers: Sequence[Worker], sandbox: SandboxThread, redis_url: str | None
) -> list[dict[str, Any]]:
    job = {"kind": "same", "base_url": sandbox.base_url, "redis_url": redis_url, "name": unique_name()}
    return run_jobs(workers, [job | {"at": next_second_start()}] * len(workers))


async def test_identical_requests_in_one_second_never_sign_alike(
    redis_server: RedisServer, workers: list[Worker], certicheck_sandbox: SandboxThread
) -> None:
    answers = same_request_everywhere(workers, certicheck_sandbox, redis_server.url)
    assert [a.get("error") for a in answers] == [None] * 3
    seen = certicheck_sandbox.sandbox.requests
    assert [r.error_code for r in seen] == [None] * 3
    assert len({r.params["ts"] for r in seen}) == 3  # one process per second


async def test_without_the_shared_store_processes_do_sign_alike(
    workers: list[Worker], certicheck_sandbox: SandboxThread
) -> None:
    """The control: each process's own store lets them collide (and retry, re-signed)."""
    answers = same_request_everywhere(workers, certicheck_sandbox, None)
    assert [a.get("error") for a in answers] == [None] * 3
    refused = [r for r in certicheck_sandbox.sandbox.requests if r.error_code == "E401"]
    assert refused


async def test_nonces_are_unique_across_processes(redis_server: RedisServer, workers: list[Worker]) -> None:
    job = {"kind": "nonces", "base_url": "http://127.0.0.1:1", "redis_url": redis_server.url}
    answers = run_jobs(workers, [job | {"name": "shared-nonces", "count": 2500}] * 3)
    nonces = [n for a in answers for n in a["nonces"]]
    assert len(set(nonces)) == len(nonces) == 7500
    assert all(isinstance(n, int) and 0 < n < 2**63 for n in nonces)


async def test_a_forked_child_never_hands_out_its_parents_nonces(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with shared_budget(redis_server.url, unique_name()) as budget:
        parent = [await budget.uniqueness.nonce() for _ in range(3)]
        assert parent == [parent[0], parent[0] + 1, parent[0] + 2]  # from one block
        monkeypatch.setattr(uniqueness_module.os, "getpid", lambda: -1)  # as if forked
        child = await budget.uniqueness.nonce()
        assert child >= parent[0] + budget.uniqueness.block  # a block of its own


# -- when Redis goes away ------------------------------------------------------------------------


async def test_falls_back_when_redis_dies_mid_run_and_comes_back(
    redis_server: RedisServer,
    tmp_path: Path,
    certicheck_sandbox_factory: StartSandbox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="mettl_async.redisstore")
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=10))
    server = RedisServer(tmp_path / "first")
    server.start()
    async with shared_budget(server.url, unique_name(), rate=100.0, retry_every=0.2) as budget:
        client = sandbox.client(limiter=budget.limiter, uniqueness=budget.uniqueness)
        for size in range(1, 11):
            await client.tests.list(page_size=size)
        assert budget.link.up
        server.stop()
        started = time.monotonic()
        for size in range(11, 41):
            await client.tests.list(page_size=size)
        assert not budget.link.up
        assert time.monotonic() - started < 5.0  # no call waited on a dead Redis
        assert len(warnings_of(caplog)) == 1
        assert "falls back" in warnings_of(caplog)[0]
        assert budget.limiter.rate == 100.0  # this process's share (it was alone)

        again = RedisServer(tmp_path / "second", port=server.port)
        again.start()
        try:
            await asyncio.sleep(0.25)
            for size in range(41, 46):
                await client.tests.list(page_size=size)
            assert budget.link.up
            assert len(warnings_of(caplog)) == 2
            assert "again" in warnings_of(caplog)[1]
        finally:
            await client.close()
            again.stop()
    assert [r for r in sandbox.sandbox.requests if r.error_code] == []


async def test_unreachable_at_start_works_in_process_with_one_warning(
    certicheck_sandbox: SandboxThread, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="mettl_async.redisstore")
    async with shared_budget(
        f"redis://:hunter2@127.0.0.1:{free_port()}/0", unique_name(), rate=50.0
    ) as budget:
        client = certicheck_sandbox.client(limiter=budget.limiter, uniqueness=budget.uniqueness)
        for size in range(1, 6):
            await client.tests.list(page_size=size)
        assert 0 < await budget.uniqueness.nonce() < 2**63
        await client.close()
    [warning] = warnings_of(caplog)
    assert "hunter2" not in warning
    assert budget.limiter.rate == 50.0


async def test_a_429_that_cannot_reach_redis_holds_this_process(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    server = RedisServer(tmp_path / "redis")
    server.start()
    async with shared_budget(server.url, unique_name()) as budget:
        await budget.limiter.acquire()
        server.stop()
        budget.limiter.throttled(0.5)  # scheduled while the link still looks up
        await budget.limiter.drain()
        assert not budget.link.up
        started = time.monotonic()
        await budget.limiter.acquire()
        assert time.monotonic() - started >= 0.4


async def test_redis_errors_never_leave_the_library(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A key of the wrong type (another program's) makes Redis refuse: that falls back too."""
    caplog.set_level(logging.WARNING, logger="mettl_async.redisstore")
    name = unique_name()
    async with shared_budget(redis_server.url, name) as budget:
        await budget.link.client.set(namespace(name) + ":limiter", "not a hash")
        await budget.limiter.acquire()
        budget.limiter.throttled(None)
        budget.limiter.succeeded()
        await budget.limiter.drain()
    assert len(warnings_of(caplog)) == 1
    assert "ResponseError" in warnings_of(caplog)[0]
