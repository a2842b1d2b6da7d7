"""A harvest kind's flat rows as a dlt resource takes them: column hints from the kind's declared
types, cells of those types, the account, and a key that NULLs cannot break.

Pure functions; dlt is not imported here. The rows are those every SQL output writes
(:meth:`~mettl_async.harvest.kinds.HarvestKind.rows`), so the destination holds what
``mettl-async harvest KIND --out x.sqlite`` holds, typed:

* ``timestamp`` and ``date`` cells are read with the library's own readers (epoch
  milliseconds as UTC; ``Jan 14, 2019 1:00:00 AM``, which names no zone, as that wall-clock
  time; ISO 8601 as given); ``json`` cells (JSON text) are decoded, so the destination holds
  the value, not a string of it.
* A value the column's type cannot hold is kept, never dropped, as text in the column's variant
  (``<column>__v_text``, dlt's name for it), the column left NULL: a date that is not one,
  a value of another type (text where a number was declared), an integer beyond 64 bits (a
  ``bigint`` cannot hold it, and dlt would read its text back into one), and in a ``json``
  column anything but an object or a list (dlt's ``json`` takes only those) or JSON holding
  such an integer. A number or a boolean where text was declared is its JSON text, in the
  column. So dlt never has to guess: every cell is of its column's type, or NULL.
* dlt makes primary key columns ``NOT NULL`` and merges on ``=``, which never matches a NULL:
  a row whose key has an empty part (an applicant without certificates) would fail the load or
  be added again on every run. So the primary key is ``account`` and ``natural_key``, the
  kind's key values as compact JSON (``["app1@yopmail.com",null,null]``); the key columns
  themselves keep their types and their NULLs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson

from ..core.jsoncodec import dumps, may_hold_long_integer
from ..core.readers import parse_date, parse_datetime
from ..harvest.kinds import HarvestKind, Row

#: dlt's data type for each type a kind declares for its columns
#: (:data:`~mettl_async.harvest.columns.COLUMN_TYPES`, ``json`` for the rest).
DATA_TYPES: dict[str, str] = {
    "integer": "bigint",
    "number": "double",
    "boolean": "bool",
    "text": "text",
    "timestamp": "timestamp",
    "date": "date",
    "json": "json",
}
#: The column naming the account a row came from (the client's ``account_name``).
ACCOUNT = "account"
#: The column holding the kind's key values as compact JSON: NULL-safe, unlike the columns.
NATURAL_KEY = "natural_key"
PRIMARY_KEY = (ACCOUNT, NATURAL_KEY)
#: The suffix dlt gives a column's variant holding text (a value the column's type cannot hold).
VARIANT_TEXT = "__v_text"
_BIGINT = range(-(2**63), 2**63)

#: Column hints as ``dlt.resource(columns=...)`` takes them.
ColumnHints = dict[str, dict[str, Any]]


def column_hints(kind: HarvestKind) -> ColumnHints:
    """``account`` and ``natural_key`` (text, never NULL), then the kind's columns with the dlt
    type of their declared type (nullable). A kind whose columns take either name is refused."""
    taken = [name for name in PRIMARY_KEY if name in kind.columns]
    if taken:
        raise TypeError(f"kind {kind.name!r} has a column {taken[0]!r}, which the dlt rows add")
    hints: ColumnHints = {name: {"data_type": "text", "nullable": False} for name in PRIMARY_KEY}
    for name in kind.columns:
        hints[name] = {"data_type": DATA_TYPES[kind.types.get(name, "json")], "nullable": True}
    return hints


def natural_key(kind: HarvestKind, row: Row) -> str:
    """The kind's key values in ``row`` (cells as written, NULL as ``null``), as compact JSON."""
    return dumps([row[name] for name in kind.key]).decode()


class Unfit:
    """A value the column's type cannot hold, kept whole as ``text`` in the variant column."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    @classmethod
    def of(cls, value: Any) -> Unfit:
        """``value`` as text: a string as it is, anything else as its JSON."""
        return cls(value if isinstance(value, str) else dumps(value).decode())


def _integer(value: Any) -> Any:
    return value if value.__class__ is int and value in _BIGINT else Unfit.of(value)


def _number(value: Any) -> Any:
    return value if value.__class__ in (int, float) else Unfit.of(value)


def _boolean(value: Any) -> Any:
    return value if value.__class__ is bool else Unfit.of(value)


def _text(value: Any) -> Any:
    """Text; a number or a boolean where text was declared, as its JSON text (as the PostgreSQL
    output writes it)."""
    return value if value.__class__ is str else dumps(value).decode()


def _read(reader: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def read(value: Any) -> Any:
        try:
            return reader(value)
        except ValueError:
            return Unfit.of(value)

    return read


def _json(value: Any) -> Any:
    """An object or a list, decoded; anything else (a number, text, JSON text holding either) is
    kept as text: dlt's ``json`` columns take objects and lists only."""
    if not isinstance(value, str):
        return Unfit.of(value)
    if may_hold_long_integer(value):
        return Unfit(value)  # dlt reads JSON integers beyond 64 bits as floats: keep the text exact
    try:
        decoded = orjson.loads(value)
    except orjson.JSONDecodeError:
        return Unfit(value)  # text as the API sent it, not JSON
    return decoded if isinstance(decoded, dict | list) else Unfit(value)


#: How a cell of each declared type becomes the value its dlt column takes.
_CELLS: dict[str, Callable[[Any], Any]] = {
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "text": _text,
    "timestamp": _read(parse_datetime),
    "date": _read(parse_date),
    "json": _json,
}


def typed_cell(kind_of_column: str, value: Any, read: Callable[[Any], Any] | None = None) -> Any:
    """``value`` (a cell as :meth:`HarvestKind.rows` writes it) as its dlt column takes it, or
    :class:`Unfit` when the column cannot hold it exactly. ``read``: the field's own reader (the
    REST API's RFC 1123 times), as the typed SQL outputs read it."""
    if value is None:
        return None
    if read is not None:
        try:
            found = read(value)
        except (ValueError, TypeError):
            return Unfit.of(value)
        if kind_of_column in ("timestamp", "date") and found is not None:
            return found
        if kind_of_column == "json":
            return found if isinstance(found, dict | list) else Unfit.of(value)
        value = found
    return None if value is None else _CELLS[kind_of_column](value)


def dlt_row(kind: HarvestKind, account: str, row: Row) -> Row:
    """One flat row of ``kind`` as the dlt resource yields it."""
    out: Row = {ACCOUNT: account, NATURAL_KEY: natural_key(kind, row)}
    types, readers = kind.types, kind.readers
    for name in kind.columns:
        value = typed_cell(types.get(name, "json"), row[name], readers.get(name))
        if isinstance(value, Unfit):
            out[name] = None
            out[name + VARIANT_TEXT] = value.text
        else:
            out[name] = value
    return out


def dlt_rows(kind: HarvestKind, account: str, records: list[Mapping[str, Any]]) -> list[Row]:
    """Every flat row of ``records`` (one per record, or per element of an exploded list)."""
    return [dlt_row(kind, account, row) for record in records for row in kind.rows(record)]
