"""Dates and clock times as text from small tables, for sandboxes that render thousands.

``datetime`` arithmetic and ``isoformat`` cost a microsecond or two each; a page of
generated records shows several per record. Times kept as integers (milliseconds
after a fixed moment) become text by two table lookups instead.
"""

from __future__ import annotations

from datetime import date, timedelta

#: ``00:00:00`` ... ``23:59:59`` by second of the day (some 5 MB, built once).
CLOCK = tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400))


def iso_days(first: date, count: int) -> tuple[str, ...]:
    """``first``, the day after, … (``count`` days) as ISO dates."""
    return tuple((first + timedelta(days=d)).isoformat() for d in range(count))
