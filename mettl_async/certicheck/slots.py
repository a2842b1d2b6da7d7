"""CertiCHECK slot windows to create (the ``cr`` parameter of createSlot) and the slot date
text the document uses (``dd MMM, yy``), checked before anything is sent."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import attrs

from ..core.checks import check_line
from ..core.errors import InputError

_SLOT_DATE = re.compile(r"^(\d{1,2}) ([A-Za-z]{3}), (\d{2}|\d{4})$")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def slot_date(name: str, value: date | str) -> str:
    """A slot window date in the documented ``dd MMM, yy`` form (``"14 Jan, 15"``).

    A ``date`` is written with a four-digit year (``"25 May, 2018"``, as in the
    document's example), which the server's pattern reads unambiguously.
    """
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.day:02d} {_MONTH_NAMES[value.month - 1]}, {value.year}"
    match = _SLOT_DATE.match(value.strip()) if isinstance(value, str) else None
    if not match or match.group(2).title() not in _MONTH_NAMES:
        raise InputError(
            name, f"must be a date or text in the form 'dd MMM, yy' (e.g. '14 Jan, 15'), got {value!r}"
        )
    day, month, year = match.groups()
    full_year = int(year) + 2000 if len(year) == 2 else int(year)
    try:
        date(full_year, _MONTH_NAMES.index(month.title()) + 1, int(day))
    except ValueError:
        raise InputError(name, f"is not a calendar date: {value!r}") from None
    return value.strip()


def slot_date_value(text: str) -> date:
    """The date a ``dd MMM, yy`` text names (two-digit years are 20yy)."""
    day, month, year = _SLOT_DATE.match(text).groups()  # type: ignore[union-attr]
    return date(
        int(year) + 2000 if len(year) == 2 else int(year), _MONTH_NAMES.index(month.title()) + 1, int(day)
    )


@attrs.frozen
class SlotHours:
    """One daily slot from ``start`` to ``end`` o'clock (0-24, in the account's time zone)."""

    start: int
    end: int


def _check_slots(instance: SlotWindowSpec, attribute: Any, slots: Sequence[SlotHours]) -> None:
    if not slots:
        raise InputError("slots", "at least one slot is required")
    for i, slot in enumerate(slots):
        if not (
            isinstance(slot, SlotHours)
            and isinstance(slot.start, int)
            and isinstance(slot.end, int)
            and 0 <= slot.start < slot.end <= 24
        ):
            raise InputError(f"slots[{i}]", f"needs whole hours with 0 <= start < end <= 24, got {slot}")
    ordered = sorted(slots, key=lambda s: s.start)
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise InputError(
                "slots", f"slot {after.start}-{after.end} overlaps slot {before.start}-{before.end}"
            )


def _slot_tuple(slots: Iterable[SlotHours]) -> tuple[SlotHours, ...]:
    return tuple(slots)


def _check_window(instance: SlotWindowSpec, attribute: Any, value: Any) -> None:
    if slot_date_value(instance.to_date) < slot_date_value(instance.from_date):
        raise InputError("to_date", f"{instance.to_date!r} is before from_date {instance.from_date!r}")


def _from_date(value: date | str) -> str:
    return slot_date("from_date", value)


def _to_date(value: date | str) -> str:
    return slot_date("to_date", value)


@attrs.frozen
class SlotWindowSpec:
    """A slot window to create (the ``cr`` parameter of createSlot)."""

    name: str = attrs.field()
    from_date: str = attrs.field(converter=_from_date)
    to_date: str = attrs.field(converter=_to_date, validator=_check_window)
    slots: Sequence[SlotHours] = attrs.field(converter=_slot_tuple, validator=_check_slots)
    capacity_per_slot: int | None = attrs.field(default=None)

    @name.validator
    def _name(self, attribute: Any, value: Any) -> None:
        check_line("name", value)

    @capacity_per_slot.validator
    def _capacity(self, attribute: Any, value: Any) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise InputError("capacity_per_slot", f"must be a positive integer or None, got {value!r}")

    def to_wire(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "fromDate": self.from_date,
            "toDate": self.to_date,
            "capacityPerSlot": self.capacity_per_slot,
            "slots": [{"startTime": s.start, "endTime": s.end} for s in self.slots],
        }
