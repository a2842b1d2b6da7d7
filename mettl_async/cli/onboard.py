"""``mettl-async onboard OPERATION FILE``: bulk writes from a spreadsheet, each row landed once.

One subcommand per operation of every platform (the registry's
:func:`~mettl_async.platforms.operations`), with the platform's settings as options (as
``harvest`` makes them), the operation's own options, and ``--dry-run``, ``--report``,
``--journal``. Exit status 1 when any row is refused or unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..core.retry import RetryPolicy
from ..harvest.locking import set_command
from ..platforms import Platform, operations

if TYPE_CHECKING:
    from ..onboard.model import Operation
from .common import EXIT_ERROR, debug_option, is_debug, run


def _epilog(operation: Operation) -> str:
    columns = "; ".join(f"{c.name}{'' if c.required else ' (optional)'}: {c.help}" for c in operation.columns)
    extra = (
        f"; {operation.open_columns}" if operation.open_columns else "; other columns are kept in the report"
    )
    return (
        f"Columns (a header row names them; any case): {columns}{extra}. "
        "CSV (Excel's too: a byte-order mark, ';' or tab separators) or JSONL (.jsonl)."
    )


def _options(where: Platform, operation: Operation) -> list[Callable[[Any], Any]]:
    """The platform's settings and the operation's own options."""
    settings = [
        click.option(
            s.option,
            s.name,
            envvar=s.envvar,
            show_envvar=True,
            help=s.help,
            type=click.Choice(s.choices) if s.choices else None,
        )
        for s in where.settings
    ]
    own = [
        click.option(
            f"--{o.name.replace('_', '-')}/--no-{o.name.replace('_', '-')}" if o.flag else f"--{o.name}",
            o.name,
            default=o.default,
            required=o.required,
            help=o.help,
        )
        for o in operation.options
    ]
    return settings + own


def _command(where: Platform, operation: Operation) -> click.Command:
    setting_names = {s.name for s in where.settings}
    option_names = [o.name for o in operation.options]

    @click.pass_context
    def command(
        ctx: click.Context,
        /,
        file: Path,
        dry_run: bool,
        report: Path | None,
        journal: Path | None,
        timeout: float,
        attempts: int,
        rate: float | None,
        **values: Any,
    ) -> None:
        settings = {k: v for k, v in values.items() if k in setting_names}
        chosen = {name: values.get(name) for name in option_names}

        async def go() -> int:
            from ..core.options import ClientOptions
            from ..onboard.job import onboard
            from ..onboard.journal import journal_path
            from ..onboard.source import read_sheet

            sheet = read_sheet(file)
            options = ClientOptions(rate=rate, timeout=timeout, retry=RetryPolicy(attempts=attempts))
            set_command(f"mettl-async onboard {operation.name} {file}")
            kept = journal or journal_path(file)
            if dry_run and not operation.reads_account:  # checked offline: no credentials needed
                await onboard(
                    operation, None, sheet, chosen, journal=kept, report=None, dry=True, echo=click.echo
                )
                return 0
            client = where.connect(settings, options)
            async with client:
                summary = await onboard(
                    operation,
                    client,
                    sheet,
                    chosen,
                    journal=kept,
                    report=report,
                    dry=dry_run,
                    echo=click.echo,
                )
            if summary is None:
                return 0
            click.echo(summary.line(operation.name) + (f" (report: {report})" if report else ""))
            return EXIT_ERROR if summary.failed else 0

        run(go, debug=is_debug(ctx))

    for option in reversed(_options(where, operation)):
        command = option(command)
    decorated = click.option(
        "--rate",
        type=click.FloatRange(min=0, min_open=True),
        help="The server's limit in requests per second, if you know it [default: find it].",
    )(command)
    decorated = click.option(
        "--attempts",
        type=click.IntRange(min=1),
        default=RetryPolicy().attempts,
        show_default=True,
        help="Tries per request for failures another try may cure without a double effect (a "
        "refused connection, a throttle; a read-back's lost answer or 5xx).",
    )(decorated)
    decorated = click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=60.0,
        show_default=True,
        help="Seconds a request may take (a write that times out is read back before any re-send).",
    )(decorated)
    decorated = click.option(
        "--journal",
        type=click.Path(dir_okay=False, path_type=Path),
        help="The run's journal (SQLite) [default: FILE.journal.sqlite beside FILE]. Re-run with the "
        "same FILE to continue a stopped run.",
    )(decorated)
    decorated = click.option(
        "--report",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the input's rows with outcome, message and value (activation URL, test link, test ID) "
        "to this CSV.",
    )(decorated)
    decorated = click.option(
        "--dry-run",
        is_flag=True,
        help="Check every row (columns, formats, duplicates, batches) and print the calls that "
        "would be sent; no write is sent (the registration fields are read from the account).",
    )(decorated)
    decorated = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))(
        decorated
    )
    return click.command(operation.name, help=operation.help, epilog=_epilog(operation))(
        debug_option(decorated)
    )


class _Operations(click.Group):
    """The operations' subcommands, made from the registry when asked for (``onboard --help``,
    ``onboard NAME``): another command's process never imports them."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(operations())

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        found = operations().get(name)
        return None if found is None else _command(*found)


@click.group(cls=_Operations)
@debug_option
def onboard() -> None:
    """Bulk writes from a spreadsheet, each row landed exactly once.

    \b
    Every row is checked before anything is sent. A journal beside FILE records each
    row's state before and after each call: killed at any point, the same command
    continues where it stopped, and a call whose answer was lost is read back from
    the platform before anything is sent again. The summary counts done / already
    there / refused / unknown; the exit status is 1 when any row is refused or unknown.
    """
