"""Figure (6): four processes share one rate budget through Redis against a server limited to 40/s.

Each worker process harvests distinct pages through ``shared_budget`` (one
Redis, one budget name) with 8 requests in flight; the sandbox polices 40
requests per second (burst 10) and counts the 429s and the refused (reused)
signatures. The ideal is the server's limit: 40 requests per second in
aggregate, no 429, no signature refused. Printed as milliseconds per request
of the four together against the ideal 25 ms (ratio 1.00x = the limit exactly;
below 0.95x would mean the server was sent more than it allows).

Run: ``python -m benchmarks.bench_redis`` (``--quick`` for fewer requests). Needs
``redis-server`` on the PATH and the ``redis`` extra.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mettl_async import ClientOptions
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig
from tests.support.redisserver import RedisServer, redis_server_path

from .common import Result

SERVER_RATE, SERVER_BURST, PROCESSES, IN_FLIGHT = 40.0, 10, 4, 8


async def work(job: dict[str, Any]) -> dict[str, Any]:
    """One worker: ``count`` distinct first pages through the shared budget, from ``at`` on."""
    from mettl_async import CertiCheckClient, MettlError
    from mettl_async.redisstore import shared_budget

    config = SandboxConfig()
    budget = shared_budget(job["redis_url"], job["name"], rate=job["rate"])
    client = CertiCheckClient(
        config.public_key,
        config.private_key,
        config.subdomain,
        base_url=job["base_url"],
        options=ClientOptions(limiter=budget.limiter, uniqueness=budget.uniqueness),
    )
    gate = asyncio.Semaphore(IN_FLIGHT)
    done: list[float] = []
    failed = 0

    async def page(i: int) -> None:
        nonlocal failed
        async with gate:
            try:  # 100 sizes per worker: no two requests of the same second alike
                await client.tests.list(page_size=job["first_size"] + i % 100)
            except MettlError:
                failed += 1
            else:
                done.append(time.time())

    await asyncio.sleep(max(0.0, job["at"] - time.time()))
    await asyncio.gather(*(page(i) for i in range(job["count"])))
    stats = client.stats
    await client.close()
    await budget.aclose()
    return {"done": done, "failed": failed, "rate_limited": stats.rate_limited, "requests": stats.requests}


def worker() -> None:
    job = json.loads(sys.argv[2])
    print("ready", flush=True)
    job["at"] = float(sys.stdin.readline())
    print(json.dumps(asyncio.run(work(job))), flush=True)


def scenario(redis_url: str, told: float | None, per_worker: int) -> dict[str, float]:
    """One run: the aggregate rate (from the common start, and from the first answer to the
    last), the 429s and refused signatures the server counted."""
    sandbox = CertiCheckSandbox(SandboxConfig(applicants=10, rate=SERVER_RATE, burst=SERVER_BURST))
    with SandboxThread(sandbox) as server:
        name = f"bench-{time.time_ns()}"
        procs = []
        for i in range(PROCESSES):
            job = {"base_url": server.base_url, "redis_url": redis_url, "name": name, "rate": told}
            job |= {"count": per_worker, "first_size": 1 + 100 * i}
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "benchmarks.bench_redis", "--worker", json.dumps(job)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                    cwd=Path(__file__).resolve().parents[1],
                )
            )
        answers: list[dict[str, Any]] = []
        finished = False
        try:
            for proc in procs:
                assert proc.stdout is not None
                if proc.stdout.readline().strip() != "ready":
                    raise RuntimeError("a benchmark worker did not start")
            start = time.time() + 0.2
            for proc in procs:
                assert proc.stdin is not None
                proc.stdin.write(f"{start}\n")
                proc.stdin.close()
            for proc in procs:
                assert proc.stdout is not None
                answers.append(json.loads(proc.stdout.read()))
            finished = True
        finally:
            for proc in procs:
                if not finished and proc.poll() is None:
                    proc.kill()
                proc.wait(60)
                if proc.stdout is not None:
                    proc.stdout.close()
                if proc.stdin is not None:
                    proc.stdin.close()
        seen = list(sandbox.requests)
    done = sorted(t for a in answers for t in a["done"])
    return {
        "rate": len(done) / (done[-1] - start),
        "steady": (len(done) - 1) / (done[-1] - done[0]),
        "first": done[0] - start,
        "completed": len(done),
        "failed": sum(a["failed"] for a in answers),
        "sent": len(seen),
        "429": sum(1 for r in seen if r.error_code == "429"),
        "reused": sum(1 for r in seen if r.error_code == "E401"),
    }


def run(quick: bool) -> list[Result]:
    """Figure (6), told the rate and not told; prints the counts beside the ratios."""
    if redis_server_path() is None:
        print("bench_redis: redis-server is not installed; skipped")
        return []
    per_worker = 50 if quick else 150
    results = []
    with tempfile.TemporaryDirectory() as directory, RedisServer(Path(directory)) as redis:
        for told, label in ((SERVER_RATE, "told 40/s"), (None, "not told")):
            numbers = scenario(redis.url, told, per_worker)
            results.append(
                Result(
                    f"redis: {PROCESSES} procs, {label}, ms/request",
                    1000.0 / numbers["rate"],
                    1000.0 / SERVER_RATE,
                    "ms",
                )
            )
            share = numbers["429"] / numbers["sent"] if numbers["sent"] else 0.0
            print(
                f"  {label}: aggregate {numbers['rate']:.2f} req/s from the common start "
                f"({numbers['rate'] / SERVER_RATE:.3f} of {SERVER_RATE:g}; first answer after "
                f"{numbers['first'] * 1000:.0f} ms), {numbers['steady']:.2f} req/s first to last answer; "
                f"{numbers['429']} x 429 ({share:.2%} of {numbers['sent']} sent), "
                f"{numbers['reused']} reused signatures, {numbers['failed']} failed calls"
            )
    return results


def main() -> None:
    if "--worker" in sys.argv:
        worker()
        return
    print(f"{'benchmark':<44} {'mettl_async':>12} {'ideal':>12} {'ratio':>7}")
    for result in run("--quick" in sys.argv):
        print(result.line())


if __name__ == "__main__":
    main()
