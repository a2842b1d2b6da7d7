"""Webhooks over aiohttp: a handler for your own app, and the server ``mettl-async webhooks serve`` runs.

Each source is served at ``/{name}`` (``/mettl``, ``/itep``); the shared secret
travels in the URL the user registers with the platform (``/mettl?token=T``).
The server lands every event in the same outputs as a harvest, upserted on the
kind's natural key, so pushed and pulled results end in one table.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from ..harvest.kinds import HarvestKind
from ..harvest.sinks import Sink, open_sink
from .receiver import Callback, Delivery, RecentKeys, WebhookSource, receive, request_token


def aiohttp_handler(
    source: WebhookSource, callback: Callback, *, token: str | None, recent: RecentKeys | None = None
) -> Any:
    """An aiohttp handler for ``source``: mount it at any path of your own application.

    ``token=None`` accepts deliveries without a shared secret (say so explicitly).
    """
    seen = recent if recent is not None else RecentKeys()

    async def handle(request: web.Request) -> web.Response:
        if request.method != "POST":
            return web.Response(status=405, text="POST only", headers={"Allow": "POST"})
        body = await request.read()
        status, text = await receive(
            source,
            body,
            request.content_type,
            callback,
            token=request_token(request.query),
            expected_token=token,
            recent=seen,
        )
        return web.Response(status=status, text=text)

    return handle


class Landing:
    """Lands deliveries in one output: a sink per kind, opened on first use (SQLite: one table each)."""

    def __init__(self, out: Path, fmt: str) -> None:
        self.out = out
        self.fmt = fmt
        self._sinks: dict[str, Sink] = {}
        self.landed = 0

    def _path(self, kind: HarvestKind) -> Path:
        if self.fmt == "csv":  # one header per file: a CSV per kind
            return self.out.with_name(f"{self.out.stem}-{kind.name}{self.out.suffix}")
        return self.out

    def __call__(self, delivery: Delivery) -> None:
        if delivery.kind is None:
            return
        sink = self._sinks.get(delivery.kind.name)
        if sink is None:
            sink = open_sink(
                self._path(delivery.kind), self.fmt, delivery.kind, {}, resume=False, restart=True
            )
            self._sinks[delivery.kind.name] = sink
        self.landed += sink.land([dict(delivery.record)])

    def close(self) -> None:
        for sink in self._sinks.values():
            sink.close()
        self._sinks.clear()


def application(
    sources: Sequence[WebhookSource], callback: Callback, *, token: str | None
) -> web.Application:
    """An app serving every source at ``/{name}``, with one shared record of recent deliveries."""
    app = web.Application(client_max_size=2 * 1024 * 1024)
    recent = RecentKeys()
    for source in sources:
        app.router.add_route(
            "*", f"/{source.name}", aiohttp_handler(source, callback, token=token, recent=recent)
        )
    return app
