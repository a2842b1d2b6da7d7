"""A value as sent, read into its column's type: what the typed tables (SQLite, PostgreSQL) hold.

Pure functions. Each column type has one reader, the client's own (:mod:`mettl_async.core.readers`),
unless its field declares another (``metadata={"parse": …}``: the REST API's RFC 1123 times, a form
sent as JSON text): a column holds what the model would read, and a value the model would refuse
does not fit (a :class:`Misfit`; the row keeps it in ``extra``).

Times: epoch milliseconds, RFC 1123 and ISO texts with an offset are instants (aware, UTC). The
documents' other texts are not: ``"Jan 14, 2019 1:00:00 AM"`` is in the account's time zone, which
no response names, and ``"2019-04-26 12:47:24 IST"`` names a zone by an ambiguous abbreviation.
Those are read as the wall-clock time they show (naive) and their text is kept beside the column
(:func:`companion`), so nothing is guessed and nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import attrs

from ..core.jsoncodec import dumps
from ..core.readers import parse_bool, parse_date, parse_datetime, parse_float, parse_int, parse_str

Reader = Callable[[Any], Any]

#: The reader of each column type when the field names none (``json`` keeps any value).
READERS: dict[str, Reader] = {
    "integer": parse_int,
    "number": parse_float,
    "boolean": parse_bool,
    "text": parse_str,
    "timestamp": parse_datetime,
    "date": parse_date,
}
#: What SQLite's and PostgreSQL's integers hold.
INT64 = range(-(2**63), 2**63)
#: Epoch milliseconds of the year 10000, which a datetime cannot hold.
_YEAR_10000 = 253402300800000
#: A trailing zone abbreviation (``IST``, ``PST``): several zones share most of them.
_ZONE_NAME = re.compile(r"^(.*\d)\s+([A-Z]{2,5})$")


@attrs.frozen
class Misfit:
    """A value its column's type cannot hold (the reason, for the one warning)."""

    reason: str


def companion(name: str) -> str:
    """The column beside a timestamp column that keeps a text read as a naive local time."""
    return f"{name}_text"


@attrs.frozen
class Cell:
    """A value read for its column: ``value`` (``None`` or a :class:`Misfit` when it does not fit)
    and, for a naive time, the ``text`` it was read from."""

    value: Any
    text: str | None = None


_NONE = Cell(None)


def read_cell(kind: str, value: Any, read: Reader | None = None) -> Cell:
    """``value`` (as sent) read into a column of type ``kind`` with ``read`` (else the type's
    reader). ``json`` gives JSON text; ``timestamp`` an aware UTC datetime, or a naive one with
    its text; ``integer`` must fit 64 bits."""
    if value is None:
        return _NONE
    if kind == "json":
        try:
            return Cell(dumps(read(value) if read is not None else value).decode())
        except (ValueError, TypeError) as error:
            return Cell(Misfit(str(error)))
    reader = read or READERS.get(kind)
    if reader is None:
        raise TypeError(f"no column type {kind!r}")
    try:
        found = reader(value)
    except (ValueError, TypeError, OverflowError) as error:
        if kind == "timestamp":
            return _zoned_text(value, error)
        return Cell(Misfit(str(error)))
    if found is None:
        return _NONE
    if kind == "timestamp":
        return _moment(found, value)
    if kind == "date" and isinstance(found, datetime):
        return Cell(found.date())
    if kind == "integer" and found not in INT64:
        return Cell(Misfit(f"{found} is beyond 64 bits"))
    return Cell(found)


def converter(kind: str, read: Reader | None = None) -> Callable[[Any], Any]:
    """``value -> typed value`` for a column of type ``kind`` (``value`` not ``None``): what
    :func:`read_cell` gives, the common values each with one test (a harvest reads millions), and
    a :class:`Cell` where there is more to say (a naive time's text, a misfit)."""

    def slow(value: Any) -> Any:
        cell = read_cell(kind, value, read)
        return cell if cell.text is not None or cell.value.__class__ is Misfit else cell.value

    if read is not None:
        return slow
    if kind == "date":
        return lambda v: _iso_date(v, slow)
    if kind == "text":
        return lambda v: v if v.__class__ is str else slow(v)
    if kind == "integer":
        return lambda v: v if v.__class__ is int and -(2**63) <= v < 2**63 else slow(v)
    if kind == "number":
        return lambda v: v if v.__class__ is float else slow(v)
    if kind == "boolean":
        return lambda v: v if v is True or v is False else slow(v)
    if kind == "timestamp":  # epoch milliseconds from 1970 to 9999, as the model reads them
        return lambda v: (
            datetime.fromtimestamp(v / 1000, UTC) if v.__class__ is int and 0 <= v < _YEAR_10000 else slow(v)
        )
    if kind == "json":
        return lambda v: _json_text(v, slow)
    return slow


def _iso_date(value: Any, slow: Callable[[Any], Any]) -> Any:
    if value.__class__ is str and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return slow(value)


def _json_text(value: Any, slow: Callable[[Any], Any]) -> Any:
    try:
        return dumps(value).decode()
    except (ValueError, TypeError):
        return slow(value)


def _moment(found: Any, sent: Any) -> Cell:
    if not isinstance(found, datetime):
        return Cell(Misfit(f"not a date and time: {sent!r}"))
    if found.tzinfo is None:  # the account's wall clock: kept as shown, with its text
        return Cell(found, sent if isinstance(sent, str) else None)
    return Cell(found.astimezone(UTC))


def _zoned_text(value: Any, error: BaseException) -> Cell:
    """``"2019-04-26 12:47:24 IST"``: the time it shows, naive, its text kept (the zone is not read)."""
    found = _ZONE_NAME.match(value.strip()) if isinstance(value, str) else None
    if found is not None:
        try:
            return Cell(datetime.fromisoformat(found.group(1)).replace(tzinfo=None), value)
        except ValueError:
            pass
    return Cell(Misfit(str(error)))


def iso_text(value: Any) -> Any:
    """A typed value as SQLite keeps it: times and dates as ISO 8601 text (an instant with
    ``+00:00``, a naive time without an offset), booleans as 0 and 1, the rest as it is."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value
