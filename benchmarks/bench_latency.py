"""Figure (1): a latency-bound harvest, 20 ms per request, 200 pages of 500 records.

Baselines, hand-written with aiohttp and signing by hand in the same process:
a sequential loop, and a window of 16 concurrent offset requests (the ideal a
caller who knows the list's size could write). Ours: the library's ``pages()``
(records), its typed items (``async for``, kept in a list), and the CLI (a whole
process, start included) to JSONL, SQLite and PostgreSQL (a server this script starts
where PostgreSQL is installed, as the tests do). Ratios are times relative to the
window of 16 (1.00x = as fast; 1.11x = 0.9x its speed).

Run: ``python -m benchmarks.bench_latency`` (``--quick``: fewer pages and rounds).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson

from mettl_async import CertiCheckClient

from .common import Result, paired, sandbox_process

LATENCY, PAGE, WINDOW = 0.02, 500, 16
Job = Callable[[dict[str, str], int], Any]


def signed_url(sandbox: dict[str, str], offset: int) -> str:
    url = f"{sandbox['base_url']}/getAllApplicantResults"
    ts = int(time.time())  # each run starts in a second of its own (see `timed`)
    params = {
        "ak": sandbox["public_key"],
        "limit": str(PAGE),
        "offset": str(offset),
        "subdomain": sandbox["subdomain"],
        "ts": str(ts),
    }
    text = "GET" + url + "".join("\n" + params[k] for k in sorted(params))
    digest = hmac.new(sandbox["private_key"].encode(), text.encode(), hashlib.sha256).digest()
    params["asgn"] = base64.b64encode(digest).decode()
    return url + "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())


async def fetch(http: aiohttp.ClientSession, url: str) -> list[dict[str, object]]:
    async with http.get(url) as response:
        records: list[dict[str, object]] = orjson.loads(await response.read())["applicants"]
        return records


async def sequential(sandbox: dict[str, str], total: int) -> int:
    count, offset = 0, 0
    async with aiohttp.ClientSession() as http:
        while True:
            records = await fetch(http, signed_url(sandbox, offset))
            count += len(records)
            if len(records) < PAGE:
                return count
            offset += len(records)


async def window(sandbox: dict[str, str], total: int) -> int:
    gate = asyncio.Semaphore(WINDOW)
    async with aiohttp.ClientSession() as http:

        async def one(offset: int) -> int:
            async with gate:
                return len(await fetch(http, signed_url(sandbox, offset)))

        return sum(await asyncio.gather(*(one(o) for o in range(0, total + 1, PAGE))))


async def library_pages(sandbox: dict[str, str], total: int) -> int:
    async with client(sandbox) as mettl:
        return sum([len(page.records) async for page in mettl.results.all(page_size=PAGE).pages()])


async def library_items(sandbox: dict[str, str], total: int) -> int:
    async with client(sandbox) as mettl:
        return len([result async for result in mettl.results.all(page_size=PAGE)])


def client(sandbox: dict[str, str]) -> CertiCheckClient:
    return CertiCheckClient(
        sandbox["public_key"], sandbox["private_key"], sandbox["subdomain"], base_url=sandbox["base_url"]
    )


def cli_to(out: str | None) -> Job:
    """The CLI harvesting to ``out`` (``None``: a JSONL file); a PostgreSQL URL gets a new database."""
    return lambda sandbox, total: cli(sandbox, total, out)


def cli(sandbox: dict[str, str], total: int, target: str | None = None) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.jsonl"
        where = str(out) if target is None else target
        if target == "sqlite":
            where = str(Path(tmp) / "r.sqlite")
        elif target is not None and target.startswith("postgresql"):
            assert POSTGRES is not None
            where = POSTGRES.create_database()
        env = os.environ | {
            "METTL_PUBLIC_KEY": sandbox["public_key"],
            "METTL_PRIVATE_KEY": sandbox["private_key"],
            "METTL_SUBDOMAIN": sandbox["subdomain"],
            "METTL_BASE_URL": sandbox["base_url"],
        }
        args = [
            "harvest",
            "results",
            "--out",
            where,
            "--page-size",
            str(PAGE),
            "--quiet",
            "--concurrency",
            "16",
        ]
        subprocess.run([sys.executable, "-m", "mettl_async", *args], env=env, check=True, capture_output=True)
        return out.read_bytes().count(b"\n") if target is None else count_rows(where)


def count_rows(where: str) -> int:
    """Records the harvest says it landed (its checkpoint's count; the results table has a row
    per certificate)."""
    query = "SELECT records FROM mettl_harvest_checkpoints"
    if where.startswith("postgresql"):
        import psycopg

        with psycopg.connect(where) as db:
            row = db.execute(query).fetchone()
    else:
        with contextlib.closing(sqlite3.connect(where)) as db:
            row = db.execute(query).fetchone()
    assert row is not None
    return int(row[0])


#: The PostgreSQL server of this run, when one could be started.
POSTGRES: Any = None


def timed(job: Job, sandbox: dict[str, str], total: int) -> float:
    # Signatures are single-use: every run starts in a second no earlier run signed in.
    time.sleep(1.0 - time.time() % 1.0 + 0.01)
    start = time.perf_counter()
    outcome = job(sandbox, total)
    count = asyncio.run(outcome) if asyncio.iscoroutine(outcome) else outcome
    elapsed = time.perf_counter() - start
    assert count == total, (job, count, total)
    return elapsed


def run(quick: bool) -> list[Result]:
    global POSTGRES
    with contextlib.ExitStack() as stack:
        try:
            from tests.support.pgserver import PostgresServer, postgres_bindir

            bindir = postgres_bindir()
            POSTGRES = stack.enter_context(PostgresServer(bindir)) if bindir else None
        except ImportError:  # psycopg, or the tests' support, is not there
            POSTGRES = None
        return measure(quick)


def measure(quick: bool) -> list[Result]:
    pages, rounds = (40, 3) if quick else (200, 7)
    total = pages * PAGE
    results = []
    with sandbox_process(applicants=total, latency=LATENCY) as sandbox:
        timed(window, sandbox, total)  # warm the server
        win, seq, ratio = paired(
            rounds, lambda: timed(window, sandbox, total), lambda: timed(sequential, sandbox, total)
        )
        note = f"{pages} pages x {PAGE}, {LATENCY * 1000:.0f} ms"
        results.append(Result(f"hand window of {WINDOW} vs hand sequential", win, seq, "s", ratio, note=note))
        jobs: list[tuple[str, Job, str]] = [
            ("library pages() vs hand window of 16", library_pages, "<= 1.11 (>= 0.9x speed)"),
            ("library typed items vs hand window of 16", library_items, ""),
            ("CLI harvest to JSONL (process) vs hand window of 16", cli_to(None), "<= 1.33 (>= 0.75x speed)"),
            (
                "CLI harvest to SQLite (process) vs hand window of 16",
                cli_to("sqlite"),
                "<= 2 (>= 0.5x speed)",
            ),
        ]
        if POSTGRES is not None:
            jobs.append(
                (
                    "CLI harvest to PostgreSQL (process) vs hand window",
                    cli_to("postgresql"),
                    "<= 2 (>= 0.5x speed)",
                )
            )
        for name, job, goal in jobs:

            def ours(job: Job = job) -> float:
                return timed(job, sandbox, total)

            mine, base, ratio = paired(rounds, ours, lambda: timed(window, sandbox, total))
            results.append(Result(name, mine, base, "s", ratio, goal=goal))
    return results


def main() -> None:
    from .common import header

    print(header())
    for result in run("--quick" in sys.argv):
        print(result.line())


if __name__ == "__main__":
    main()
