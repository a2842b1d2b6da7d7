"""A worker process for ``test_redis_backend.py``: one JSON job per line on stdin, one JSON
answer per line on stdout. Each job builds its own CertiCHECK client (through a shared budget
when it names a Redis, from a registry of the job's own: a Redis call that timed out in an earlier
job under load would otherwise keep this process on its fallback limiter for a while), waits
until the job's ``at`` (epoch seconds) so that workers start together, runs, and closes everything."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from mettl_async import CertiCheckClient, ClientOptions
from mettl_async.redisstore import BudgetRegistry, SharedBudget
from mettl_async.testing.certicheck import SandboxConfig


async def run(job: dict[str, Any]) -> dict[str, Any]:
    config = SandboxConfig()
    budget: SharedBudget | None = None
    registry: BudgetRegistry | None = None
    options: dict[str, Any] = {"rate": job.get("rate"), "burst": job.get("burst", 1)}
    if job.get("redis_url"):
        registry = BudgetRegistry(job["redis_url"])
        budget = registry.budget(job["name"], rate=job.get("rate"), burst=job.get("burst", 1))
        options = {"limiter": budget.limiter, "uniqueness": budget.uniqueness}
    client = CertiCheckClient(
        config.public_key,
        config.private_key,
        config.subdomain,
        base_url=job["base_url"],
        options=ClientOptions(**options),
    )
    answer: dict[str, Any] = {}
    try:
        await asyncio.sleep(max(0.0, job.get("at", 0.0) - time.time()))
        answer["started"] = time.time()
        if job["kind"] == "pages":  # distinct requests (identical ones would be coalesced)
            times: list[float] = []
            gate = asyncio.Semaphore(job.get("concurrency", 4))

            async def page(size: int) -> None:
                async with gate:
                    await client.tests.list(page_size=size)
                    times.append(time.time())

            await asyncio.gather(*(page(size) for size in job["sizes"]))
            answer["times"] = times
        elif job["kind"] == "same":  # the one request every worker sends
            await client.account.get()
            answer["times"] = [time.time()]
        elif job["kind"] == "nonces":
            assert budget is not None
            answer["nonces"] = [await budget.uniqueness.nonce() for _ in range(job["count"])]
    except Exception as error:  # reported to the test, which shows it
        answer["error"] = f"{type(error).__name__}: {error}"
    finally:
        answer["rate_limited"] = client.stats.rate_limited
        answer["requests"] = client.stats.requests
        await client.close()
        if budget is not None:
            await budget.aclose()
        if registry is not None:
            await registry.aclose()
    return answer


def main() -> None:
    print("ready", flush=True)
    for line in sys.stdin:
        print(json.dumps(asyncio.run(run(json.loads(line)))), flush=True)


if __name__ == "__main__":
    main()
