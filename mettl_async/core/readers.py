"""Readers of single values from API responses: strict, each raising ``ValueError`` with the reason.

A value is read, never cast: ``bool("false")`` is true and ``int(3.9)`` is 3, so
neither is what a reader does. Dates come in the three forms the Mettl documents
show; anything out of range is a ``ValueError``, never an ``OverflowError``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from .jsoncodec import loads_exact

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def ascii_digits(text: str) -> bool:
    """Whether ``text`` is a number in ASCII digits only: ``str.isdigit`` also takes ``²``,
    which ``int`` refuses, and ``١٢``, which ``int`` reads as 12."""
    return text.isascii() and text.isdigit()


def parse_datetime(value: Any) -> datetime:
    """A timestamp as a datetime.

    * epoch milliseconds (``1556263044217``) -> aware, UTC;
    * ``"Jan 14, 2019 1:00:00 AM"`` -> naive, in the account's time zone (the API says no more);
    * ISO 8601 -> as given.
    """
    try:
        return _parse_datetime(value)
    except OverflowError:  # a year past what datetime holds
        raise ValueError(f"date out of range: {value!r}") from None


def _parse_datetime(value: Any) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_epoch_ms(value)
    if isinstance(value, str):
        text = value.strip()
        if ascii_digits(text):
            return _from_epoch_ms(int(text))
        parts = text.replace(",", " ").split()
        if len(parts) == 5 and parts[0][:3].title() in _MONTHS:
            month, day, year, clock, meridiem = parts
            hour, minute, second = (int(x) for x in clock.split(":"))
            if not 1 <= hour <= 12 or meridiem.upper() not in ("AM", "PM"):
                raise ValueError(f"not a 12-hour time: {value!r}")
            hour = hour % 12 + (12 if meridiem.upper() == "PM" else 0)
            return datetime(int(year), _MONTHS[month[:3].title()], int(day), hour, minute, second)
        return datetime.fromisoformat(text)
    raise ValueError(f"not a date and time: {value!r}")


def _from_epoch_ms(value: float) -> datetime:
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError) as exc:  # far out of range: time_t overflows
        raise ValueError(f"epoch milliseconds out of range: {value!r}") from exc


def parse_date(value: Any) -> date:
    """``"2019-04-26"`` (or any form :func:`parse_datetime` reads) as a date."""
    if isinstance(value, str) and len(value.strip()) == 10:
        return date.fromisoformat(value.strip())
    return parse_datetime(value).date()


def parse_bool(value: Any) -> bool:
    """Strict: ``bool("false")`` is true, so strings and numbers are read, not cast."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"not a boolean: {value!r}")


def parse_int(value: Any) -> int:
    """A JSON integer. Not a boolean, not a fraction, not a float that lost digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(f"not an integer: {value!r}")


def parse_float(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ValueError(f"not a number: {value!r}")


def parse_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ValueError(f"not text: {type(value).__name__}")


def parse_json_object(value: Any) -> dict[str, Any] | None:
    """An object that some responses send as a JSON string instead (``crf``,
    ``sectional_scores``); an empty string means none."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = loads_exact(value)
        except ValueError:
            raise ValueError("a string that is not a JSON object") from None
    if not isinstance(value, dict):
        raise ValueError(f"not an object: {type(value).__name__}")
    return value


def parse_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise ValueError(f"not an object: {type(value).__name__}")
