"""The shared budget through a real redis-server: settings, the Lua limiter against the
in-process one, what is kept in Redis, and the fallback when Redis goes away. Real processes
sharing a budget are in ``test_redis_processes.py``."""

from __future__ import annotations

import asyncio
import logging
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mettl_async import ConfigurationError
from mettl_async.core.ratelimit import RateLimiter
from mettl_async.redisstore import BudgetRegistry, RedisLink, RedisRateLimiter, shared_budget
from mettl_async.redisstore import uniqueness as uniqueness_module
from mettl_async.redisstore.link import namespace, shown_url
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.redisserver import RedisServer

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
        "import mettl_async.redisstore; "
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
    certicheck_sandbox: SandboxThread, caplog: pytest.LogCaptureFixture, closed_port: int
) -> None:
    caplog.set_level(logging.WARNING, logger="mettl_async.redisstore")
    async with shared_budget(
        f"redis://:hunter2@127.0.0.1:{closed_port}/0", unique_name(), rate=50.0
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
    # A registry of its own: the process's (shared_budget's) would stay down for other tests
    # of this worker that use the same server.
    async with BudgetRegistry(redis_server.url) as registry, registry.budget(name) as budget:
        await budget.link.client.set(namespace(name) + ":limiter", "not a hash")
        await budget.limiter.acquire()
        budget.limiter.throttled(None)
        budget.limiter.succeeded()
        await budget.limiter.drain()
    assert len(warnings_of(caplog)) == 1
    assert "ResponseError" in warnings_of(caplog)[0]
