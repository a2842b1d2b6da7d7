"""The profiles behind the shortfalls of benchmarks/README.md ("Where the shortfalls come from").

Run: ``python -m benchmarks.profiles NAME`` where NAME is

* ``collector``: the cycle collector's passes (count and time per generation, from
  ``gc.callbacks``) over the hand window and over ``pages()``, three rounds each;
* ``walks``: the hand window, ``pages()``, ``pages(as_sent=True)`` and the same with each page
  decoded when it is handed out, interleaved in three rounds (figure (1)'s shape);
* ``writer``: the SQLite output's writer alone over 40 pages of 500 results (seconds, then
  ``cProfile`` by cumulative time);
* ``requests``: ``cProfile`` of 3,000 small GETs (figure (3)): the library's lines and aiohttp's
  request.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import orjson

from mettl_async.core.paging_styles import PagePosition
from mettl_async.harvest.runner import harvest_fingerprint
from mettl_async.harvest.sinks import open_sink
from mettl_async.platforms import kinds

from . import bench_latency, bench_overhead
from .bench_decode import PAGE
from .common import machine, sandbox_process

RECORDS = 200 * 500
_decode = msgspec.json.Decoder().decode


async def as_sent(sandbox: dict[str, str], total: int, *, decoded: bool = False) -> int:
    async with bench_latency.client(sandbox) as mettl:
        count = 0
        async for page in mettl.results.all(page_size=500).pages(as_sent=True):
            records = _decode(b"[" + b",".join(page.records) + b"]") if decoded else page.records
            count += len(records)
        return count


async def as_sent_decoded(sandbox: dict[str, str], total: int) -> int:
    return await as_sent(sandbox, total, decoded=True)


def collector() -> None:
    passes: list[tuple[int, float]] = []
    started: list[float] = []

    def watch(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        else:
            passes.append((info["generation"], time.perf_counter() - started.pop()))

    with sandbox_process(applicants=RECORDS, latency=bench_latency.LATENCY) as sandbox:
        bench_latency.timed(bench_latency.window, sandbox, RECORDS)  # warm the server
        gc.callbacks.append(watch)
        try:
            for _ in range(3):
                for job in (bench_latency.window, bench_latency.library_pages):
                    gc.collect()
                    passes.clear()
                    seconds = bench_latency.timed(job, sandbox, RECORDS)
                    by = {g: [s for generation, s in passes if generation == g] for g in (0, 1, 2)}
                    shown = " ".join(f"gen{g} {len(s)} passes {sum(s) * 1000:.0f} ms" for g, s in by.items())
                    print(f"{job.__name__:<14} {seconds:.3f} s  {shown}")
        finally:
            gc.callbacks.remove(watch)


def walks() -> None:
    jobs: list[Callable[[dict[str, str], int], Any]] = [
        bench_latency.window,
        bench_latency.library_pages,
        as_sent,
        as_sent_decoded,
    ]
    with sandbox_process(applicants=RECORDS, latency=bench_latency.LATENCY) as sandbox:
        bench_latency.timed(bench_latency.window, sandbox, RECORDS)
        for _ in range(3):
            for job in jobs:
                seconds = bench_latency.timed(job, sandbox, RECORDS)
                print(f"{getattr(job, '__name__', job)!s:<16} {seconds:.3f} s")


def writer() -> None:
    results = kinds()["results"]
    base = orjson.loads(PAGE)["applicants"]
    pages = [[{**r, "email": f"p{p}-{i}-{r['email']}"} for i, r in enumerate(base)] for p in range(40)]

    def run() -> float:
        with tempfile.TemporaryDirectory() as tmp:
            fingerprint = harvest_fingerprint(
                results, {}, {"platform": "certicheck", "subdomain": "x"}, "sqlite"
            )
            sink = open_sink(Path(tmp) / "r.sqlite", "sqlite", results, fingerprint, resume=False)
            start = time.perf_counter()
            for number, page in enumerate(pages, 1):
                sink.add_page(page, PagePosition(500 * number, 500) if number < len(pages) else None)
            sink.commit()
            sink.close()
            return time.perf_counter() - start

    seconds = run()
    print(f"writer alone: {seconds:.3f} s, {seconds / (40 * 500) * 1e6:.1f} us a record")
    show(run, "cumtime", 25)


def requests() -> None:
    with sandbox_process(applicants=100) as sandbox:
        asyncio.run(bench_overhead.bare(sandbox, 200, 0))  # warm up
        show(
            lambda: asyncio.run(bench_overhead.ours(sandbox, 3000, 10_000)),
            "cumtime",
            80,
            only=("mettl_async", "aiohttp/client.py"),
        )


def show(run: Callable[[], object], order: str, lines: int, only: tuple[str, ...] = ()) -> None:
    profile = cProfile.Profile()
    profile.runcall(run)
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats(order).print_stats(lines)
    print(f"total {stats.total_tt:.3f} s under the profiler")  # type: ignore[attr-defined]
    print("\n".join(line for line in out.getvalue().splitlines() if not only or any(o in line for o in only)))


PROFILES = {"collector": collector, "walks": walks, "writer": writer, "requests": requests}


def main() -> None:
    chosen = sys.argv[1:] or list(PROFILES)
    print(f"machine: {machine()}")
    for name in chosen:
        print(f"-- {name}")
        PROFILES[name]()


if __name__ == "__main__":
    main()
