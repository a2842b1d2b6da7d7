"""Webhooks over aiohttp: a handler for your own app, and the server ``mettl-async webhooks serve`` runs.

Each source is served at ``/{name}`` (``/mettl``, ``/itep``); the shared secret
travels in the URL the user registers with the platform (``/mettl?token=T``).
The server lands every event in the same outputs as a harvest, upserted on the
kind's natural key, so pushed and pulled results end in one table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from aiohttp import StreamReader, web

from ..harvest.checkpoint import HarvestError
from ..harvest.kinds import HarvestKind
from ..harvest.outputs import is_database_url, is_stream, shown
from ..harvest.sinks import Sink, lock_output, open_sink
from ..harvest.stream import OutputClosedError
from .receiver import (
    MAX_BODY,
    Callback,
    Delivery,
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
) -> Any:
    """An aiohttp handler for ``source``: mount it at any path of your own application.

    ``token=None`` accepts deliveries without a shared secret (say so explicitly). The token
    and the declared length are checked before the body is read, and the body is read up to
    ``max_body`` bytes at most (413 beyond).
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
        )
        return web.Response(status=status, text=text)

    return handle


class Landing:
    """Lands deliveries in one output: a sink per kind, opened on first use (SQLite and PostgreSQL:
    one table each; CSV: one file each, ``<out>-<kind>.csv``).

    The output is locked from the start (one writer per output: a second server, or a harvest
    into the same file, is refused); on a PostgreSQL database one server at a time. When the
    reader of a stream output goes away, ``on_output_closed`` is called (the server stops).
    Once the output is closed (or the landing is), every delivery fails, so the platform
    delivers it again later: none is acknowledged without having landed.
    """

    def __init__(
        self, out: Path | str, fmt: str, *, on_output_closed: Callable[[], None] | None = None
    ) -> None:
        self.out = out
        self.fmt = fmt
        self.where = shown(out)
        self._sinks: dict[str, Sink] = {}
        self.landed = 0
        self._on_output_closed = on_output_closed
        #: Why deliveries are refused from now on (the output or the landing closed), if they are.
        self._refusal: tuple[type[HarvestError], str] | None = None
        if fmt == "csv" and is_stream(out):
            raise HarvestError("CSV events need a file per kind; write JSONL to a stream")
        self._lock = lock_output(out, purpose="mettl-async webhooks serve")

    def _target(self, kind: HarvestKind) -> Path | str:
        if self.fmt == "csv":  # one header per file: a CSV per kind
            path = Path(self.out)
            return path.with_name(f"{path.stem}-{kind.name}{path.suffix}")
        return self.out

    def __call__(self, delivery: Delivery) -> None:
        if self._refusal is not None:
            error, message = self._refusal
            raise error(message)
        if delivery.kind is None:
            return
        sink = self._sinks.get(delivery.kind.name)
        if sink is None:
            target = self._target(delivery.kind)
            # The output's own lock is held (above); per-kind CSV files and tables lock themselves.
            own_lock = target != self.out and not is_database_url(target)
            sink = open_sink(target, self.fmt, delivery.kind, {}, resume=False, restart=True, lock=own_lock)
            self._sinks[delivery.kind.name] = sink
        try:
            self.landed += sink.land([dict(delivery.record)])
        except OutputClosedError as closed:
            self._refusal = (OutputClosedError, str(closed))
            if self._on_output_closed is not None:
                self._on_output_closed()
            raise

    def close(self) -> None:
        self._refusal = self._refusal or (HarvestError, f"the landing in {self.where} is closed")
        try:
            for sink in self._sinks.values():
                sink.close()
            self._sinks.clear()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None


def application(
    sources: Sequence[WebhookSource], callback: Callback, *, token: str | None, max_body: int = MAX_BODY
) -> web.Application:
    """An app serving every source at ``/{name}``, with one shared record of recent deliveries."""
    app = web.Application()
    recent = RecentKeys()
    for source in sources:
        handler = aiohttp_handler(source, callback, token=token, recent=recent, max_body=max_body)
        app.router.add_route("*", f"/{source.name}", handler)
    return app
