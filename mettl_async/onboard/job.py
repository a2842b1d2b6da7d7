"""One onboarding from start to end: the file read and checked (columns, every row, duplicates,
against the account), the journal opened, the rows landed, the report written."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from ..core.errors import InputError
from .cells import EMAIL_COLUMNS
from .journal import Entry, Journal
from .model import Operation, Prepared, State
from .report import Summary, write_report
from .runner import Onboarding, plan
from .source import InputFileError, Sheet


def check_columns(operation: Operation, sheet: Sheet) -> None:
    """Every required column is in the file (any case; ``email`` may be ``Email Address``)."""
    have = {c.lower() for c in sheet.columns}
    for column in operation.columns:
        names = EMAIL_COLUMNS if column.name == "email" else (column.name,)
        if column.required and not have & set(names):
            raise InputFileError(str(sheet.path), f"has no column {column.name!r} ({column.help})")


def prepare_rows(
    operation: Operation, sheet: Sheet, context: Any, options: Mapping[str, Any]
) -> dict[int, Prepared]:
    """Every row checked as the client will check it, and no request twice; by position."""
    prepared: dict[int, Prepared] = {}
    first_line: dict[str, int] = {}
    problems: list[str] = []
    for position, row in enumerate(sheet.rows, 1):
        try:
            made = operation.prepare(row.values, context, options)
        except InputError as error:
            problems.append(f"line {row.line}, {error.field}: {error.rule}")
            continue
        if made.key in first_line:
            problems.append(f"line {row.line} repeats line {first_line[made.key]} ({made.label})")
            continue
        first_line[made.key] = row.line
        prepared[position] = made
    if problems:
        raise InputFileError.listing(str(sheet.path), problems)
    return prepared


def options_text(options: Mapping[str, Any]) -> str:
    return orjson.dumps(dict(options), option=orjson.OPT_SORT_KEYS).decode()


def lines_of(batch: Sequence[Entry]) -> str:
    """``line 7``, ``lines 2-21`` or, where rows were left for a later call, ``lines 2, 4``."""
    numbers = [e.line for e in batch]
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    if numbers == list(range(numbers[0], numbers[0] + len(numbers))):
        return f"lines {numbers[0]}-{numbers[-1]}"
    return "lines " + ", ".join(map(str, numbers))


def dry_run(
    operation: Operation, sheet: Sheet, prepared: Mapping[int, Prepared], echo: Callable[[str], None]
) -> int:
    """Say what would be sent, call by call; send nothing. The number of calls."""
    entries = [Entry(n, row.line, row.values, State.PENDING) for n, row in enumerate(sheet.rows, 1)]
    calls = plan(entries, prepared, operation.batch_size)
    for number, batch in enumerate(calls, 1):
        labels = ", ".join(prepared[e.position].label for e in batch)
        rows = "1 row" if len(batch) == 1 else f"{len(batch)} rows"
        echo(f"call {number}: {operation.call}, {rows} ({lines_of(batch)}): {labels}")
    return len(calls)


async def onboard(
    operation: Operation,
    client: Any,
    sheet: Sheet,
    options: Mapping[str, Any],
    *,
    journal: Path,
    report: Path | None,
    dry: bool = False,
    echo: Callable[[str], None] = print,
) -> Summary | None:
    """Land ``sheet``'s rows (or, ``dry``, say what would be sent). ``None`` after a dry run."""
    check_columns(operation, sheet)
    context = await operation.survey(client, sheet.columns, options)
    prepared = prepare_rows(operation, sheet, context, options)
    if dry:
        calls = dry_run(operation, sheet, prepared, echo)
        sent = "1 call" if calls == 1 else f"{calls} calls"
        echo(f"dry run: {len(sheet.rows)} rows checked, {sent} would be sent; nothing was sent")
        return None
    run = {
        "operation": operation.name,
        "input": sheet.digest,
        "account": str(client.account_name),
        "options": options_text(options),
    }
    held = Journal.open(journal, run, sheet.rows)
    try:
        onboarding = Onboarding(operation, client, held, prepared, options)
        try:
            await onboarding.run()
        except BaseException:
            echo(Summary(held.counts()).line(operation.name))  # what is known, then the cause
            raise
        finally:
            if report is not None:
                write_report(report, sheet.columns, held.entries)
        return Summary(held.counts())
    finally:
        held.close()
