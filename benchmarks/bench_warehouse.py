"""Figure (8): the typed outputs (issue 16) against the same harvest before them, and what their
pieces cost.

* A ``results`` harvest (100,000 records; 10,000 with ``--quick``) into SQLite and into
  PostgreSQL by the command, a process each, against the outputs of the last commit before
  issue 16 (:data:`BASELINE`, taken with ``git archive`` and run from its own tree), in
  alternating rounds. Ours does more per record (typed columns, a child table, the content hash
  and the classification against the table, the run's counters): the figure says what it costs.
* The page rate of a harvest whose pages take 10 ms to arrive, with the output written off the
  event loop (its own thread, as the command does) and on it (what the command did before):
  pages per second, ours / on the loop (above 1 is faster).
* PostgreSQL's bulk load: ``COPY`` into a temporary table and one upsert, against pipelined
  ``executemany`` upserts, same pages, same sink otherwise (seconds; below 1 is faster).

PostgreSQL runs on this machine (``tests/support/pgserver.py``: a throwaway server, fsync off),
the sandbox in a process of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mettl_async import CertiCheckClient, ClientOptions
from mettl_async.core.paging_styles import PagePosition
from mettl_async.harvest.progress import Progress
from mettl_async.harvest.runner import harvest_fingerprint, run_harvest
from mettl_async.harvest.sinks import open_sink
from mettl_async.harvest.threaded import SinkThread
from mettl_async.platforms import kinds
from tests.support.pgserver import PostgresServer, postgres_bindir

from .common import Result, paired, sandbox_process

#: The last commit before the typed outputs: its ``mettl_async`` is the baseline.
BASELINE = "75725ffa2a5453e7e72d945815a579c65e45821d"
ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def baseline_tree() -> Iterator[Path | None]:
    """The baseline's package in a temporary directory (``None`` when git cannot give it)."""
    git = shutil.which("git")
    with tempfile.TemporaryDirectory(prefix="mettl-baseline-") as where:
        archive = subprocess.run(
            [git or "git", "-C", str(ROOT), "archive", BASELINE, "mettl_async"],
            capture_output=True,
            check=False,
        )
        if git is None or archive.returncode != 0:
            yield None
            return
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(where, filter="data")
        yield Path(where)


def harvest_seconds(sandbox: dict[str, str], out: str, tree: Path | None) -> float:
    """One ``mettl-async harvest results`` process into ``out``, from ``tree`` (else this one)."""
    env = os.environ | {
        "METTL_PUBLIC_KEY": sandbox["public_key"],
        "METTL_PRIVATE_KEY": sandbox["private_key"],
        "METTL_SUBDOMAIN": sandbox["subdomain"],
        "METTL_BASE_URL": sandbox["base_url"],
    }
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    command = [sys.executable, "-m", "mettl_async", "harvest", "results", "--out", out, "--page-size", "500"]
    started = time.perf_counter()
    subprocess.run([*command, "--quiet"], env=env, cwd=tree or ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def client_of(sandbox: dict[str, str]) -> CertiCheckClient:
    return CertiCheckClient(
        public_key=sandbox["public_key"],
        private_key=sandbox["private_key"],
        subdomain=sandbox["subdomain"],
        base_url=sandbox["base_url"],
        options=ClientOptions(concurrency=16),
    )


async def pages_per_second(sandbox: dict[str, str], out: str, *, inline: bool) -> float:
    """A harvest into ``out`` (SQLite or PostgreSQL), its writes off the loop or (``inline``) on it."""
    kind = kinds()["results"]
    fmt = "postgresql" if out.startswith("postgresql://") else "sqlite"
    async with client_of(sandbox) as client:
        fingerprint = harvest_fingerprint(kind, {}, client.identity(), fmt)
        output = SinkThread(
            lambda: open_sink(out, fmt, kind, fingerprint, resume=False, account=client.account_name),
            inline=inline,
        )
        started = time.perf_counter()
        summary = await run_harvest(kind.open(client, {}, 500), output, Progress(), client.stats)
        return summary.pages / (time.perf_counter() - started)


async def fetched(sandbox: dict[str, str], records: int) -> list[list[Any]]:
    """The first ``records`` results, in pages of 500."""
    pages: list[list[Any]] = []
    async with client_of(sandbox) as client:
        async for page in client.results.all(page_size=500, max_items=records).pages():
            pages.append(page.records)
    return pages


def load_seconds(url: str, pages: list[list[Any]], bulk: str) -> float:
    """``pages`` written by a PostgreSQL sink loading with ``bulk`` (``copy`` or ``executemany``)."""
    from mettl_async.harvest.postgresql import PostgresSink

    sink = PostgresSink(url, kinds()["results"], {"kind": "results", "bulk": bulk}, resume=False, account="a")
    sink.bulk = bulk
    try:
        started = time.perf_counter()
        for number, page in enumerate(pages, 1):
            following = PagePosition(offset=number * 500, limit=500) if number < len(pages) else None
            sink.write_page(page, following)
        return time.perf_counter() - started
    finally:
        sink.close()


def whole_harvest(
    name: str, new: Callable[[], str], sandbox: dict[str, str], baseline: Path, records: int, rounds: int
) -> Result:
    def ours() -> float:
        return harvest_seconds(sandbox, new(), None)

    def theirs() -> float:
        return harvest_seconds(sandbox, new(), baseline)

    mine, before, ratio = paired(rounds, ours, theirs)
    return Result(f"{records:,}-record harvest into {name} vs before issue 16", mine, before, "s", ratio)


def page_rate(name: str, new: Callable[[], str], sandbox: dict[str, str], rounds: int) -> Result:
    def off() -> float:
        return asyncio.run(pages_per_second(sandbox, new(), inline=False))

    def on() -> float:
        return asyncio.run(pages_per_second(sandbox, new(), inline=True))

    mine, before, ratio = paired(rounds, off, on)
    return Result(
        f"page rate into {name}, writes off the loop vs on it (10 ms pages)", mine, before, "p/s", ratio
    )


def run(quick: bool) -> list[Result]:
    records = 10_000 if quick else 100_000
    rounds = 1 if quick else 3
    results: list[Result] = []
    bindir = postgres_bindir()
    if bindir is None:
        print("bench_warehouse: PostgreSQL is not installed; skipped")
        return results
    with (
        tempfile.TemporaryDirectory(prefix="mettl-bench-") as scratch,
        sandbox_process(applicants=records) as sandbox,
        baseline_tree() as baseline,
        PostgresServer(bindir) as server,
    ):
        numbered = iter(range(1_000_000))

        def sqlite_file() -> str:
            return str(Path(scratch) / f"r{next(numbered)}.sqlite")

        outputs: dict[str, Callable[[], str]] = {"SQLite": sqlite_file, "PostgreSQL": server.create_database}
        if baseline is None:
            print("bench_warehouse: the baseline commit is not in this repository; skipped")
        else:
            for name, new in outputs.items():
                results.append(whole_harvest(name, new, sandbox, baseline, records, rounds))
        with sandbox_process(applicants=20_000, latency=0.01) as slow:
            for name, new in outputs.items():
                results.append(page_rate(name, new, slow, rounds))
        pages = asyncio.run(fetched(sandbox, min(records, 20_000)))
        copy, many, ratio = paired(
            rounds,
            lambda: load_seconds(server.create_database(), pages, "copy"),
            lambda: load_seconds(server.create_database(), pages, "executemany"),
        )
        loaded = sum(map(len, pages))
        results.append(
            Result(f"PostgreSQL load of {loaded:,} records: COPY vs executemany", copy, many, "s", ratio)
        )
    return results
