"""The iTEP sandbox sends the keys the client reads, and only those (issue 15, item 2).

The fulfillment answer and the results webhooks (finished, then graded) are taken over
loopback and read as the client reads them: a key the reader does not name would show in the
result's ``extra``, a key it names that the sandbox never sends (``UNSENT`` aside) as missing.
A key renamed where :mod:`mettl_async.itep.results` declares it reaches the sandbox too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from mettl_async.itep.codes import ANSWER_KEY
from mettl_async.itep.results import DATA_KEYS, DATE_PARTS, KNOWN_SECTIONS, ItepResult, section_key
from mettl_async.itep.webhooks import FORM, SOURCE
from mettl_async.testing import SandboxServer
from mettl_async.testing.itep import ItepSandbox, SandboxConfig
from mettl_async.testing.itep.reports import FINISHED, UNSENT
from tests.support.shapes import run_renamed


@asynccontextmanager
async def receiver() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A loopback endpoint keeping the bodies posted to it: (its URL, the bodies)."""
    bodies: list[bytes] = []

    async def keep(request: web.Request) -> web.Response:
        bodies.append(await request.read())
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/itep", keep)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}/itep", bodies
    finally:
        await runner.cleanup()


async def crawl() -> tuple[dict[str, Any], list[ItepResult]]:
    """The fulfillment answer and the results of its finished and graded webhooks."""
    async with receiver() as (url, bodies):
        sandbox = ItepSandbox(SandboxConfig(webhook_url=url))
        async with SandboxServer(sandbox) as server, server.client() as itep:
            done = await itep.fulfill("GTX-Academic-Plus", track="RC")
            await sandbox.complete(done.test_id, FINISHED, graded=False)
            await sandbox.complete(done.test_id)
    results = [SOURCE.parse(body, FORM).event for body in bodies]
    assert all(isinstance(r, ItepResult) for r in results)
    return done.raw, results


async def test_every_key_sent_is_read_and_every_key_read_is_sent() -> None:
    answer, results = await crawl()
    assert set(answer) == {ANSWER_KEY}
    assert [r.extra for r in results] == [{}, {}]
    sent = {key for r in results for key in r.raw}
    sections = {section_key(s, part) for s in KNOWN_SECTIONS for part in ("level", "score")}
    read = {key for field, key in DATA_KEYS.items() if field not in UNSENT}
    assert sent == read | set(DATE_PARTS) | sections


def test_a_key_renamed_where_it_is_declared_is_the_sandbox_s_key() -> None:
    # In a fresh interpreter whose mettl_async/itep/results.py names the order id "OrderID".
    done = run_renamed(
        {},
        """
        import asyncio, json
        from tests.itep.test_itep_sandbox_shapes import crawl

        answer, results = asyncio.run(crawl())
        keys, oids = [sorted(r.raw) for r in results], [r.oid for r in results]
        print(json.dumps({"keys": keys, "oids": oids, "extra": [r.extra for r in results]}))
        """,
        edits={"mettl_async.itep.results": ('metadata=_sent_as("OID")', 'metadata=_sent_as("OrderID")')},
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert all("OrderID" in keys and "OID" not in keys for keys in found["keys"])
    assert found["oids"] == ["100001", "100001"]  # and the client reads it
    assert found["extra"] == [{}, {}]
