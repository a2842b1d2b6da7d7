"""Fulfillment is never repeated once it may have reached iTEP; only a connection never made or a 429 is.

Each test counts what the sandbox saw and what its inventory lost: a repeat
would show as a second request and a second consumed test ID.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mettl_async import ClientOptions
from mettl_async.core.errors import ConnectError, ConnectionLostError, RequestTimeoutError, ServerError
from mettl_async.core.retry import RetryPolicy
from mettl_async.itep.client import ItepClient
from mettl_async.testing import Fault, FaultConfig, SandboxServer
from mettl_async.testing.itep import FULFILLMENT_PATH, ItepSandbox, SandboxConfig
from tests.support.redisserver import free_port

#: Generous: every failure a retry could cure would be retried, quickly.
EAGER = RetryPolicy(attempts=6, max_elapsed=20.0, backoff_initial=0.05, backoff_max=0.2, jitter=0.01)


def check_itep_said(error: BaseException) -> None:
    text = str(error)
    assert "may have consumed a test ID" in text
    assert "not repeated" in text
    assert "check the test IDs assigned in iTEP" in text


async def test_a_connection_dropped_after_acting_consumes_one_id_and_is_not_repeated(
    itep_sandbox_factory: Any,
) -> None:
    sandbox = itep_sandbox_factory(SandboxConfig(drop_after_acting=1))
    platform = sandbox.get(ItepSandbox)
    before = len(platform.inventory.available("Academic-Plus"))
    async with sandbox.client(retry=EAGER) as itep:
        with pytest.raises(ConnectionLostError) as caught:
            await itep.fulfill("GTX-Academic-Plus", assigned_to={"name": "Mary Poppins"})
        assert itep.stats.requests == 1
        assert itep.stats.retries == 0
        check_itep_said(caught.value)
        consumed = platform.inventory.fulfilled()
        assert len(consumed) == 1
        assert consumed[0].assigned_to == {"name": "Mary Poppins"}
        assert len(platform.requests) == 1
        assert len(platform.inventory.available("Academic-Plus")) == before - 1
        # The caller checks iTEP, finds the lost ID, and may then ask again: a different one comes.
        again = await itep.fulfill("GTX-Academic-Plus")
    assert again.test_id != consumed[0].test_id
    assert platform.config.api_key not in str(caught.value)


async def test_a_timeout_is_not_repeated_and_the_server_still_consumes_the_id(
    itep_sandbox_factory: Any,
) -> None:
    faults = FaultConfig(rate=1.0, kinds=(Fault.SLOW,), slow_seconds=0.8)
    sandbox = itep_sandbox_factory(SandboxConfig(faults=faults))
    platform = sandbox.get(ItepSandbox)
    async with sandbox.client(retry=EAGER, timeout=0.2) as itep:
        with pytest.raises(RequestTimeoutError) as caught:
            await itep.fulfill("GTX-Business")
        assert itep.stats.requests == 1
    check_itep_said(caught.value)
    for _ in range(50):  # the server finishes what the client gave up on
        if platform.inventory.fulfilled():
            break
        await asyncio.sleep(0.05)
    assert len(platform.inventory.fulfilled()) == 1
    assert len(platform.requests) == 1


async def test_a_5xx_is_not_repeated(itep_sandbox_factory: Any) -> None:
    sandbox = itep_sandbox_factory(SandboxConfig(faults=FaultConfig(rate=1.0, kinds=(Fault.HTML_5XX,))))
    async with sandbox.client(retry=EAGER) as itep:
        with pytest.raises(ServerError) as caught:
            await itep.fulfill("GTX-Business")
        assert itep.stats.requests == 1
    check_itep_said(caught.value)
    assert not caught.value.retryable


async def test_a_429_is_retried_and_consumes_one_id(itep_sandbox_factory: Any) -> None:
    # One request per second: the second call meets a 429 (before the server acts) and waits.
    sandbox = itep_sandbox_factory(SandboxConfig(rate=1.0, burst=1))
    platform = sandbox.get(ItepSandbox)
    async with sandbox.client(retry=EAGER) as itep:
        first = await itep.fulfill("GTX-Business")
        second = await itep.fulfill("GTX-Business")
        assert itep.stats.rate_limited == 1
    assert first.test_id != second.test_id
    assert len(platform.requests) == 3
    assert [r.error_code for r in platform.requests] == [None, "429", None]
    assert len(platform.inventory.fulfilled()) == 2


async def test_a_connection_never_made_is_retried_until_the_server_answers() -> None:
    port = free_port()
    platform = ItepSandbox()
    url = f"http://127.0.0.1:{port}/itep{FULFILLMENT_PATH}"
    server = SandboxServer(platform, port=port)

    async def start_late() -> None:
        await asyncio.sleep(0.4)
        await server.start()

    starting = asyncio.create_task(start_late())
    try:
        async with ItepClient(
            platform.config.api_key, url=url, environ={}, options=ClientOptions(retry=EAGER)
        ) as itep:
            issued = await itep.fulfill("GTX-Business")
            assert itep.stats.retries >= 1
        await starting
        assert [t.test_id for t in platform.inventory.fulfilled()] == [issued.test_id]
        assert len(platform.requests) == 1
    finally:
        await server.stop()


async def test_a_closed_port_is_retried_then_reported_as_never_sent(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/itep{FULFILLMENT_PATH}"
    policy = RetryPolicy(attempts=3, backoff_initial=0.01, backoff_max=0.02, jitter=0.0)
    async with ItepClient("k" * 20, url=url, environ={}, options=ClientOptions(retry=policy)) as itep:
        with pytest.raises(ConnectError) as caught:
            await itep.fulfill("GTX-Business")
        assert itep.stats.requests == 3
        assert itep.stats.retries == 2
    assert not caught.value.request_sent
    assert "may have consumed" not in str(caught.value)
