"""The shared webhook receiver: token, parsing, callback before 2xx, redeliveries, over loopback."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from click.testing import CliRunner
from multidict import MultiDict, MultiDictProxy

from mettl_async.cli import main
from mettl_async.webhooks import (
    Delivery,
    RecentKeys,
    WebhookRejected,
    WebhookSource,
    receive,
    request_token,
    token_matches,
)
from mettl_async.webhooks.server import aiohttp_handler


def parse(body: bytes, content_type: str) -> Delivery:
    """A toy platform: a JSON object with an "id"."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise WebhookRejected(400, "body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise WebhookRejected(400, "id: must be an integer")
    return Delivery("toy", data, data, key=data["id"])


TOY = WebhookSource("toy", parse)


def test_tokens_compare_exactly() -> None:
    assert token_matches(None, None)
    assert token_matches("anything", None)
    assert token_matches("s3cret", "s3cret")
    assert not token_matches("s3cret ", "s3cret")
    assert not token_matches(None, "s3cret")


async def test_the_callback_runs_before_the_2xx_and_redeliveries_are_acknowledged() -> None:
    got: list[Any] = []
    recent = RecentKeys()
    answer = await receive(
        TOY, b'{"id": 1}', "application/json", got.append, expected_token="t", token="t", recent=recent
    )
    assert answer == (200, "received")
    assert await receive(
        TOY, b'{"id": 1}', "application/json", got.append, expected_token="t", token="t", recent=recent
    ) == (
        200,
        "already received",
    )
    assert [d.key for d in got] == [1]


@pytest.mark.parametrize(
    ("body", "token", "status"),
    [
        (b'{"id": 2}', "wrong", 401),
        (b'{"id": 2}', None, 401),
        (b"not json", "t", 400),
        (b'{"id": "x"}', "t", 400),
    ],
)
async def test_bad_input_gets_4xx_and_never_reaches_the_callback(
    body: bytes, token: str | None, status: int
) -> None:
    got: list[Any] = []
    answer = await receive(TOY, body, "application/json", got.append, token=token, expected_token="t")
    assert answer[0] == status
    assert got == []


async def test_a_failing_callback_is_a_5xx_and_the_redelivery_is_processed() -> None:
    calls: list[int] = []
    recent = RecentKeys()

    async def flaky(delivery: Delivery) -> None:
        calls.append(delivery.key)
        if len(calls) == 1:
            raise RuntimeError("database down")

    assert (await receive(TOY, b'{"id": 3}', "", flaky, recent=recent))[0] == 500
    assert (await receive(TOY, b'{"id": 3}', "", flaky, recent=recent))[0] == 200
    assert calls == [3, 3]


def test_recent_keys_are_bounded() -> None:
    recent = RecentKeys(size=3)
    for key in range(10):
        recent.add(key)
    assert 9 in recent
    assert 0 not in recent


@pytest.fixture
async def served() -> AsyncIterator[tuple[str, list[Delivery]]]:
    got: list[Delivery] = []
    app = web.Application()
    app.router.add_route("*", "/hooks/toy", aiohttp_handler(TOY, got.append, token="s3cret"))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/hooks/toy", got
    await runner.cleanup()


async def test_the_aiohttp_handler_over_loopback(served: tuple[str, list[Delivery]]) -> None:
    url, got = served
    async with aiohttp.ClientSession() as http:
        async with http.post(url + "?token=s3cret", data=b'{"id": 5}') as response:
            assert response.status == 200
        async with http.post(url + "?token=nope", data=b'{"id": 6}') as response:
            assert response.status == 401
        async with http.post(url + "?token=s3cret", data=b"{") as response:
            assert response.status == 400
        async with http.get(url + "?token=s3cret") as response:
            assert response.status == 405
        async with http.post(url + "?token=s3cret", data=io.BytesIO(b"x" * (2 * 1024 * 1024))) as response:
            assert response.status == 413
    assert [d.key for d in got] == [5]


def test_serve_refuses_to_start_without_a_token(tmp_path: Any) -> None:
    result = CliRunner().invoke(main, ["webhooks", "serve", "--out", str(tmp_path / "e.sqlite")], env={})
    assert result.exit_code == 2
    assert "--token" in result.output
    assert "METTL_WEBHOOK_TOKEN" in result.output


# -- the token, once -----------------------------------------------------------------------------------


def test_a_repeated_token_is_no_token() -> None:
    def query(*pairs: tuple[str, str]) -> MultiDictProxy[str]:
        return MultiDictProxy(MultiDict(pairs))

    assert request_token(query(("token", "T"))) == "T"
    assert request_token(query(("token", "T"), ("token", "wrong"))) is None
    assert request_token(query(("token", "T"), ("token", "T"))) is None
    assert request_token(query(("other", "x"))) is None
    assert request_token({"token": "T"}) == "T"


async def test_a_repeated_token_is_refused_over_loopback(served: tuple[str, list[Delivery]]) -> None:
    url, got = served
    async with aiohttp.ClientSession() as http:
        for query in ("?token=s3cret&token=wrong", "?token=wrong&token=s3cret", "?token=s3cret&token=s3cret"):
            async with http.post(url + query, data=b'{"id": 7}') as response:
                assert response.status == 401, query
    assert got == []


# -- copies of one delivery at once --------------------------------------------------------------------


async def concurrent_copies(
    callback: Callable[[Delivery], Awaitable[None]], started: asyncio.Event, release: asyncio.Event
) -> list[tuple[int, str]]:
    """50 copies of one delivery received at once; the callback is held until all have arrived."""
    recent = RecentKeys()
    copies = [
        asyncio.create_task(receive(TOY, b'{"id": 9}', "application/json", callback, recent=recent))
        for _ in range(50)
    ]
    await started.wait()
    for _ in range(20):  # every other copy reaches the receiver while the first is running
        await asyncio.sleep(0)
    assert not any(copy.done() for copy in copies)
    release.set()
    return list(await asyncio.gather(*copies))


async def test_concurrent_copies_of_a_delivery_run_the_callback_once() -> None:
    calls: list[int] = []
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(delivery: Delivery) -> None:
        calls.append(delivery.key)
        started.set()
        await release.wait()

    answers = await concurrent_copies(slow, started, release)
    assert calls == [9]
    assert sorted(answers) == [(200, "already received")] * 49 + [(200, "received")]


async def test_when_the_first_copy_fails_one_other_copy_runs_it() -> None:
    calls: list[int] = []
    started, release = asyncio.Event(), asyncio.Event()

    async def fails_once(delivery: Delivery) -> None:
        calls.append(delivery.key)
        started.set()
        await release.wait()
        if len(calls) == 1:
            raise RuntimeError("database down")

    answers = await concurrent_copies(fails_once, started, release)
    assert calls == [9, 9]
    assert sorted(answers) == [
        *[(200, "already received")] * 48,
        (200, "received"),
        (500, "not processed; deliver again later"),
    ]


async def test_concurrent_copies_over_loopback_run_the_callback_once() -> None:
    calls: list[int] = []
    arrived = 0
    everyone = asyncio.Event()

    @web.middleware
    async def count(request: web.Request, handler: Any) -> web.StreamResponse:
        nonlocal arrived
        arrived += 1
        if arrived == 50:
            everyone.set()
        return await handler(request)

    async def slow(delivery: Delivery) -> None:
        calls.append(delivery.key)
        await everyone.wait()
        for _ in range(50):  # the other copies read their bodies and reach the receiver
            await asyncio.sleep(0)

    app = web.Application(middlewares=[count])
    app.router.add_route("*", "/toy", aiohttp_handler(TOY, slow, token="s3cret"))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/toy?token=s3cret"
    try:
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as http:

            async def post() -> int:
                async with http.post(url, data=b'{"id": 11}') as response:
                    return response.status

            statuses = await asyncio.gather(*(post() for _ in range(50)))
    finally:
        await runner.cleanup()
    assert statuses == [200] * 50
    assert calls == [11]


# -- bodies: the token first, then at most max_body bytes ----------------------------------------------


@pytest.fixture
async def capped() -> AsyncIterator[tuple[int, list[Delivery]]]:
    """The toy source at /toy (token "s3cret", bodies up to 64 KiB); its port."""
    got: list[Delivery] = []
    app = web.Application()
    app.router.add_route("*", "/toy", aiohttp_handler(TOY, got.append, token="s3cret", max_body=65536))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield runner.addresses[0][1], got
    await runner.cleanup()


async def answer_to(port: int, head: str, body: bytes = b"") -> tuple[int, asyncio.StreamWriter]:
    """The status the server answers ``head`` (and ``body``) with, while the body is still unfinished
    (nothing more is sent); the connection, to close."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head.encode() + b"\r\n\r\n" + body)
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), timeout=10)
    return int(status.split()[1]), writer


@pytest.mark.parametrize("query", ["", "?token=wrong", "?token=s3cret&token=wrong"])
async def test_an_unauthenticated_request_is_refused_before_its_body_is_read(
    capped: tuple[int, list[Delivery]], query: str
) -> None:
    port, got = capped
    head = f"POST /toy{query} HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000"
    status, writer = await answer_to(port, head, b"x" * 1000)  # 4,999,000 bytes never sent
    writer.close()
    assert status == 401
    assert got == []


async def test_a_declared_length_over_the_maximum_is_413_before_the_body_is_read(
    capped: tuple[int, list[Delivery]],
) -> None:
    port, got = capped
    status, writer = await answer_to(
        port, "POST /toy?token=s3cret HTTP/1.1\r\nHost: x\r\nContent-Length: 65537"
    )
    writer.close()
    assert status == 413
    assert got == []


async def test_a_streamed_body_is_413_once_it_passes_the_maximum_without_being_read_whole(
    capped: tuple[int, list[Delivery]],
) -> None:
    port, got = capped
    head = "POST /toy?token=s3cret HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
    chunk = b"x" * 40000
    chunks = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 2  # 80,000 bytes, and the body goes on
    status, writer = await answer_to(port, head, chunks)
    writer.close()
    assert status == 413
    assert got == []


async def test_a_body_within_the_maximum_is_received(capped: tuple[int, list[Delivery]]) -> None:
    port, got = capped
    async with aiohttp.ClientSession() as http:
        data = b'{"id": 12, "pad": "' + b"x" * 60000 + b'"}'
        async with http.post(f"http://127.0.0.1:{port}/toy?token=s3cret", data=data) as response:
            assert response.status == 200
    assert [d.key for d in got] == [12]


async def test_receive_refuses_a_body_over_its_maximum() -> None:
    got: list[Delivery] = []
    answer = await receive(TOY, b'{"id": 13}', "", got.append, max_body=5)
    assert answer == (413, "body over 5 bytes")
    assert got == []
