"""Figure (3): what the library adds to each request: small GETs, 10 in flight, no latency.

Baseline: bare aiohttp, the request signed by hand (HMAC-SHA256, base64,
URL-encoded) and the body read with ``orjson.loads``. Ours: the whole pipeline
(limiter, uniqueness, signing, sending, decoding, error mapping), each request
distinct (identical ones would be shared, which the baseline cannot do). Time
per request; ratio = ours / baseline (1.11 = 0.9x the speed). Reported twice: wall time
(the figure), and the client process's CPU time (``time.process_time``), which other
programs on a shared machine disturb less: the client is bound by its own core here.

Run: ``python -m benchmarks.bench_overhead`` (``--quick``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson

from mettl_async import CertiCheckClient, ClientOptions
from mettl_async.core.request import Request

from .common import Result, header, paired, sandbox_process

IN_FLIGHT = 10


Timing = tuple[float, float]  # wall seconds and CPU seconds per request


def timing(started: tuple[float, float], count: int) -> Timing:
    return (time.perf_counter() - started[0]) / count, (time.process_time() - started[1]) / count


def now() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


async def bare(sandbox: dict[str, str], count: int, first: int) -> Timing:
    url = f"{sandbox['base_url']}/tests"
    key = sandbox["private_key"].encode()
    gate = asyncio.Semaphore(IN_FLIGHT)
    async with aiohttp.ClientSession() as http:

        async def one(offset: int) -> None:
            params = {
                "ak": sandbox["public_key"],
                "limit": "1",
                "offset": str(offset),
                "status": "Published",
                "subdomain": sandbox["subdomain"],
                "ts": str(int(time.time())),
            }
            text = "GET" + url + "".join("\n" + params[k] for k in sorted(params))
            params["asgn"] = base64.b64encode(hmac.new(key, text.encode(), hashlib.sha256).digest()).decode()
            query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
            async with gate, http.get(f"{url}?{query}") as response:
                assert orjson.loads(await response.read())["status"] == "SUCCESS"

        started = now()
        await asyncio.gather(*(one(first + i) for i in range(count)))
        return timing(started, count)


async def ours(sandbox: dict[str, str], count: int, first: int) -> Timing:
    client = CertiCheckClient(
        sandbox["public_key"],
        sandbox["private_key"],
        sandbox["subdomain"],
        base_url=sandbox["base_url"],
        options=ClientOptions(concurrency=IN_FLIGHT),
    )
    async with client:

        async def one(offset: int) -> None:
            params = {"limit": "1", "offset": str(offset), "status": "Published"}
            await client.session.request(Request("GET", "/tests", params, safe_to_repeat=True))

        started = now()
        await asyncio.gather(*(one(first + i) for i in range(count)))
        return timing(started, count)


def run(quick: bool) -> list[Result]:
    count, rounds = (500, 5) if quick else (2000, 9)
    offsets = iter(range(0, 10**9, count))
    cpu: dict[str, list[float]] = {"ours": [], "bare": []}

    def measured(job: Callable[..., Any], who: str) -> Callable[[], float]:
        def one_round() -> float:
            wall, spent = asyncio.run(job(sandbox, count, next(offsets)))
            cpu[who].append(spent * 1e6)
            return float(wall * 1e6)

        return one_round

    with sandbox_process(applicants=100) as sandbox:
        asyncio.run(bare(sandbox, 200, next(offsets)))  # warm up
        mine, theirs, ratio = paired(rounds, measured(ours, "ours"), measured(bare, "bare"))
    cpu_ratio = statistics.median(a / b for a, b in zip(cpu["ours"], cpu["bare"], strict=True))
    name = f"small GETs, {IN_FLIGHT} in flight: us per request"
    return [
        Result(name, mine, theirs, "us", ratio, goal="<= 1.11"),
        Result(
            f"{name}, client CPU",
            statistics.median(cpu["ours"]),
            statistics.median(cpu["bare"]),
            "us",
            cpu_ratio,
            goal="<= 1.11",
        ),
    ]


def main() -> None:
    print(header())
    for result in run("--quick" in sys.argv):
        print(result.line())


if __name__ == "__main__":
    main()
