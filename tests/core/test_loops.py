"""An async client outlives event loops: module-level clients across ``asyncio.run`` calls,
loops stopped and resumed, loops in other threads; the rate limiter carried to a new clock."""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import threading
import time
from collections.abc import Callable

import aiohttp
import pytest

from mettl_async import ConfigurationError
from mettl_async.core.ratelimit import RateLimiter
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import SandboxConfig

StartSandbox = Callable[..., SandboxThread]


@pytest.fixture
def sandbox(certicheck_sandbox_factory: StartSandbox) -> SandboxThread:
    return certicheck_sandbox_factory(SandboxConfig(applicants=40))


def test_a_module_level_client_across_asyncio_run_calls(sandbox: SandboxThread) -> None:
    client = sandbox.client()
    seen: list[aiohttp.ClientSession] = []

    async def use() -> int:
        # a page size of its own: answers shared within a second would spare the second run's requests
        results = [r async for r in client.results.all(page_size=10 + len(seen))]
        http = client.session.http
        assert http is not None
        seen.append(http)
        return len(results)

    assert asyncio.run(use()) == 40
    assert seen[0].closed  # closed as its loop shut down, in that loop
    assert asyncio.run(use()) == 40  # a new loop: new connections, no "Event loop is closed"
    assert seen[1] is not seen[0]
    assert seen[1].closed
    assert client.stats.requests + client.stats.coalesced >= 10  # both runs counted by the client
    gc.collect()  # nothing left to warn about (ResourceWarning is an error in this suite)


def test_the_client_keeps_working_after_close_in_a_new_loop(sandbox: SandboxThread) -> None:
    client = sandbox.client()

    async def use_and_close() -> int:
        async with client:
            return len(await client.timezones.list())

    assert asyncio.run(use_and_close()) == asyncio.run(use_and_close()) == 9


def test_a_loop_stopped_and_resumed(sandbox: SandboxThread) -> None:
    client = sandbox.client()
    first = asyncio.new_event_loop()
    try:
        assert first.run_until_complete(client.timezones.list())
        old = client.session.http
        assert asyncio.run(client.timezones.list())  # another loop meanwhile
        assert old is not None
        assert not old.closed  # its loop may run again: closed there, when it shuts down
        assert first.run_until_complete(client.timezones.list())
        assert client.session.http is old  # back in its loop: the same connections
        first.run_until_complete(first.shutdown_asyncgens())
        assert old.closed
        assert client.session._loops.retired == []
    finally:
        first.close()
    gc.collect()


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_loop_closed_without_shutting_down_its_generators(
    sandbox: SandboxThread, caplog: pytest.LogCaptureFixture
) -> None:
    client = sandbox.client()
    loop = asyncio.new_event_loop()
    loop.run_until_complete(client.timezones.list())
    loop.close()  # no shutdown_asyncgens(): its connections cannot be closed any more
    with caplog.at_level(logging.WARNING, logger="mettl_async.session"):
        assert asyncio.run(client.timezones.list())  # the client still works
    assert "shutdown_asyncgens" in caplog.text
    gc.collect()


def test_a_loop_running_in_another_thread_is_not_shared(sandbox: SandboxThread) -> None:
    client = sandbox.client()
    ready, release = threading.Event(), threading.Event()

    async def hold() -> None:
        await client.timezones.list()
        ready.set()
        await asyncio.to_thread(release.wait, 10)

    holder = threading.Thread(target=asyncio.run, args=(hold(),))
    holder.start()
    assert ready.wait(10)
    try:
        with pytest.raises(ConfigurationError, match=r"its own client"):
            asyncio.run(client.timezones.list())
        # closing from here closes the connections in the loop they belong to
        http = client.session.http
        asyncio.run(client.close())
        assert http is not None
        assert http.closed
    finally:
        release.set()
        holder.join(10)


async def test_a_borrowed_http_session_stays_in_its_loop(sandbox: SandboxThread) -> None:
    async with aiohttp.ClientSession() as http:
        client = sandbox.client(http=http)
        assert await client.timezones.list()

        def elsewhere() -> None:
            asyncio.run(client.timezones.list())

        holder: list[BaseException] = []

        def run() -> None:
            try:
                elsewhere()
            except BaseException as error:
                holder.append(error)

        thread = threading.Thread(target=run)
        thread.start()
        await asyncio.to_thread(thread.join, 10)
        assert len(holder) == 1
        assert isinstance(holder[0], ConfigurationError)


# -- the rate limiter on a new clock ------------------------------------------------------------


def test_shift_moves_every_time_the_limiter_holds() -> None:
    now = [100.0]
    limiter = RateLimiter(2.0, 1, clock=lambda: now[0])
    limiter.reserve(100.0)
    limiter.throttled(5.0)
    limiter.succeeded()
    held = [limiter._tat, limiter.paused_until, limiter._calm_after, limiter._calm_since, *limiter._sent]
    limiter.shift(1000.0)
    shifted = [limiter._tat, limiter.paused_until, limiter._calm_after, limiter._calm_since, *limiter._sent]
    assert shifted == [t + 1000 for t in held if t is not None]
    paused = held[1]
    assert paused is not None
    assert limiter.reserve(1100.0) == pytest.approx(paused - 100.0)  # the pause, on the new clock


class FarClockLoop(asyncio.SelectorEventLoop):
    """A loop whose clock starts elsewhere (as a virtual-time loop's may)."""

    def time(self) -> float:
        return super().time() + 10_000.0


def test_the_pace_carries_over_to_a_loop_with_another_clock() -> None:
    limiter = RateLimiter(1.0, 1)

    async def take() -> float:
        now = limiter._now()
        return limiter.reserve(now)

    assert asyncio.run(take()) == 0.0  # the next slot is a second from now
    far = FarClockLoop()
    try:
        started = time.monotonic()
        wait = far.run_until_complete(take())
        elapsed = time.monotonic() - started
    finally:
        far.close()
    assert 1.0 - elapsed - 0.1 < wait <= 1.0  # not 0 (the old clock far behind), not 10,000 s
    assert not math.isinf(wait)
