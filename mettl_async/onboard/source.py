"""Reading the rows to write: CSV (as Excel exports it: a byte-order mark, ``;`` or tab separators)
or JSONL, a header row (or each object's keys) naming the fields.

Every value is text, trimmed of surrounding spaces; an empty cell is an empty string. Blank lines
(Excel leaves some at the end) are skipped. Anything that cannot be read is an
:class:`InputFileError` naming the line, before anything is sent.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from pathlib import Path

import attrs
import orjson

from ..core.errors import InputError

#: Separators a spreadsheet may have used; the header line's most frequent one is taken.
SEPARATORS = (",", ";", "\t")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
#: Problems listed at most in one error (the count says how many there were).
SHOWN_PROBLEMS = 20


class InputFileError(InputError):
    """The input file, or some of its rows, cannot be used; nothing was sent."""

    @classmethod
    def listing(cls, where: str, problems: Sequence[str]) -> InputFileError:
        shown = "; ".join(problems[:SHOWN_PROBLEMS])
        more = f" (and {len(problems) - SHOWN_PROBLEMS} more)" if len(problems) > SHOWN_PROBLEMS else ""
        counted = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        return cls(where, f"{counted}, nothing was sent: {shown}{more}")


@attrs.frozen
class InputRow:
    """One row: its line in the file (1-based, the header being line 1 of a CSV) and its values."""

    line: int
    values: dict[str, str]


@attrs.frozen
class Sheet:
    """The rows of one input file, the columns in the order the file gives them."""

    path: Path
    columns: tuple[str, ...]
    rows: tuple[InputRow, ...]
    #: SHA-256 of the file's bytes: a journal continues only the file it was started for.
    digest: str


def read_sheet(path: Path) -> Sheet:
    """The rows of ``path`` (CSV, or JSONL by its suffix)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputFileError(str(path), f"cannot be read: {error.strerror}") from None
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputFileError(
            str(path), f"line {line} is not UTF-8 text (in Excel: save as 'CSV UTF-8')"
        ) from None
    if path.suffix.lower() in JSONL_SUFFIXES:
        columns, rows = _jsonl(str(path), text)
    else:
        columns, rows = _csv(str(path), text)
    if not rows:
        raise InputFileError(str(path), "holds no rows")
    return Sheet(path, columns, tuple(rows), digest)


def separator_of(header: str) -> str:
    """The separator the header line uses most (``,`` when it has none: one column)."""
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _check_header(where: str, names: Sequence[str]) -> tuple[str, ...]:
    columns = tuple(name.strip() for name in names)
    seen: set[str] = set()
    for position, name in enumerate(columns, 1):
        if not name:
            raise InputFileError(where, f"column {position} of the header has no name")
        if name.lower() in seen:
            raise InputFileError(where, f"the header names column {name!r} twice")
        seen.add(name.lower())
    return columns


def _csv(where: str, text: str) -> tuple[tuple[str, ...], list[InputRow]]:
    header = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator_of(header), strict=True)
    try:
        names = next(reader, None)
        if names is None:
            raise InputFileError(where, "is empty: a header row naming the columns comes first")
        columns = _check_header(where, names)
        rows: list[InputRow] = []
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(cells) > len(columns):
                    raise InputFileError(
                        where, f"line {line} has {len(cells)} cells but the header names {len(columns)}"
                    )
                values = {name: cell.strip() for name, cell in zip(columns, cells, strict=False)}
                rows.append(InputRow(line, values | {name: "" for name in columns[len(cells) :]}))
            line = reader.line_num + 1
    except csv.Error as error:
        raise InputFileError(where, f"line {reader.line_num}: {error}") from None
    return columns, rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value).strip()
    raise TypeError(type(value).__name__)


def _jsonl(where: str, text: str) -> tuple[tuple[str, ...], list[InputRow]]:
    columns: dict[str, str] = {}  # lower-cased -> as first written
    rows: list[InputRow] = []
    for line, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            raise InputFileError(where, f"line {line} is not JSON: {error}") from None
        if not isinstance(record, dict):
            raise InputFileError(where, f"line {line} is not a JSON object")
        values: dict[str, str] = {}
        for name, value in record.items():
            known = columns.setdefault(name.strip().lower(), name.strip())
            if not known:
                raise InputFileError(where, f"line {line} has a field without a name")
            try:
                values[known] = _cell(value)
            except TypeError as error:
                raise InputFileError(
                    where, f"line {line}, field {name!r}: must be text, a number or true/false, got {error}"
                ) from None
        rows.append(InputRow(line, values))
    names = tuple(columns.values())
    return names, [InputRow(r.line, {n: r.values.get(n, "") for n in names}) for r in rows]
