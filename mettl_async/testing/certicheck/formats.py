"""The date and time formats of the CertiCHECK document, and fast table-driven forms of them.

``mettl_time`` (``Jan 14, 2019 1:00:00 AM``), ``epoch_ms`` and ``ist_string``
(``2019-04-26 12:47:24 IST``) take datetimes. The generated applicants' times are
kept as milliseconds after ``START`` instead, and ``ist_from_ms`` renders those
from small precomputed tables: the results pages render thousands of them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..texttime import CLOCK, iso_days
from .rows import TimezoneRow

__all__ = ["CLOCK", "DAYS", "START", "START_MS", "TIMEZONES", "epoch_ms", "ist_string", "mettl_time"]

IST = timedelta(hours=5, minutes=30)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: The generated history starts here; generated times are milliseconds after it.
START = datetime(2019, 1, 1, tzinfo=UTC)
START_MS = int(START.timestamp()) * 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
IST_SECONDS = int(IST.total_seconds())
#: Days covered by the tables: registrations (900 days), payments (30 more), tests (10 more).
TABLE_DAYS = 1_000

#: The account's time zones (getAllTimezones).
TIMEZONES = (
    TimezoneRow(1, "UTC", "Coordinated Universal Time", "+00:00"),
    TimezoneRow(12, "America/New_York", "Eastern Time (US & Canada)", "-05:00"),
    TimezoneRow(15, "America/Los_Angeles", "Pacific Time (US & Canada)", "-08:00"),
    TimezoneRow(31, "Europe/London", "London, Edinburgh", "+00:00"),
    TimezoneRow(34, "Europe/Berlin", "Amsterdam, Berlin, Rome", "+01:00"),
    TimezoneRow(52, "Asia/Dubai", "Abu Dhabi, Muscat", "+04:00"),
    TimezoneRow(67, "Asia/Kolkata", "India(Chennai, Kolkata, Mumbai, New Delhi)", "+05:30"),
    TimezoneRow(78, "Asia/Singapore", "Singapore", "+08:00"),
    TimezoneRow(90, "Australia/Sydney", "Canberra, Melbourne, Sydney", "+10:00"),
)
TIMEZONE_BY_ID = {t.timezone_id: t for t in TIMEZONES}

#: ``2019-01-01`` ... : the ISO date of each day after ``START``.
DAYS = iso_days(START.date(), TABLE_DAYS)


def mettl_time(value: datetime) -> str:
    """``Jan 14, 2019 1:00:00 AM``."""
    hour = value.hour % 12 or 12
    meridiem = "AM" if value.hour < 12 else "PM"
    clock = f"{hour}:{value.minute:02d}:{value.second:02d}"
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year} {clock} {meridiem}"


def epoch_ms(value: datetime) -> int:
    """Milliseconds since the epoch, exactly (no float rounding) for an aware datetime."""
    return (value - _EPOCH) // _ONE_MS


def ist_string(value: datetime) -> str:
    """``2019-04-26 12:47:24 IST`` for an aware datetime."""
    return (value.astimezone(UTC) + IST).strftime("%Y-%m-%d %H:%M:%S IST")


def at_ms(after_start_ms: int) -> datetime:
    """The datetime ``after_start_ms`` milliseconds after ``START``."""
    return START + timedelta(milliseconds=after_start_ms)


def ist_from_ms(after_start_ms: int) -> str:
    """``ist_string(at_ms(after_start_ms))`` from the tables (the ``TABLE_DAYS`` they cover)."""
    day, second = divmod(after_start_ms // 1000 + IST_SECONDS, 86_400)
    return f"{DAYS[day]} {CLOCK[second]} IST"
