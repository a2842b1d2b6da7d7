"""Hostile paging over loopback: a real server that pages badly, and what the client and the CLI do.

A harvest either continues exactly where the records end or stops with
PaginationError; it never says "complete" with records missing or given twice.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web
from click.testing import CliRunner

from mettl_async import CertiCheckClient, PaginationError
from mettl_async.cli import main

RECORDS = [{"email": f"a{i}@x.com", "certificates": []} for i in range(250)]


def results_app(mode: str, seen_hosts: list[str]) -> web.Application:
    """getAllApplicantResults paged badly in one of several ways."""
    rng = random.Random(3)

    async def results(request: web.Request) -> web.Response:
        seen_hosts.append(request.host)
        offset = int(request.query.get("offset", 0))
        limit = int(request.query.get("limit", 20))
        if mode == "limit0":
            rows, link = RECORDS[offset : offset + limit], f"/x?offset={offset + limit}&limit=0"
        elif mode == "reorder":  # ignores paging, shuffles the same 20
            rows = RECORDS[:20]
            rng.shuffle(rows)
            link = f"/x?offset={offset + 20}&limit=20"
        elif mode == "overlap":  # each page repeats the last 5 records of the previous one
            start = max(0, offset - 5)
            rows, link = RECORDS[start : start + limit], f"/x?offset={start + limit}&limit={limit}"
        elif mode == "backwards":  # a link pointing back at the start
            rows, link = RECORDS[offset : offset + limit], "/x?offset=0&limit=20"
        else:  # "elsewhere": the document's own sample points at another host
            rows = RECORDS[offset : offset + limit]
            link = (
                f"http://evil.example:9/api/v1//getAllApplicantResults?offset={offset + limit}&limit={limit}"
            )
        more = offset + len(rows) < len(RECORDS) if mode != "reorder" else True
        body = {"status": "SUCCESS", "applicants": rows, "paging": {"next": link if more and rows else None}}
        return web.Response(body=orjson.dumps(body), content_type="application/json")

    app = web.Application()
    app.router.add_get("/api/v2/getAllApplicantResults", results)
    return app


@pytest.fixture
async def hostile(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, list[str]]]:
    hosts: list[str] = []
    runner = web.AppRunner(results_app(request.param, hosts), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/api/v2", hosts
    await runner.cleanup()


async def walk(base_url: str) -> tuple[list[Any], PaginationError | None]:
    given: list[Any] = []
    async with CertiCheckClient("pk-000000", "sk-000000", "acme", base_url=base_url) as client:
        try:
            async for page in client.results.all(page_size=20).pages():
                given.extend(page.records)
        except PaginationError as error:
            return given, error
    return given, None


@pytest.mark.parametrize("hostile", ["limit0", "backwards", "elsewhere"], indirect=True)
async def test_bad_links_are_continued_correctly(hostile: tuple[str, list[str]]) -> None:
    base_url, hosts = hostile
    given, error = await walk(base_url)
    assert error is None
    assert given == RECORDS  # every record, once, in order
    assert set(hosts) == {base_url.split("/")[2]}  # the link's host is never contacted


@pytest.mark.parametrize("hostile", ["reorder", "overlap"], indirect=True)
async def test_repeats_stop_the_walk_before_anything_is_given_twice(hostile: tuple[str, list[str]]) -> None:
    base_url, _ = hostile
    given, error = await walk(base_url)
    assert error is not None
    assert len({r["email"] for r in given}) == len(given)


@pytest.mark.parametrize("hostile", ["reorder"], indirect=True)
async def test_a_harvest_that_stops_on_a_repeat_is_not_complete(
    hostile: tuple[str, list[str]], tmp_path: Path
) -> None:
    base_url, _ = hostile
    out = tmp_path / "r.jsonl"
    env = {
        "METTL_PUBLIC_KEY": "pk-000000",
        "METTL_PRIVATE_KEY": "sk-000000",
        "METTL_SUBDOMAIN": "acme",
        "METTL_BASE_URL": base_url,
    }
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["harvest", "results", "--page-size", "20", "--out", str(out)], env=env
    )
    assert result.exit_code == 1
    assert "already given out" in result.output
    assert "re-run with --resume" in result.output
    lines = out.read_bytes().splitlines()
    assert len(lines) == len({orjson.loads(line)["email"] for line in lines}) == 20
    checkpoint = orjson.loads((tmp_path / "r.jsonl.checkpoint.json").read_bytes())
    assert checkpoint["complete"] is False
