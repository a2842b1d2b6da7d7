"""The shared webhook receiver: token, parsing, callback before 2xx, redeliveries, over loopback."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from click.testing import CliRunner

from mettl_async.cli import main
from mettl_async.webhooks import Delivery, RecentKeys, WebhookRejected, WebhookSource, receive, token_matches
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
