"""Figure (3): what the library adds to each request: small GETs, 10 in flight, no latency.

Baseline: bare aiohttp, the request signed by hand (HMAC-SHA256, base64,
URL-encoded) and the body read with ``orjson.loads``. Ours: the whole pipeline
(limiter, uniqueness, signing, sending, decoding, error mapping), each request
distinct (identical ones would be shared, which the baseline cannot do). Time
per request; ratio = ours / baseline (1.11 = 0.9x the speed).

Run: ``python -m benchmarks.bench_overhead`` (``--quick``).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import sys
import time
from urllib.parse import quote

import aiohttp
import orjson

from mettl_async import CertiCheckClient, ClientOptions
from mettl_async.core.request import Request

from .common import Result, header, paired, sandbox_process

IN_FLIGHT = 10


async def bare(sandbox: dict[str, str], count: int, first: int) -> float:
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

        started = time.perf_counter()
        await asyncio.gather(*(one(first + i) for i in range(count)))
        return (time.perf_counter() - started) / count


async def ours(sandbox: dict[str, str], count: int, first: int) -> float:
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

        started = time.perf_counter()
        await asyncio.gather(*(one(first + i) for i in range(count)))
        return (time.perf_counter() - started) / count


def run(quick: bool) -> list[Result]:
    count, rounds = (500, 5) if quick else (2000, 9)
    offsets = iter(range(0, 10**9, count))
    with sandbox_process(applicants=100) as sandbox:
        asyncio.run(bare(sandbox, 200, next(offsets)))  # warm up
        mine, theirs, ratio = paired(
            rounds,
            lambda: asyncio.run(ours(sandbox, count, next(offsets))) * 1e6,
            lambda: asyncio.run(bare(sandbox, count, next(offsets))) * 1e6,
        )
    return [
        Result(
            f"small GETs, {IN_FLIGHT} in flight: us per request", mine, theirs, "us", ratio, goal="<= 1.11"
        )
    ]


def main() -> None:
    print(header())
    for result in run("--quick" in sys.argv):
        print(result.line())


if __name__ == "__main__":
    main()
