"""Figure (2): a rate-bound harvest against a server limited to 50 requests/s (burst 10).

The ideal is the server's sustained rate: pages / 50 seconds. Told the rate
(``rate=50``) the client should meet it with no 429; not told (the defaults), it
must find the limit, at the cost of a few 429s (each holds every caller for the
server's Retry-After of one second). 20 ms per request; 1,000 pages of 20 records.

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
    client = CertiCheckClient(
        sandbox["public_key"],
        sandbox["private_key"],
        sandbox["subdomain"],
        base_url=sandbox["base_url"],
        options=ClientOptions(rate=told),
    )
    async with client:
        started = time.perf_counter()
        async for _page in client.results.all(page_size=PAGE).pages():
            pass
        return time.perf_counter() - started, client.stats.rate_limited, client.stats.requests


def run(quick: bool) -> list[Result]:
    pages, rounds = (300, 2) if quick else (1000, 3)
    ideal = pages / RATE
    results = []
    for label, told, goal in (
        ("told the rate", RATE, "<= 1.03, 0 x 429"),
        ("not told (defaults)", None, "<= 1.25, <= 3 % 429"),
    ):
        ratios, limited, sent = [], [], []
        for _ in range(rounds):  # a fresh server each round: its burst and the client's state start over
            with sandbox_process(applicants=pages * PAGE, latency=LATENCY, rate=RATE, burst=BURST) as sandbox:
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
