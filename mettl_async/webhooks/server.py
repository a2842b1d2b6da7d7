"""Webhooks over aiohttp: a handler for your own app, and the server ``mettl-async webhooks serve`` runs.

Each source is served at ``/{name}`` (``/mettl``, ``/itep``), and for each account
the receiver serves at ``/{name}/{account}``; the shared secret travels in the URL
the user registers with the platform (``/mettl/acme?token=T``). The server lands
every event in the same outputs as a harvest, under its account, upserted on the
kind's natural key, so pushed and pulled results end in one table
(:class:`~mettl_async.webhooks.landing.Landing`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import StreamReader, web

from ..core.redaction import redact
from .receiver import (
    MAX_BODY,
    Callback,
    RecentKeys,
    WebhookRejected,
    WebhookSource,
    admit,
    receive,
    request_token,
    too_large,
)


async def read_body(content: StreamReader, max_body: int) -> bytes:
    """The body as it streams in, refused (:class:`WebhookRejected`, 413) as soon as it passes
    ``max_body`` bytes: never read whole when too large."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in content.iter_any():
        size += len(chunk)
        refused = too_large(size, max_body)
        if refused is not None:
            raise refused
        chunks.append(chunk)
    return b"".join(chunks)


def refusal(status: int, text: str) -> web.Response:
    """An answer given before the body was read: the connection is not kept for another request."""
    response = web.Response(status=status, text=text)
    response.force_close()
    return response


def aiohttp_handler(
    source: WebhookSource,
    callback: Callback,
    *,
    token: str | None,
    recent: RecentKeys | None = None,
    max_body: int = MAX_BODY,
    account: str | None = None,
) -> Any:
    """An aiohttp handler for ``source``: mount it at any path of your own application.

    ``token=None`` accepts deliveries without a shared secret (say so explicitly). The token
    and the declared length are checked before the body is read, and the body is read up to
    ``max_body`` bytes at most (413 beyond). Deliveries go to the callback with ``account``.
    """
    seen = recent if recent is not None else RecentKeys()

    async def handle(request: web.Request) -> web.Response:
        if request.method != "POST":
            return web.Response(status=405, text="POST only", headers={"Allow": "POST"})
        given = request_token(request.query)
        refused = admit(given, token, request.content_length, max_body)
        if refused is not None:
            return refusal(*refused)
        try:
            body = await read_body(request.content, max_body)
        except WebhookRejected as rejected:
            return refusal(rejected.status, rejected.reason)
        status, text = await receive(
            source,
            body,
            request.content_type,
            callback,
            token=given,
            expected_token=token,
            recent=seen,
            max_body=max_body,
            account=account,
        )
        return web.Response(status=status, text=text)

    return handle


#: One line per delivery ``mettl-async webhooks serve`` answers (its operator's record).
delivery_log = logging.getLogger(__name__ + ".deliveries")


def logged(handler: Callable[[web.Request], Awaitable[web.Response]]) -> Any:
    """``handler`` with a line per answer: accepted at INFO, refused at WARNING (a wrong token,
    a malformed body: the operator of a server that runs for days needs to see those), never the
    URL's query, where the token travels."""

    async def handle(request: web.Request) -> web.Response:
        response = await handler(request)
        level = logging.INFO if response.status < 400 else logging.WARNING
        delivery_log.log(
            level,
            "%s %s %d %s (from %s)",
            request.method,
            request.path,
            response.status,
            redact(response.text or ""),
            request.remote,
        )
        return response

    return handle


def application(
    sources: Sequence[WebhookSource],
    callback: Callback,
    *,
    token: str | None,
    max_body: int = MAX_BODY,
    accounts: Sequence[str] = (),
    recent: RecentKeys | None = None,
) -> web.Application:
    """An app serving every source at ``/{name}`` (deliveries for the first of ``accounts``, or
    for none named) and at ``/{name}/{account}`` for each account, with one shared record of
    recent deliveries (``recent``: one of your own, such as one shared through Redis), logging
    every answer (:func:`logged`)."""
    app = web.Application()
    recent = recent if recent is not None else RecentKeys()
    paths = {"": accounts[0] if accounts else None} | {f"/{a}": a for a in accounts}
    for source in sources:
        for path, account in paths.items():
            handler = aiohttp_handler(
                source, callback, token=token, recent=recent, max_body=max_body, account=account
            )
            app.router.add_route("*", f"/{source.name}{path}", logged(handler))
    return app
