"""Indexes that follow a periodic pattern, computed rather than stored.

A sandbox of a million generated records cannot list the records of one group
(one assessment's applicants, one schedule's candidates) by scanning them. When
membership repeats with a period (record ``i`` is in the group exactly when
``i % period`` is one of a few ``positions``), member ``k`` is
``period * (k // m) + positions[k % m]`` for the ``m`` positions: a page of the
group costs its own length.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Sequence
from typing import overload


class PeriodicIndexes(Sequence[int]):
    """The indexes below ``count`` whose remainder modulo ``period`` is in ``positions``
    (sorted, each below ``period``), in ascending order."""

    __slots__ = ("_length", "_period", "_positions")

    def __init__(self, positions: array[int], period: int, count: int) -> None:
        self._positions = positions
        self._period = period
        full, rest = divmod(max(0, count), period)
        self._length = full * len(positions) + bisect.bisect_left(positions, rest)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, k: int) -> int: ...

    @overload
    def __getitem__(self, k: slice) -> Sequence[int]: ...

    def __getitem__(self, k: int | slice) -> int | Sequence[int]:
        positions, period, m = self._positions, self._period, len(self._positions)
        if isinstance(k, slice):
            return [j // m * period + positions[j % m] for j in range(self._length)[k]]
        if not -self._length <= k < self._length:
            raise IndexError(k)
        block, at = divmod(k % self._length, m)
        return block * period + positions[at]

    def index(self, value: int, start: int = 0, stop: int | None = None) -> int:
        """The position of ``value`` (``ValueError`` when it is not a member), in O(log m)."""
        block, rest = divmod(value, self._period)
        at = bisect.bisect_left(self._positions, rest)
        found = at < len(self._positions) and self._positions[at] == rest and value >= 0
        position = block * len(self._positions) + at
        if (
            not found
            or position >= self._length
            or not start <= position < (self._length if stop is None else stop)
        ):
            raise ValueError(f"{value} is not a member")
        return position

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int):
            return False
        try:
            self.index(value)
        except ValueError:
            return False
        return True
