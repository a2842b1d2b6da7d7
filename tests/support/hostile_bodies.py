"""A server of hostile response bodies, run in a process of its own (``python -m
tests.support.hostile_bodies``; it prints its URL), so that a test measuring the client's memory
measures the client's only.

``/{kind}/{size}/…/tests`` answers the tests list as:

* ``bomb``: about a MB of gzip that inflates to a GiB (``size`` unused);
* ``endless``: a chunked body that never ends;
* ``declared``: a Content-Length of ``size`` bytes, the bytes trickling;
* ``page`` and ``chunked``: a JSON page of exactly ``size`` bytes, with a Content-Length or chunked.

Any other path answers a small account object; ``/seen`` lists the paths asked for so far.
"""

from __future__ import annotations

import asyncio
import sys
import zlib

from aiohttp import web

MiB = 1 << 20
JSON = {"Content-Type": "application/json"}


def gzip_bomb(inflated_mib: int = 1024) -> bytes:
    """About a MB of gzip that inflates to ``inflated_mib`` MiB of zeros (a GiB): one MiB of
    zeros deflated and flushed, then the same flushed block repeated (a full flush makes the next
    block byte-identical, some 1,040 bytes each). No trailer: nobody should read that far."""
    zeros = bytes(MiB)
    deflate = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    block = deflate.compress(zeros) + deflate.flush(zlib.Z_FULL_FLUSH)
    return head + block * (inflated_mib - 1)


def page(size: int) -> bytes:
    head, tail = b'{"status": "SUCCESS", "tests": [', b"]}"
    return head + b" " * (size - len(head) - len(tail)) + tail


async def stream(request: web.Request, chunks: object, *, length: int | None = None) -> web.StreamResponse:
    response = web.StreamResponse(headers=JSON)
    if length is None:
        response.enable_chunked_encoding()
    else:
        response.content_length = length
    await response.prepare(request)
    try:
        for chunk in chunks:  # type: ignore[attr-defined]
            await response.write(chunk)
        await response.write_eof()
    except (ConnectionError, RuntimeError):  # the client hung up, as it should
        pass
    return response


def forever(chunk: bytes) -> object:
    while True:
        yield chunk


def application() -> web.Application:
    bomb = gzip_bomb()
    seen: list[str] = []

    async def answer(request: web.Request) -> web.StreamResponse:
        seen.append(request.path)
        kind, size = request.match_info["kind"], int(request.match_info["size"])
        if not request.path.endswith("/tests"):
            return web.json_response({"status": "SUCCESS", "accountInfo": {}})
        if kind == "bomb":
            return web.Response(body=bomb, headers={**JSON, "Content-Encoding": "gzip"})
        if kind == "endless":
            return await stream(request, forever(b" " * (64 * 1024)))
        if kind == "declared":
            return await stream(
                request, (b" " * (64 * 1024) for _ in range(size // (64 * 1024))), length=size
            )
        body = page(size)
        if kind == "page":
            return web.Response(body=body, headers=JSON)
        pieces = (body[i : i + 256 * 1024] for i in range(0, len(body), 256 * 1024))
        return await stream(request, pieces)

    async def list_seen(request: web.Request) -> web.Response:
        return web.json_response(seen)

    app = web.Application()
    app.router.add_get("/seen", list_seen)
    app.router.add_get("/{kind}/{size}/{tail:.*}", answer)
    return app


async def main() -> None:
    runner = web.AppRunner(application(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(f"http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
