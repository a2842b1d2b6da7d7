"""What a walk remembers of the records it gave out: their 64-bit fingerprints, exactly.

Two phases, for speed then for memory. Up to :data:`SET_LIMIT` fingerprints live in a
Python ``set``, checked a page at a time in C (about 70 bytes each: 9 MB at the limit).
Past it they move to SQLite's B-tree, in a temporary database of the walk's own: on
disk, deleted when it closes, with SQLite's page cache (2 MB) the only part in memory,
so a walk's memory stays flat however long the list (about 3.5 µs a record there).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

#: Fingerprints kept in a ``set`` before they move to the temporary database.
SET_LIMIT = 1 << 17


class Fingerprints:
    """``add(h)`` is true for a fingerprint (a signed 64-bit integer) not seen before, false
    for a repeat; ``first_repeat(page)`` checks and adds a page's fingerprints at once."""

    __slots__ = ("_count", "_db", "_set")

    def __init__(self) -> None:
        self._set: set[int] = set()
        self._db: sqlite3.Connection | None = None
        self._count = 0

    def __len__(self) -> int:
        return len(self._set) if self._db is None else self._count

    def add(self, value: int) -> bool:
        return self.first_repeat((value,)) is None

    def first_repeat(self, values: Sequence[int]) -> int | None:
        """Add ``values``; the index of the first one seen before (in ``values`` or earlier),
        or ``None``. After a repeat, what was added is unspecified (the walk stops)."""
        if self._db is not None:
            return self._insert(self._db, values)
        seen = self._set
        if seen.isdisjoint(values) and len(set(values)) == len(values):
            seen.update(values)
            if len(seen) > SET_LIMIT:
                self._move_to_database()
            return None
        for index, value in enumerate(values):
            if value in seen:
                return index
            seen.add(value)
        raise AssertionError("a repeat was found, then not")  # pragma: no cover

    def close(self) -> None:
        """Forget everything (the temporary database is deleted); usable again after."""
        if self._db is not None:
            self._db.close()
        self._db, self._set, self._count = None, set(), 0

    def _move_to_database(self) -> None:
        # "": a temporary database on disk, private to this connection, deleted when it closes.
        # Its one transaction is never committed: pages past the cache go to the file unsynced.
        db = sqlite3.connect("", check_same_thread=False)
        db.execute("CREATE TABLE seen (fingerprint INTEGER PRIMARY KEY)")
        self._db, values, self._set = db, self._set, set()
        self._insert(db, list(values))

    def _insert(self, db: sqlite3.Connection, values: Sequence[int]) -> int | None:
        before = db.total_changes
        try:
            db.executemany("INSERT INTO seen VALUES (?)", [(value,) for value in values])
        except sqlite3.IntegrityError:  # rows are inserted in order up to the first repeat
            return db.total_changes - before
        finally:
            self._count += db.total_changes - before
        return None
