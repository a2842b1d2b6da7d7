"""SQLite output: a table per kind keyed on its natural key; rows and checkpoint in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from ..core.jsoncodec import dumps
from ..core.paging_styles import PagePosition
from .checkpoint import Checkpoint, HarvestError
from .kinds import HarvestKind
from .locking import OutputLock
from .sink import Sink

CHECKPOINTS = "mettl_harvest_checkpoints"


class SqliteSink(Sink):
    """Rows upserted on the kind's natural key (a re-run never duplicates a row), checkpoint in the
    same transaction. The database is created only when the first rows arrive. Locked against
    other writers (``<file>.lock``) from opening to :meth:`close` unless ``lock`` is false."""

    _CREATE_CHECKPOINTS = (
        f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS} "
        "(harvest TEXT PRIMARY KEY, next TEXT, records INTEGER NOT NULL)"
    )
    _READ_CHECKPOINT = f"SELECT next, records FROM {CHECKPOINTS} WHERE harvest = ?"  # noqa: S608
    _WRITE_CHECKPOINT = (
        f"INSERT INTO {CHECKPOINTS} (harvest, next, records) VALUES (?, ?, ?) "  # noqa: S608
        "ON CONFLICT (harvest) DO UPDATE SET next = excluded.next, records = excluded.records"
    )

    def __init__(
        self,
        path: Path,
        kind: HarvestKind,
        fingerprint: Mapping[str, Any],
        *,
        resume: bool,
        lock: bool = True,
    ) -> None:
        super().__init__(kind, fingerprint)
        self.path = path
        self._harvest = orjson.dumps(self.fingerprint, option=orjson.OPT_SORT_KEYS).decode()
        self._db: sqlite3.Connection | None = None
        names = (*kind.columns, "record")
        columns = ", ".join(f'"{c}"' for c in names)
        key = ", ".join(f'"{c}"' for c in kind.key)
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in names if c not in kind.key)
        placeholders = ", ".join("?" for _ in names)
        # Table and column names are the kind's own constants; every value is bound.
        self._create = f'CREATE TABLE IF NOT EXISTS "{kind.table}" ({columns}, PRIMARY KEY ({key}))'
        self._upsert = (
            f'INSERT INTO "{kind.table}" ({columns}) VALUES ({placeholders}) '  # noqa: S608
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
        )
        if path.is_dir() or not path.parent.is_dir():
            raise HarvestError(
                f"cannot write {path}: {'it is a directory' if path.is_dir() else 'no such directory'}"
            )
        self._lock = OutputLock.acquire(path) if lock else None
        try:
            if resume and path.exists():
                self._read_checkpoint()
        except BaseException:
            self.close()
            raise

    def _read_checkpoint(self) -> None:
        try:
            found = self._connect().execute(self._READ_CHECKPOINT, (self._harvest,)).fetchone()
        except sqlite3.Error as error:
            raise HarvestError(f"cannot read the checkpoint in {self.path}: {error}") from None
        if found is not None:
            following = PagePosition.from_dict(orjson.loads(found[0])) if found[0] else None
            self.resumed = Checkpoint(self.fingerprint, following, found[1])
            self.records = found[1]

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self._db = sqlite3.connect(self.path, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.execute(self._create)
                self._db.execute(self._CREATE_CHECKPOINTS)
            except sqlite3.Error as error:
                if self._db is not None:
                    self._db.close()
                    self._db = None
                raise HarvestError(f"cannot write {self.path}: {error}") from None
        return self._db

    def _row(self, row: Mapping[str, Any], record: Any) -> tuple[Any, ...]:
        # A NULL in a key would never conflict (NULLs are distinct), so keys hold '' instead.
        key = self.kind.key
        values = ("" if row[c] is None and c in key else _sqlite_value(row[c]) for c in self.kind.columns)
        return (*values, dumps(record).decode())

    def _rows(self, records: list[Any]) -> list[tuple[Any, ...]]:
        return [self._row(row, record) for record in records for row in self.kind.rows(record)]

    def _transaction(self, rows: list[tuple[Any, ...]], checkpoint: tuple[Any, ...] | None) -> int:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            before = db.total_changes
            db.executemany(self._upsert, rows)
            changed = db.total_changes - before
            if checkpoint is not None:
                db.execute(self._WRITE_CHECKPOINT, checkpoint)
            db.execute("COMMIT")
        except sqlite3.Error as error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise HarvestError(f"cannot write {self.path}: {error}") from None
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        return changed

    def write_page(self, records: list[Any], following: PagePosition | None) -> None:
        following_json = orjson.dumps(following.to_dict()).decode() if following else None
        self._transaction(self._rows(records), (self._harvest, following_json, self.records + len(records)))
        self.records += len(records)

    def land(self, records: list[Any]) -> int:
        """Upsert; a redelivered event with the same content changes nothing (counted as not new)."""
        fresh = 0
        for record in records:
            rows = self._rows([record])
            if not self._already_there(rows):
                fresh += 1
            self._transaction(rows, None)
        return fresh

    def _already_there(self, rows: list[tuple[Any, ...]]) -> bool:
        db = self._connect()
        names = (*self.kind.columns, "record")
        where = " AND ".join(f'"{c}" IS ?' for c in names)
        query = f'SELECT 1 FROM "{self.kind.table}" WHERE {where}'  # noqa: S608
        return all(db.execute(query, row).fetchone() is not None for row in rows)

    def close(self) -> None:
        try:
            if self._db is not None:
                self._db.close()
                self._db = None
        finally:
            if self._lock is not None:
                self._lock.release()


def _sqlite_value(value: Any) -> Any:
    """SQLite's INTEGER holds 64 bits: a larger integer (a 30-digit id) is stored as its exact
    decimal text, which still works as a key."""
    if value.__class__ is int and not -(2**63) <= value < 2**63:
        return str(value)
    return value
