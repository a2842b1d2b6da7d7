"""Figure (2): a rate-bound harvest against a server limited to 50 requests/s (burst 10).

The ideal is the server's sustained rate: pages / 50 seconds. Told the server's rate
and burst (``rate=50, burst=10``) the client should meet it with no 429 at all, with
the server answering at once or after 20 ms; not told (the defaults), it must find the
limit, at the cost of a few 429s (each holds every caller for the server's Retry-After
of one second). 1,000 pages of 20 records; 10 runs of each told case, 3 of the other.

Run: ``python -m benchmarks.bench_rate`` (``--quick``: 300 pages, fewer rounds).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from mettl_async import CertiCheckClient, ClientOptions

from .common import Result, header, sandbox_process

RATE, BURST, LATENCY, PAGE = 50.0, 10, 0.02, 20


async def harvest(sandbox: dict[str, str], told: float | None) -> tuple[float, int, int]:
    options = ClientOptions(rate=told, burst=BURST) if told else ClientOptions()
    client = CertiCheckClient(
        sandbox["public_key"],
        sandbox["private_key"],
        sandbox["subdomain"],
        base_url=sandbox["base_url"],
        options=options,
    )
    async with client:
        started = time.perf_counter()
        async for _page in client.results.all(page_size=PAGE).pages():
            pass
        return time.perf_counter() - started, client.stats.rate_limited, client.stats.requests


def run(quick: bool) -> list[Result]:
    pages, told_rounds, rounds = (300, 3, 2) if quick else (1000, 10, 3)
    ideal = pages / RATE
    results = []
    for label, told, latency, runs, goal in (
        ("told rate and burst, 0 ms", RATE, 0.0, told_rounds, "<= 1.03, 0 x 429"),
        ("told rate and burst, 20 ms", RATE, LATENCY, told_rounds, "<= 1.03, 0 x 429"),
        ("not told (defaults), 20 ms", None, LATENCY, rounds, "<= 1.25, <= 3 % 429"),
    ):
        ratios, limited, sent = [], [], []
        for _ in range(runs):  # a fresh server each round: its burst and the client's state start over
            with sandbox_process(applicants=pages * PAGE, latency=latency, rate=RATE, burst=BURST) as sandbox:
                time.sleep(1.0)
                elapsed, throttled, requests = asyncio.run(harvest(sandbox, told))
            ratios.append(elapsed / ideal)
            limited.append(throttled)
            sent.append(requests)
        share = 100 * statistics.median(limited) / statistics.median(sent)
        note = f"{pages} pages; 429s per run {limited} ({share:.1f} %)"
        median = statistics.median(ratios)
        results.append(
            Result(f"rate-bound harvest, {label}, vs ideal", median * ideal, ideal, "s", median, goal, note)
        )
    return results


def main() -> None:
    print(header())
    for result in run("--quick" in sys.argv):
        print(result.line())


if __name__ == "__main__":
    main()
