"""From fulfillment to a row: the sandbox completes a test and posts to ``mettl-async webhooks serve``."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web

from mettl_async.itep.webhooks import SOURCE
from mettl_async.testing import SandboxThread
from mettl_async.testing.itep import ItepSandbox, SandboxConfig
from mettl_async.webhooks import Delivery
from mettl_async.webhooks.landing import Landing
from mettl_async.webhooks.server import application
from tests.support.redisserver import free_port


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``mettl-async webhooks serve`` as a real process: (its /itep URL, its SQLite output)."""
    out = tmp_path / "x.sqlite"
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mettl_async",
            "webhooks",
            "serve",
            "--out",
            str(out),
            "--token",
            "T",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={k: v for k, v in os.environ.items() if k != "METTL_WEBHOOK_TOKEN"},
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline().decode()
        assert "receiving at" in banner, process.stderr.read().decode() if process.stderr else banner
        assert f"http://127.0.0.1:{port}/itep" in banner
        yield f"http://127.0.0.1:{port}/itep", out
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=10)  # also closes the pipes
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def rows(out: Path) -> list[dict[str, Any]]:
    if not out.exists():
        return []
    with sqlite3.connect(out) as db:
        db.row_factory = sqlite3.Row
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        if "itep_results" not in tables:
            return []
        return [dict(r) for r in db.execute("SELECT * FROM itep_results ORDER BY test_id, status")]


async def test_a_completed_test_lands_once_and_a_wrong_token_writes_nothing(
    itep_sandbox_factory: Any, serve: tuple[str, Path]
) -> None:
    url, out = serve
    sandbox = itep_sandbox_factory(SandboxConfig(webhook_url=url + "?token=T"))
    platform = sandbox.get(ItepSandbox)
    async with sandbox.client() as itep:
        tracked = await itep.fulfill("GTX-Academic-Plus", track="RC", assigned_to={"name": "Mary"})
        untracked = await itep.fulfill("GTX-Academic-Plus")

    assert await platform.complete(tracked.test_id) == 200
    (row,) = rows(out)
    assert (row["test_id"], row["status"], row["stage"]) == (tracked.test_id, "Complete", "complete")
    assert 0 <= row["overall_level"] <= 6
    assert row["grammar_score"] is not None
    sent = platform.webhooks[-1].data
    assert orjson.loads(row["record"]) == sent

    # A redelivery of the same (TestID, Status) is acknowledged and not written twice.
    assert await platform.deliver(sent) == 200
    assert len(rows(out)) == 1

    # Another status of the same test is another row.
    assert await platform.complete(tracked.test_id, "Review", graded=False) == 200
    assert [r["status"] for r in rows(out)] == ["Complete", "Review"]

    # iTEP reports only tracked tests.
    assert await platform.complete(untracked.test_id) is None

    # A wrong token is refused and nothing is written.
    platform.webhook_url = url + "?token=wrong"
    assert (
        await platform.deliver(platform.result_of(platform.inventory.tests[tracked.test_id], "Disabled"))
        == 401
    )
    platform.webhook_url = url
    assert (
        await platform.deliver(platform.result_of(platform.inventory.tests[tracked.test_id], "Disabled"))
        == 401
    )
    assert [r["status"] for r in rows(out)] == ["Complete", "Review"]


@pytest.fixture
async def in_process(tmp_path: Path) -> AsyncIterator[tuple[str, Landing, list[Delivery], asyncio.Event]]:
    """The same receiver, ``application()`` in this process, landing in JSONL; the event is set
    once four deliveries arrived."""
    landing = Landing(tmp_path / "results.jsonl", "jsonl")
    seen: list[Delivery] = []
    four = asyncio.Event()

    async def land(delivery: Delivery) -> None:
        seen.append(delivery)
        await landing(delivery)
        if len(seen) >= 4:
            four.set()

    runner = web.AppRunner(application([SOURCE], land, token="T"), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/itep?token=T", landing, seen, four
    finally:
        landing.close()
        await runner.cleanup()


async def test_the_automatic_mode_reports_finished_then_complete(
    itep_sandbox_factory: Any, in_process: tuple[str, Landing, list[Delivery], asyncio.Event]
) -> None:
    url, landing, seen, four = in_process
    sandbox: SandboxThread = itep_sandbox_factory(
        SandboxConfig(webhook_url=url, complete_after=0.05, inventory={"Business": 3})
    )
    async with sandbox.client() as itep:
        issued = [await itep.fulfill("STX-Business", email=f"c{i}@example.com", track="RC") for i in range(2)]
        await itep.fulfill("GTX-Business")  # untracked: never reported
    await asyncio.wait_for(four.wait(), timeout=10)
    await asyncio.sleep(0.2)  # nothing more arrives
    assert sorted(d.key for d in seen) == sorted(
        (t.test_id, status) for t in issued for status in ("Finished", "Complete")
    )
    assert landing.landed == 4
    lines = (landing.out).read_bytes().splitlines()
    assert len(lines) == 4
    complete = [d.event for d in seen if d.event.status == "Complete"]
    assert all(r.overall_level is not None and len(r.sections) == 5 for r in complete)
    finished = [d.event for d in seen if d.event.status == "Finished"]
    assert all(r.overall_level is None for r in finished)
