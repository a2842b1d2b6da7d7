"""``mettl-async harvest KIND --out FILE``: every record of a list, durably and resumably."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..core.errors import InputError
from ..core.options import DEFAULT_MAX_RESPONSE_BYTES
from ..core.retry import RetryPolicy
from ..core.settings import Setting
from ..harvest.kinds import Filter, HarvestKind
from ..harvest.locking import set_command
from ..harvest.outputs import FORMATS, format_for, is_stream, shown
from ..harvest.progress import count
from ..harvest.runner import HarvestSummary, harvest_fingerprint, run_harvest, summarize
from ..harvest.sinks import open_sink
from ..harvest.stream import OutputClosedError
from ..harvest.threaded import COMMIT_INTERVAL, SinkThread
from ..platforms import PLATFORMS, kinds, platform_of
from .common import EXIT_BROKEN_PIPE, Choice, UsageError, debug_option, is_debug, redis_option, run, spelling

#: Account lists a fleet harvests at once by default (mettl_async.fleet.harvest.JOBS, not imported
#: here: the command's help must not load the fleet's modules).
JOBS = 16

OUT_HELP = (
    "Output: a file (.jsonl, .csv, .sqlite/.db), - for JSONL on stdout, or postgresql://user@host/db. "
    "Stdout, /dev/stdout, pipes and devices are written without fsync or checkpoint (no --resume). "
    "One writer per output: a second one is refused."
)


def _click_type(kind: Any) -> Any:
    if kind is int:
        return click.IntRange(min=1)
    if isinstance(kind, tuple):
        return click.Choice(kind)
    return str


def _all_settings() -> list[Setting]:
    """Every setting of every platform that has lists to pull (platforms may share one: the two
    Mettl APIs take the same keys)."""
    seen: dict[str, Setting] = {}
    for entry in PLATFORMS:
        if entry.kinds:
            for setting in entry.settings:
                seen.setdefault(setting.name, setting)
    return list(seen.values())


def _all_filters() -> list[Filter]:
    """One option per filter name; kinds sharing a name (``--email``) share the option, its
    help joined from each (they must take the same kind of value)."""
    seen: dict[str, Filter] = {}
    for kind in kinds().values():
        for item in kind.filters:
            known = seen.get(item.name)
            if known is None:
                seen[item.name] = item
            elif known.kind != item.kind:
                raise RuntimeError(f"two kinds declare the filter {item.name!r} with different values")
            elif item.help not in known.help:
                seen[item.name] = Filter(item.name, f"{known.help} {item.help}", item.kind)
    return list(seen.values())


def _setting_type(setting: Setting) -> Any:
    return click.Choice(setting.choices) if setting.choices else None


def kind_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Every platform's settings and every kind's filters, as options."""
    options = [
        click.option(s.option, s.name, envvar=s.envvar, show_envvar=True, help=s.help, type=_setting_type(s))
        for s in _all_settings()
    ] + [
        click.option("--" + f.name.replace("_", "-"), f.name, type=_click_type(f.kind), help=f.help)
        for f in _all_filters()
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _epilog() -> str:
    """Every kind with its table, natural key and columns (laid out here, unbroken at hyphens:
    click would rewrap ``slot-windows`` as ``slot-`` and ``windows``)."""
    paragraphs = [
        "Kinds, and the flat rows of each (CSV's rows; in SQLite and PostgreSQL the view named after "
        "the table, account first, over the typed tables --columns KIND lists; JSONL keeps each "
        "record as sent):"
    ]
    for kind in kinds().values():
        text = (
            f"{kind.name} ({platform_of(kind).title}): {kind.help}. Table {kind.table}, "
            f"key {', '.join(kind.key)}; columns {', '.join(kind.columns)}."
        )
        paragraphs.append(
            "\b\n" + textwrap.fill(text, width=94, break_on_hyphens=False, subsequent_indent="  ")
        )
    return "\n\n".join(paragraphs)


def _show_columns(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None or ctx.resilient_parsing:
        return
    from ..harvest.reference import columns_text

    chosen = kinds()[value]
    click.echo(columns_text(chosen, platform_of(chosen).title))
    ctx.exit()


@click.command(epilog=_epilog())
@click.argument("kind_names", nargs=-1, required=True, type=Choice(list(kinds())), metavar="KIND")
@click.option(
    "--accounts",
    "accounts_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="An accounts file (accounts.toml): every KIND for each account of its platform, "
    "concurrently, each account under its own rate budget, into one database --out.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=JOBS,
    show_default=True,
    help="With --accounts: account lists harvested at once.",
)
@redis_option
@click.option("--out", "-o", "out", metavar="FILE|-|URL", required=True, help=OUT_HELP)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format [default: from the extension: .jsonl, .csv, .sqlite/.db; jsonl for a stream].",
)
@click.option(
    "--resume", is_flag=True, help="Continue from the output's checkpoint (beside a file, inside a database)."
)
@click.option("--restart", is_flag=True, help="Start over even if the output holds an unfinished harvest.")
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    help="The server's limit in requests per second, if you know it [default: find it].",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=16,
    show_default=True,
    help="Requests in flight, at most: pages of a list whose next page can be foreseen are "
    "fetched this many ahead.",
)
@click.option("--page-size", type=click.IntRange(min=1), help="Records per page asked for.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds a request may take before it is retried.",
)
@click.option(
    "--attempts",
    type=click.IntRange(min=1),
    default=RetryPolicy().attempts,
    show_default=True,
    help="Tries per request for failures another try may cure (a refused connection, a lost one, "
    "a 5xx), with growing waits between them; 1: report the first failure at once.",
)
@click.option(
    "--max-response-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_RESPONSE_BYTES,
    show_default=True,
    help="Bytes of one response body (decompressed) read at most; a larger one stops the harvest "
    "(a smaller --page-size may help).",
)
@click.option(
    "--commit-interval",
    type=click.FloatRange(min=0),
    default=COMMIT_INTERVAL,
    metavar="SECONDS",
    help=f"How long a written page waits at most to be made durable (default {COMMIT_INTERVAL}; 0: no wait).",
)
@click.option(
    "--changes-out",
    metavar="FILE|-",
    help="SQLite and PostgreSQL: once the run is complete, write what it found new, changed or gone "
    "(a JSONL line each, with the change, the account, the key and the record) to FILE, or - for stdout.",
)
@click.option(
    "--columns",
    type=click.Choice(list(kinds())),
    metavar="KIND",
    is_eager=True,
    expose_value=False,
    callback=_show_columns,
    help="List KIND's tables and columns with their types, and exit.",
)
@click.option("--quiet", "-q", is_flag=True, help="Nothing on success: no progress display, no summary.")
@kind_options
@debug_option
@click.pass_context
def harvest(
    ctx: click.Context,
    /,
    kind_names: tuple[str, ...],
    accounts_file: Path | None,
    jobs: int,
    redis_url: str | None,
    out: str,
    fmt: str | None,
    resume: bool,
    restart: bool,
    rate: float | None,
    concurrency: int,
    page_size: int | None,
    timeout: float,
    attempts: int,
    max_response_bytes: int,
    commit_interval: float,
    changes_out: str | None,
    quiet: bool,
    **values: Any,
) -> None:
    """Write every record of KIND to --out (of every KIND of every account, with --accounts).

    \b
    JSONL keeps each record exactly as the API returned it; CSV holds the account
    and the documented columns (nested lists become one row each); SQLite and
    PostgreSQL hold typed tables, a row per record and per nested element, with
    each run's new, changed and gone records (--columns KIND lists them).
    Ctrl-C keeps everything fetched; --resume continues where a run stopped.
    --out - writes JSONL to stdout (messages go to stderr), for a pipe:
    mettl-async harvest results --out - | jq .email
    """
    if resume and restart:
        raise click.BadParameter("give --resume or --restart, not both", param_hint="--restart")
    if accounts_file is not None:
        from .fleet import harvest_accounts_command

        harvest_accounts_command(
            ctx, kind_names, accounts_file, jobs, redis_url, out, fmt, resume, changes_out, values
        )
        return
    if len(kind_names) > 1:
        raise click.BadParameter(
            "several kinds are harvested together for the accounts of an accounts file (--accounts "
            "FILE); for one account, give one KIND",
            param_hint="KIND",
        )
    chosen = kinds()[kind_names[0]]
    where_from = platform_of(chosen)
    setting_names = {s.name for s in where_from.settings}
    filter_names = {f.name for f in chosen.filters}
    for name, value in values.items():
        if value is None or name in filter_names or name in setting_names:
            continue
        if any(name == f.name for f in _all_filters()):
            takers = [k.name for k in kinds().values() if any(f.name == name for f in k.filters)]
            raise click.BadParameter(
                f"applies to {' and '.join(takers)} only", param_hint="--" + name.replace("_", "-")
            )
    settings = {k: v for k, v in values.items() if k in setting_names}
    filters = {k: values.get(k) for k in filter_names}

    async def go() -> int:
        from ..core.options import ClientOptions
        from ..core.uniqueness_files import FileUniqueness

        # signed seconds shared with this user's other runs: a run right after another does not
        # begin with a signature the other just used (core/uniqueness_files.py)
        options = ClientOptions(
            rate=rate,
            concurrency=concurrency,
            timeout=timeout,
            max_response_bytes=max_response_bytes,
            retry=RetryPolicy(attempts=attempts),
            uniqueness=FileUniqueness.for_user(),
        )
        registry = None
        if redis_url:  # the key's budget, shared with every other process using it
            from ..redisstore.registry import BudgetRegistry

            registry = BudgetRegistry(redis_url)
            budget = registry.budget(where_from.budget_name(settings), rate)
            options = options.replace(limiter=budget.limiter, uniqueness=budget.uniqueness)
        client = where_from.connect(settings, options)
        try:
            async with client:
                return await harvest_to(
                    client,
                    chosen,
                    filters,
                    out,
                    fmt,
                    resume=resume,
                    restart=restart,
                    page_size=page_size,
                    quiet=quiet,
                    changes_out=changes_out,
                    commit_interval=commit_interval,
                )
        finally:
            if registry is not None:
                await registry.aclose()

    # errors name the options typed (--page-size, --private-key), not the library's arguments
    run(go, debug=is_debug(ctx), spelled=spelling(ctx, {s.keyword: s.name for s in where_from.settings}))


async def harvest_to(
    client: Any,
    kind: HarvestKind,
    filters: dict[str, Any],
    out: Path | str,
    fmt: str | None,
    *,
    resume: bool,
    page_size: int | None,
    quiet: bool,
    restart: bool = False,
    changes_out: str | None = None,
    commit_interval: float = COMMIT_INTERVAL,
) -> int:
    """Harvest into ``out`` (a file, ``-``, a PostgreSQL URL) with a progress display and a summary.

    Everything that can be checked is checked before the output is touched; a
    run that stops after writing says what it kept. Writing to a stream, the
    messages go to stderr; a reader that goes away ends the run with 141.
    """
    from .progress import fold, open_progress  # rich, loaded only when a harvest runs

    fmt = format_for(out, fmt)
    where, streaming = shown(out), is_stream(out)
    if resume and streaming:
        raise UsageError(
            f"--resume needs a checkpoint, and {where} is a stream (stdout, a pipe or a device), which "
            "keeps none: write to a file or a database to be able to resume"
        )
    if changes_out is not None and fmt not in ("sqlite", "postgresql"):
        raise InputError(
            "--changes-out", f"needs an output that keeps runs (SQLite or PostgreSQL); {where} is {fmt}"
        )
    paginator = kind.open(client, filters, page_size or kind.default_page_size)
    account = {"platform": platform_of(kind).name, **client.identity()}
    fingerprint = harvest_fingerprint(kind, filters, account, fmt)
    set_command(f"mettl-async harvest {kind.name} --out {where}")
    account_name = client.account_name
    output = SinkThread(
        lambda: open_sink(out, fmt, kind, fingerprint, resume=resume, restart=restart, account=account_name),
        commit_interval=commit_interval,
        sleep=client.options.sleep,
    )
    try:
        sink = await output.open()
    except BaseException:
        await output.aclose()
        raise
    progress = open_progress(sys.stderr, quiet=quiet)
    stop_listening = client.events.subscribe(progress.on_event)
    try:
        summary = await run_harvest(paginator, output, progress, client.stats, changes_to=changes_out)
    except OutputClosedError:
        return EXIT_BROKEN_PIPE  # the reader has what it wanted (`| head`): nothing to say
    except BaseException:
        if sink.records:
            stopped = summarize(sink, progress, complete=False).line(where)
            hint = "" if streaming else "; re-run with --resume to continue"
            click.echo(fold(f"{stopped}{hint}", sys.stderr), err=True)
        raise
    finally:
        stop_listening()
    if not quiet:  # --quiet: nothing at all on success (errors are still said)
        aside = streaming or changes_out == "-"  # stdout carries records or changes
        said = _finished(summary, where) + rows_note(kind, fmt)
        click.echo(fold(said, sys.stderr if aside else sys.stdout), err=aside)
    return 0


def _finished(summary: HarvestSummary, where: str) -> str:
    if summary.pages == 0 and summary.resumed_at:
        return f"already complete: {count(summary.records, 'record', 'records')} in {where}"
    return summary.line(where)


def rows_note(kind: HarvestKind, fmt: str) -> str:
    """What a summary's record count means in a table, when a record is several rows there."""
    if kind.row_per is None or fmt == "jsonl":
        return ""
    return f" (records as the API sends them; {kind.table} has a row per {kind.row_per} of each)"
