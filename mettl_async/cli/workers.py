"""``mettl-async worker`` and ``mettl-async enqueue``: a fleet's harvest across machines, on arq.

Needs the ``workers`` extra (``pip install 'mettl-async[workers]'``): arq, a task queue over
Redis. Jobs and the accounts they name are in :mod:`mettl_async.fleet.jobs`.
"""

from __future__ import annotations

import re
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import click

from ..core.retry import RetryPolicy
from .common import (
    Choice,
    UsageError,
    configure_logging,
    debug_option,
    is_debug,
    redis_option,
    run,
)

WORKERS_EXTRA = "the workers need arq: pip install 'mettl-async[workers]'"
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


def _kind_names() -> list[str]:
    from ..platforms import kinds

    return list(kinds())


def _times(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[clock_time, ...]:
    times = []
    for text in value:
        found = _TIME.match(text)
        if found is None:
            raise click.BadParameter(f"{text!r} is not a time of day written HH:MM or HH:MM:SS (UTC)")
        times.append(clock_time(int(found.group(1)), int(found.group(2)), int(found.group(3) or 0)))
    return tuple(times)


def _jobs() -> Any:
    try:
        from ..fleet import jobs
    except ImportError:
        raise UsageError(WORKERS_EXTRA) from None
    return jobs


def _need_redis(redis_url: str | None) -> str:
    if not redis_url:
        raise click.UsageError("the queue is in Redis: give --redis URL (or $METTL_REDIS_URL)")
    return redis_url


accounts_option = click.option(
    "--accounts",
    "accounts_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The accounts file (accounts.toml); every worker reads the same one: jobs name an "
    "account's label, never a credential.",
)


@click.command()
@accounts_option
@click.option(
    "--out",
    "-o",
    required=True,
    metavar="URL",
    help="The shared PostgreSQL output (postgresql://user@host/db) every worker writes.",
)
@redis_option
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Jobs (account lists) this worker runs at once.",
)
@click.option(
    "--slice",
    "slice_seconds",
    type=click.FloatRange(min=1),
    default=300.0,
    show_default=True,
    help="Seconds a job harvests before it goes back on the queue to continue from its checkpoint; "
    "a dead worker's job is given to another 12 to 40 s after this (a tenth of it, and arq's 10 s).",
)
@click.option(
    "--schedule",
    multiple=True,
    metavar="HH:MM",
    callback=_times,
    help="Every day at this time (UTC), queue every account's --kind lists (arq's cron: one worker "
    "of the fleet does it). Repeat for several times.",
)
@click.option(
    "--kind",
    "kind_names",
    multiple=True,
    type=Choice(_kind_names()),
    metavar="KIND",
    help="A kind the schedule queues (repeat for several).",
)
@click.option("--page-size", type=click.IntRange(min=1), help="Records per page asked for.")
@click.option(
    "--attempts",
    type=click.IntRange(min=1),
    default=RetryPolicy().attempts,
    show_default=True,
    help="Tries per request for failures another try may cure.",
)
@debug_option
@click.pass_context
def worker(
    ctx: click.Context,
    accounts_file: Path,
    out: str,
    redis_url: str | None,
    jobs: int,
    slice_seconds: float,
    schedule: tuple[clock_time, ...],
    kind_names: tuple[str, ...],
    page_size: int | None,
    attempts: int,
) -> None:
    """Run a fleet worker: harvest the lists queued by enqueue (or by --schedule) into --out.

    \b
    Start one or more per machine; each shares every key's rate budget through --redis
    with the whole fleet, so together they never exceed a platform's limit. A job
    killed with its worker is run again by another from its checkpoint.
    """
    redis = _need_redis(redis_url)
    if schedule and not kind_names:
        raise click.BadParameter(
            "a schedule queues the lists of --kind KIND (repeat it)", param_hint="--kind"
        )
    if not out.lower().startswith(("postgresql://", "postgres://")):
        raise click.BadParameter(
            "workers on several machines share a PostgreSQL output: postgresql://user@host/db",
            param_hint="--out",
        )
    if not is_debug(ctx):  # a line per job started, sliced, failed, finished
        configure_logging(False, warnings=True, info=("mettl_async.fleet.jobs",))

    async def go() -> int:
        queue = _jobs()
        from ..fleet.accounts import read_accounts
        from ..fleet.harvest import plan

        accounts = read_accounts(accounts_file)  # checked before the first job
        if kind_names:
            plan(accounts, kind_names)
        config = queue.WorkerConfig(
            accounts_file=accounts_file,
            out=out,
            redis_url=redis,
            slice=slice_seconds,
            page_size=page_size,
            attempts=attempts,
            kinds=kind_names,
            schedule=schedule,
        )
        runner = queue.worker(config, max_jobs=jobs)
        try:
            await runner.async_run()
        finally:
            await runner.close()
        return 0

    run(go, debug=is_debug(ctx), interrupted=0)


@click.command()
@click.argument("kind_names", nargs=-1, required=True, type=Choice(_kind_names()), metavar="KIND")
@accounts_option
@redis_option
@debug_option
@click.pass_context
def enqueue(
    ctx: click.Context, kind_names: tuple[str, ...], accounts_file: Path, redis_url: str | None
) -> None:
    """Queue a job per account x KIND for the fleet's workers (a list already queued or running
    is not queued again)."""
    redis = _need_redis(redis_url)

    async def go() -> int:
        queue = _jobs()
        from ..fleet.accounts import read_accounts
        from ..fleet.harvest import plan

        units = plan(read_accounts(accounts_file), kind_names)
        pool = await queue.connect(redis)
        try:
            queued = await queue.enqueue(pool, units)
        finally:
            await pool.aclose()
        already = len(units) - queued
        click.echo(
            f"queued {queued} of {len(units)} lists" + (f" ({already} already queued)" if already else "")
        )
        return 0

    run(go, debug=is_debug(ctx))
