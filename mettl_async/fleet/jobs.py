"""A fleet's harvest as jobs on arq, a task queue over Redis: one job per account x kind.

``mettl-async enqueue`` (or a worker's schedule, arq's cron) puts a job per account x kind on
the queue, named ``mettl:LABEL:KIND`` so a list is never queued twice; ``mettl-async worker``
runs them. A job carries the label and the kind, never a credential: every worker reads the
same accounts file. Each job harvests its list into the shared PostgreSQL output, continuing
the list's unfinished run from its checkpoint (a complete one starts anew), under its key's
budget in Redis, shared by every worker of the fleet.

A job harvests for at most ``slice`` seconds, then asks arq to run it again at once (``Retry``):
its checkpoint is durable, so the next slice, on whichever worker takes it, goes on from there.
That keeps a job shorter than arq's timeout, which is also how long arq waits before giving a
job whose worker died (SIGKILL, a lost machine) to another: :func:`job_timeout` + arq's 10 s.

Only this module and the command import arq (the ``workers`` extra).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import attrs
from arq import Retry, cron
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.cron import CronJob
from arq.worker import Worker, func

from ..core.options import ClientOptions
from ..core.retry import RetryPolicy
from ..harvest.locking import OutputBusyError
from ..harvest.progress import Progress
from ..harvest.runner import failure_text
from ..platforms import kinds
from ..redisstore.registry import BudgetRegistry
from .accounts import Account, read_accounts
from .harvest import Unit, account_options, harvest_unit, plan

log = logging.getLogger("mettl_async.fleet.jobs")

#: The job function's name on the queue.
JOB = "mettl_harvest_list"
#: Seconds a job harvests before it is run again from its checkpoint (see the module).
SLICE = 300.0
#: Seconds between a slice's end and arq's timeout, at most: the page in hand is written and closed.
MARGIN = 30.0
#: Seconds a job waits before trying a list whose output another worker still holds.
BUSY_RETRY = 5.0
#: Tries of one job, slices included (a job is not retried after a failure: it is recorded).
MAX_TRIES = 100_000


def job_timeout(slice_seconds: float) -> float:
    """arq's timeout for a job of ``slice_seconds``: the slice and a tenth of it (2 to 30 s) to
    finish the page in hand. arq gives a dead worker's job to another 10 s after this."""
    return slice_seconds + min(MARGIN, max(2.0, slice_seconds / 10))


def job_id(unit: Unit) -> str:
    """The job of an account's list: one at a time on the queue."""
    return f"mettl:{unit.account.label}:{unit.kind.name}"


@attrs.frozen
class WorkerConfig:
    """What every job of a worker needs: the accounts, the output, Redis, the client's options."""

    accounts_file: Path
    out: str
    redis_url: str
    slice: float = SLICE
    page_size: int | None = None
    concurrency: int = 16
    timeout: float = 60.0
    attempts: int = RetryPolicy().attempts
    #: The kinds a scheduled run enqueues, and when (UTC, every day).
    kinds: tuple[str, ...] = ()
    schedule: tuple[clock_time, ...] = ()


async def startup(ctx: dict[str, Any]) -> None:
    config: WorkerConfig = ctx["config"]
    ctx["accounts"] = {a.label: a for a in read_accounts(config.accounts_file)}
    ctx["registry"] = BudgetRegistry(config.redis_url)


async def shutdown(ctx: dict[str, Any]) -> None:
    registry: BudgetRegistry | None = ctx.get("registry")
    if registry is not None:
        await registry.aclose()


async def harvest_list(ctx: dict[str, Any], label: str, kind_name: str) -> dict[str, Any]:
    """The job: the account ``label``'s list ``kind_name`` into the output, for one slice."""
    config: WorkerConfig = ctx["config"]
    accounts: Mapping[str, Account] = ctx["accounts"]
    account, kind = accounts.get(label), kinds().get(kind_name)
    if account is None or kind is None:
        reason = f"no account {label!r} in {config.accounts_file}" if account is None else "no such kind"
        log.warning("job %s %s: %s", label, kind_name, reason)
        return {"account": label, "kind": kind_name, "status": "failed", "error": reason}
    unit = Unit(account, kind)
    tried = int(ctx.get("job_try", 1))
    log.info("started %s (try %d)", unit.name, tried)
    base = ClientOptions(
        concurrency=config.concurrency, timeout=config.timeout, retry=RetryPolicy(attempts=config.attempts)
    )
    client = account.connect(account_options(account, base, ctx["registry"]))
    try:
        paginator = kind.open(client, {}, config.page_size or kind.default_page_size)
        work = harvest_unit(
            unit, client, paginator, config.out, "postgresql", Progress(), resume=True, anew=True
        )
        summary = await asyncio.wait_for(work, config.slice)
    except TimeoutError:
        log.info("sliced %s after %gs: continued from its checkpoint", unit.name, config.slice)
        raise Retry(defer=0) from None
    except OutputBusyError:
        raise Retry(defer=BUSY_RETRY) from None
    except Exception as error:
        log.warning("failed %s: %s", unit.name, failure_text(error))
        return {"account": label, "kind": kind_name, "status": "failed", "error": failure_text(error)}
    finally:
        await client.close()
    log.info("finished %s: %d records", unit.name, summary.records)
    return {"account": label, "kind": kind_name, "status": "complete", "records": summary.records}


async def enqueue(pool: ArqRedis, units: Sequence[Unit]) -> int:
    """Queue a job per unit; how many were queued (a list already queued or running is not)."""
    queued = 0
    for unit in units:
        job = await pool.enqueue_job(JOB, unit.account.label, unit.kind.name, _job_id=job_id(unit))
        queued += job is not None
    return queued


async def enqueue_scheduled(ctx: dict[str, Any]) -> int:
    """The schedule's cron job: every account's scheduled kinds, queued."""
    config: WorkerConfig = ctx["config"]
    units = plan(tuple(ctx["accounts"].values()), config.kinds)
    queued = await enqueue(ctx["redis"], units)
    log.info("scheduled run: %d jobs queued", queued)
    return queued


def settings(redis_url: str) -> RedisSettings:
    return RedisSettings.from_dsn(redis_url)


async def connect(redis_url: str) -> ArqRedis:
    return await create_pool(settings(redis_url))


def schedule_jobs(config: WorkerConfig) -> list[CronJob]:
    """arq's cron job per scheduled time (unique: one worker of the fleet enqueues)."""
    return [
        cron(
            enqueue_scheduled,
            name=f"mettl_schedule_{at.strftime('%H%M%S')}",
            hour={at.hour},
            minute={at.minute},
            second={at.second},
            unique=True,
        )
        for at in config.schedule
    ]


def worker(config: WorkerConfig, *, max_jobs: int) -> Worker:
    """An arq worker running the fleet's jobs (and its schedule), made in the running loop."""
    return Worker(
        functions=[func(harvest_list, name=JOB, max_tries=MAX_TRIES)],
        cron_jobs=schedule_jobs(config),
        redis_settings=settings(config.redis_url),
        on_startup=startup,
        on_shutdown=shutdown,
        ctx={"config": config},
        max_jobs=max_jobs,
        job_timeout=job_timeout(config.slice),
        max_tries=MAX_TRIES,
        handle_signals=True,
        keep_result=86_400,
    )
