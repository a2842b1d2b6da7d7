"""``timeout=`` takes a number or a ``Timeout``, and each bound of a ``Timeout`` applies by
itself: ``connect`` to a server that never finishes the handshake, ``read`` to one that stops
sending its answer half-way (with no ``total``, nothing else could end either request)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web

from mettl_async import CertiCheckClient, ClientOptions, ConnectError, RequestTimeoutError, RetryPolicy
from mettl_async.core.options import Timeout
from tests.support.loopback import serving

ONCE = RetryPolicy.never()


def client(base_url: str, timeout: Timeout | float) -> CertiCheckClient:
    return CertiCheckClient(
        "pk", "sk", "acme", base_url=base_url, options=ClientOptions(timeout=timeout, retry=ONCE)
    )


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port whose connections the kernel accepts and nothing ever answers (not even TLS)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


async def test_the_connect_bound_ends_a_handshake_that_never_comes(silent_listener: int) -> None:
    async with client(
        f"https://127.0.0.1:{silent_listener}/api/v2", Timeout(total=None, connect=0.2)
    ) as mettl:
        with pytest.raises(ConnectError) as caught:  # never reached: safe to repeat
            await mettl.tests.list()
    assert caught.value.request_sent is False


@pytest.fixture
async def stalling() -> AsyncIterator[str]:
    """A server that sends its headers and part of the body, then nothing for a minute."""
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        await response.write(b'{"tests": [')
        await asyncio.wait_for(release.wait(), 60)
        return response

    async with serving(stall) as url:
        yield url + "/api/v2"
        release.set()


async def test_the_read_bound_ends_an_answer_that_stops_coming(stalling: str) -> None:
    async with client(stalling, Timeout(total=None, read=0.2)) as mettl:
        with pytest.raises(RequestTimeoutError):
            await mettl.tests.list()


async def test_a_number_is_the_total_bound(stalling: str) -> None:
    async with client(stalling, 0.2) as mettl:
        assert mettl.with_options().options.timeout == Timeout(total=0.2)  # type: ignore[attr-defined]
        with pytest.raises(RequestTimeoutError):
            await mettl.tests.list()
