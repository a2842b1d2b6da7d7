"""Every account x kind of a fleet, harvested concurrently in one process into one database.

Each account has one client, shared by its kinds, so one rate limiter (its own ``rate``, or
its key's budget shared through Redis with every process of the fleet). A kind is harvested
for every account of its platform; a kind no account can harvest is refused. Everything that
can be checked (the kinds, a list needing a filter) is checked before anything is sent. An
account that fails (a wrong key, its platform down) fails alone: its run is recorded
``failed`` in the runs table and the others go on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..core.errors import ConfigurationError
from ..harvest.kinds import HarvestKind
from ..harvest.locking import OutputLock
from ..harvest.outputs import is_database_url, shown
from ..harvest.progress import Progress
from ..harvest.runner import HarvestSummary, harvest_fingerprint, run_harvest
from ..harvest.sink import Sink
from ..harvest.sinks import lock_output, open_sink
from ..harvest.threaded import COMMIT_INTERVAL, SinkThread
from ..platforms import kinds, platform_of
from .accounts import Account

if TYPE_CHECKING:
    from ..core.client import BaseClient
    from ..core.options import ClientOptions
    from ..core.paginator import Paginator
    from ..redisstore.registry import BudgetRegistry

#: Account x kind harvests running at once by default (each holds a database connection).
JOBS = 16
#: The formats a fleet lands in: a JSONL or CSV file holds one list of one account.
FLEET_FORMATS = ("sqlite", "postgresql")


class FleetError(ConfigurationError):
    """A fleet harvest that cannot run as asked (nothing was sent)."""


@attrs.frozen(eq=False)
class Unit:
    """One account's list: what one job harvests (each unit is itself: hashed by identity)."""

    account: Account
    kind: HarvestKind

    @property
    def name(self) -> str:
        return f"{self.account.label} {self.kind.name}"


@attrs.frozen
class Outcome:
    """How a unit ended: its summary, or the error that stopped it."""

    unit: Unit
    summary: HarvestSummary | None = None
    error: Exception | None = attrs.field(default=None, repr=False)

    @property
    def failed(self) -> bool:
        return self.error is not None


def plan(accounts: Sequence[Account], kind_names: Iterable[str]) -> tuple[Unit, ...]:
    """Each kind for every account of its platform, accounts in the file's order; a kind that no
    account can harvest is a :class:`FleetError`."""
    chosen = [kinds()[name] for name in dict.fromkeys(kind_names)]
    for kind in chosen:
        where = platform_of(kind)
        if not any(account.platform is where for account in accounts):
            raise FleetError(
                f'no account in the accounts file is on {where.title} (platform = "{where.name}"): '
                f"nothing would harvest {kind.name}; leave it out, or add such an account"
            )
    return tuple(Unit(a, k) for a in accounts for k in chosen if platform_of(k) is a.platform)


def check_output(out: Path | str, fmt: str) -> None:
    """A fleet lands in one database: many accounts and lists in its tables."""
    if fmt not in FLEET_FORMATS:
        raise FleetError(
            f"--accounts needs a database output (SQLite or PostgreSQL), where every account and kind "
            f"has its rows; {shown(out)} is {fmt}, which holds one list of one account"
        )


def account_options(
    account: Account, base: ClientOptions, registry: BudgetRegistry | None = None
) -> ClientOptions:
    """``base`` with the account's limit (``rate``, ``burst``), or, with a registry, its key's
    budget shared through Redis by every process of the fleet."""
    if registry is None:
        return base.replace(rate=account.rate, burst=account.burst)
    budget = registry.budget(account.budget_name, account.rate, account.burst)
    return base.replace(limiter=budget.limiter, uniqueness=budget.uniqueness)


def open_lists(
    units: Sequence[Unit], clients: Mapping[str, BaseClient], page_size: int | None
) -> dict[Unit, Paginator[Any]]:
    """Each unit's list, opened (nothing sent): a kind that needs a filter is refused here."""
    return {
        unit: unit.kind.open(clients[unit.account.label], {}, page_size or unit.kind.default_page_size)
        for unit in units
    }


async def harvest_unit(
    unit: Unit,
    client: BaseClient,
    paginator: Paginator[Any],
    out: Path | str,
    fmt: str,
    progress: Progress,
    *,
    resume: bool,
    lock: bool = True,
    anew: bool = False,
) -> HarvestSummary:
    """One account's list into ``out``, resumable from its checkpoint (``resume``); with ``anew``,
    a complete checkpoint starts a new run (a scheduled job: only an unfinished run continues)."""
    identity = {"platform": unit.account.platform.name, **client.identity()}
    fingerprint = harvest_fingerprint(unit.kind, {}, identity, fmt)
    label = unit.account.label

    def opened() -> Sink:
        sink = open_sink(out, fmt, unit.kind, fingerprint, resume=resume, lock=lock, account=label)
        if anew and sink.resumed is not None and sink.resumed.complete:
            sink.close()
            sink = open_sink(out, fmt, unit.kind, fingerprint, resume=False, lock=lock, account=label)
        return sink

    # The accounts of a SQLite fleet share one file, whose write lock a group commit would hold
    # between pages (every other account waiting on it): there each page is committed at once.
    output = SinkThread(opened, commit_interval=COMMIT_INTERVAL if is_database_url(out) else 0)
    try:
        await output.open()
    except BaseException:
        await output.aclose()
        raise
    stop_listening = client.events.subscribe(progress.on_event)
    try:
        return await run_harvest(paginator, output, progress, client.stats)
    finally:
        stop_listening()


async def harvest_fleet(
    units: Sequence[Unit],
    clients: Mapping[str, BaseClient],
    out: Path | str,
    fmt: str,
    progress_for: Callable[[Unit], Progress],
    *,
    resume: bool,
    page_size: int | None = None,
    jobs: int = JOBS,
) -> list[Outcome]:
    """Harvest every unit, ``jobs`` at a time, each account through its client; the outcomes in
    ``units``' order. A unit's failure is its outcome; Ctrl-C stops them all (each resumable)."""
    check_output(out, fmt)
    lists = open_lists(units, clients, page_size)
    # A SQLite file is locked once, for the whole fleet; a PostgreSQL harvest locks its own list.
    held: OutputLock | None = None if is_database_url(out) else lock_output(out)
    gate = asyncio.Semaphore(jobs)

    async def one(unit: Unit) -> Outcome:
        async with gate:
            client = clients[unit.account.label]
            try:
                summary = await harvest_unit(
                    unit, client, lists[unit], out, fmt, progress_for(unit), resume=resume, lock=held is None
                )
            except Exception as error:
                return Outcome(unit, error=error)
            return Outcome(unit, summary)

    try:
        return list(await asyncio.gather(*(one(unit) for unit in units)))
    finally:
        if held is not None:
            held.release()
