"""A compact set of 64-bit fingerprints: what a walk remembers of the records it gave out.

Two phases, for speed then for memory. Up to :data:`SET_LIMIT` fingerprints live in
a Python ``set``, checked a page at a time in C (about 70 bytes each: 9 MB at the
limit). Past it they move to an open-addressing table in an ``array`` (11 to 21
bytes each: a million in 16 MB), checked one by one in Python, several times slower
but small, so the duplicate check stays on for any list.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence

#: Fingerprints kept in a ``set`` before they move to the compact table.
SET_LIMIT = 1 << 17

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15  # Fibonacci hashing spreads sequential ids over the table
_SIGNED = 1 << 63


class Fingerprints:
    """``add(h)`` is true for a fingerprint not seen before, false for a repeat;
    ``first_repeat(page)`` checks and adds a page's fingerprints at once."""

    __slots__ = ("_bits", "_count", "_set", "_slots")

    def __init__(self, bits: int = 10) -> None:
        self._set: set[int] | None = set()
        self._bits = bits
        self._slots = array("q")
        self._count = 0

    def __len__(self) -> int:
        return len(self._set) if self._set is not None else self._count

    def add(self, value: int) -> bool:
        return self.first_repeat((value,)) is None

    def first_repeat(self, values: Sequence[int]) -> int | None:
        """Add ``values``; the index of the first one seen before (in ``values`` or earlier),
        or ``None``. After a repeat, what was added is unspecified (the walk stops)."""
        if self._set is None:
            return self._add_to_table(values)
        seen = self._set
        if seen.isdisjoint(values) and len(set(values)) == len(values):
            seen.update(values)
            if len(seen) > SET_LIMIT:
                self._move_to_table()
            return None
        for index, value in enumerate(values):
            if value in seen:
                return index
            seen.add(value)
        raise AssertionError("a repeat was found, then not")  # pragma: no cover

    # -- the compact table ----------------------------------------------------------------------

    def _move_to_table(self) -> None:
        assert self._set is not None
        values, self._set = self._set, None
        while (1 << self._bits) * 3 < len(values) * 4:
            self._bits += 1
        self._slots = array("q", bytes(8 << self._bits))
        self._add_to_table(values)

    def _add_to_table(self, values: Iterable[int]) -> int | None:
        for index, value in enumerate(values):
            mixed = (value * _GOLDEN) & _MASK64 or 1  # 0 marks an empty slot
            if not self._insert(mixed - (1 << 64) if mixed >= _SIGNED else mixed):
                return index
        return None

    def _insert(self, stored: int) -> bool:
        slots, bits = self._slots, self._bits
        mask = (1 << bits) - 1
        index = (stored & _MASK64) >> (64 - bits)
        while True:
            current = slots[index]
            if current == 0:
                slots[index] = stored
                self._count += 1
                if self._count * 4 > len(slots) * 3:
                    self._grow()
                return True
            if current == stored:
                return False
            index = (index + 1) & mask

    def _grow(self) -> None:
        old = self._slots
        self._bits += 1
        self._slots = array("q", bytes(8 << self._bits))
        self._count = 0
        for stored in old:
            if stored:
                self._insert(stored)
