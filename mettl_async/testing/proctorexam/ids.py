"""The live ids of a list in O(page): generated ids in arithmetic progression, minus deleted ones,
plus created ones.

A sandbox of a million student sessions cannot build its lists: a session's
record is a function of its index, and a list is the progression of its ids
(every session: ``1, 2, 3 …``; one exam's: ``e, e + E, e + 2E …``). Deletions
are few and kept sorted, so the n-th live id is found by a binary search and a
page costs its own length (plus logarithms), whatever the list's size.
"""

from __future__ import annotations

from bisect import bisect_left, insort


class LiveIds:
    """``start, start + step, …`` (``count`` of them) without ``deleted``, then ``created``."""

    __slots__ = ("count", "created", "deleted", "start", "step")

    def __init__(self, start: int, step: int, count: int) -> None:
        self.start = start
        self.step = step
        self.count = max(0, count)
        #: Generated ids removed, sorted.
        self.deleted: list[int] = []
        #: Ids added after generation, in creation order (ascending).
        self.created: list[int] = []

    def __len__(self) -> int:
        return self.count - len(self.deleted) + len(self.created)

    def generated(self, item: int) -> bool:
        """Whether ``item`` is one of the progression's ids (deleted or not)."""
        offset = item - self.start
        return offset >= 0 and offset % self.step == 0 and offset // self.step < self.count

    def _is_deleted(self, item: int) -> bool:
        at = bisect_left(self.deleted, item)
        return at < len(self.deleted) and self.deleted[at] == item

    def __contains__(self, item: int) -> bool:
        if self.generated(item):
            return not self._is_deleted(item)
        return item in self.created

    def add(self, item: int) -> None:
        self.created.append(item)

    def remove(self, item: int) -> None:
        """Take ``item`` out of the list (no-op when it is not in it)."""
        if self.generated(item):
            if not self._is_deleted(item):
                insort(self.deleted, item)
        elif item in self.created:
            self.created.remove(item)

    def _live_before(self, k: int) -> int:
        """Live generated ids among the first ``k`` of the progression."""
        return k - bisect_left(self.deleted, self.start + k * self.step)

    def slice(self, offset: int, limit: int) -> list[int]:
        """The live ids at positions ``offset … offset + limit - 1``."""
        out: list[int] = []
        live_generated = self.count - len(self.deleted)
        if offset < live_generated:
            low, high = 0, self.count - 1
            while low < high:  # the first k whose prefix holds offset + 1 live ids
                middle = (low + high) // 2
                if self._live_before(middle + 1) > offset:
                    high = middle
                else:
                    low = middle + 1
            k = low
            while k < self.count and len(out) < limit:
                item = self.start + k * self.step
                if not self._is_deleted(item):
                    out.append(item)
                k += 1
        first_created = max(0, offset - live_generated)
        out += self.created[first_created : first_created + limit - len(out)]
        return out
