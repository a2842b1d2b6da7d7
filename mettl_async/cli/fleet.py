"""``mettl-async harvest KIND… --accounts FILE --out DB``: every account's lists, in one process."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click

from ..core.printable import printable
from ..core.retry import RetryPolicy
from ..harvest.outputs import format_for, shown
from ..harvest.progress import count
from .common import describe, is_debug, run, spelling

if TYPE_CHECKING:
    from ..fleet.harvest import Outcome


@attrs.frozen
class FleetRequest:
    """What the command was asked: the kinds, the accounts file, the output and the options."""

    kind_names: tuple[str, ...]
    accounts_file: Path
    out: str
    fmt: str | None
    resume: bool
    rate: float | None
    concurrency: int
    page_size: int | None
    timeout: float
    attempts: int
    max_response_bytes: int
    quiet: bool
    jobs: int
    redis_url: str | None


async def harvest_accounts(asked: FleetRequest) -> int:
    """Read the accounts, check everything, harvest every account's lists; say how each went."""
    from ..core.options import ClientOptions
    from ..core.uniqueness_files import FileUniqueness
    from ..fleet.accounts import read_accounts
    from ..fleet.harvest import account_options, check_output, harvest_fleet, plan
    from .fleet_progress import FleetDisplay

    fmt = format_for(asked.out, asked.fmt)
    check_output(asked.out, fmt)
    accounts = read_accounts(asked.accounts_file)
    if asked.rate is not None:  # --rate: the limit of every account that names none
        accounts = tuple(a if a.rate else attrs.evolve(a, rate=asked.rate) for a in accounts)
    units = plan(accounts, asked.kind_names)
    registry = None
    if asked.redis_url:
        from ..redisstore.registry import BudgetRegistry

        registry = BudgetRegistry(asked.redis_url)
    base = ClientOptions(
        concurrency=asked.concurrency,
        timeout=asked.timeout,
        max_response_bytes=asked.max_response_bytes,
        retry=RetryPolicy(attempts=asked.attempts),
        uniqueness=FileUniqueness.for_user(),
    )
    used = {unit.account.label: unit.account for unit in units}
    clients = {label: a.connect(account_options(a, base, registry)) for label, a in used.items()}
    display = FleetDisplay(sys.stderr, list(used), quiet=asked.quiet)
    try:
        outcomes = await harvest_fleet(
            units,
            clients,
            asked.out,
            fmt,
            display.progress_for,
            resume=asked.resume,
            page_size=asked.page_size,
            jobs=asked.jobs,
        )
    finally:
        display.close()
        for client in clients.values():
            await client.close()
        if registry is not None:
            await registry.aclose()
    return report(outcomes, shown(asked.out), quiet=asked.quiet)


def account_lines(outcomes: Sequence[Outcome]) -> list[str]:
    """A summary line per account, in the accounts file's order."""
    by_account: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_account.setdefault(outcome.unit.account.label, []).append(outcome)
    lines = []
    for label, theirs in by_account.items():
        parts = []
        for outcome in theirs:
            kind = outcome.unit.kind.name
            if outcome.error is not None:
                parts.append(f"{kind} FAILED: {describe(outcome.error)[1]}")
            else:
                assert outcome.summary is not None
                summary = outcome.summary
                resumed = f" (resumed at {summary.resumed_at:,})" if summary.resumed_at else ""
                parts.append(f"{kind} {count(summary.records, 'record', 'records')}{resumed}")
        lines.append(printable(f"{label}: {' · '.join(parts)}"))
    return lines


def report(outcomes: Sequence[Outcome], where: str, *, quiet: bool) -> int:
    """Each account's line (unless quiet, or failed: those always), the total, and the exit
    status: 0, or the status of the first failure, naming every failed account."""
    failed = [o for o in outcomes if o.error is not None]
    failed_accounts = list(dict.fromkeys(o.unit.account.label for o in failed))
    accounts = list(dict.fromkeys(o.unit.account.label for o in outcomes))
    lines = account_lines(outcomes)
    if not quiet:
        for line in lines:
            click.echo(line)
        records = sum(o.summary.records for o in outcomes if o.summary is not None)
        click.echo(
            f"harvested {count(len(outcomes) - len(failed), 'list', 'lists')} of "
            f"{count(len(accounts), 'account', 'accounts')}: {count(records, 'record', 'records')} to {where}"
        )
    if not failed:
        return 0
    if quiet:
        for line in lines:
            if line.split(":", 1)[0] in failed_accounts:
                click.echo(line, err=True)
    first = failed[0].error
    assert first is not None
    click.echo(
        f"mettl-async: {len(failed_accounts)} of {count(len(accounts), 'account', 'accounts')} failed: "
        f"{', '.join(failed_accounts)} (their runs are recorded failed; --resume continues them)",
        err=True,
    )
    return describe(first)[0]


def harvest_accounts_command(
    ctx: click.Context,
    kind_names: tuple[str, ...],
    accounts_file: Path,
    jobs: int,
    redis_url: str | None,
    out: str,
    fmt: str | None,
    resume: bool,
    changes_out: str | None,
    values: dict[str, Any],
) -> None:
    """``--accounts``: each account's settings come from the file, none from the command line."""
    from click.core import ParameterSource

    for name, value in values.items():
        if value is not None and ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            option = next(p for p in ctx.command.params if p.name == name)
            raise click.BadParameter(
                "with --accounts, each account's settings come from the accounts file, and no list "
                "is narrowed (a filter differs per account)",
                param_hint=max(option.opts, key=len),
            )
    if changes_out is not None:
        raise click.BadParameter(
            "takes one harvest's changes; with --accounts, each run's changes are in the output's "
            "tables (_change, _run_id) and mettl_harvest_runs",
            param_hint="--changes-out",
        )
    params = ctx.params
    asked = FleetRequest(
        kind_names=kind_names,
        accounts_file=accounts_file,
        out=out,
        fmt=fmt,
        resume=resume,
        rate=params["rate"],
        concurrency=params["concurrency"],
        page_size=params["page_size"],
        timeout=params["timeout"],
        attempts=params["attempts"],
        max_response_bytes=params["max_response_bytes"],
        quiet=params["quiet"],
        jobs=jobs,
        redis_url=redis_url,
    )
    run(lambda: harvest_accounts(asked), debug=is_debug(ctx), spelled=spelling(ctx))
