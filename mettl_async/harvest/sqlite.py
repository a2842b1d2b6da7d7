"""SQLite output: the typed tables of :mod:`.tables` in one file; the pages of a group commit, their
checkpoint and their run's counts in one transaction.

Times and dates are ISO 8601 text (``2019-04-26T07:17:24.217+00:00``; a naive local time has no
offset, and its text as sent is beside it), booleans 0 and 1, ``extra`` and ``record`` JSON text.
The database is created only when the first rows arrive. Locked against other writers
(``<file>.lock``) from opening to :meth:`~SqliteSink.close` unless ``lock`` is false.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .cells import iso_text
from .checkpoint import HarvestError
from .kinds import HarvestKind
from .loading import Convert, LoadingSink
from .locking import OutputLock
from .tables import SQLITE, Table, quote

#: Keys bound in one statement (SQLite's oldest limit is 999 variables).
_CHUNK = 500
#: json_each's types, as :func:`.schema.inferred` reads them.
_JSON_TYPES = {"integer": "integer", "real": "number", "text": "text", "true": "boolean", "false": "boolean"}


class SqliteSink(LoadingSink):
    """Rows upserted on ``(account, natural key)``: a re-run never duplicates a row."""

    dialect = SQLITE

    def __init__(
        self,
        path: Path,
        kind: HarvestKind,
        fingerprint: Mapping[str, Any],
        *,
        resume: bool,
        lock: bool = True,
        account: str | None = None,
    ) -> None:
        super().__init__(kind, fingerprint, account, str(path))
        self.path = path
        self._db: sqlite3.Connection | None = None
        if path.is_dir() or not path.parent.is_dir():
            raise HarvestError(
                f"cannot write {path}: {'it is a directory' if path.is_dir() else 'no such directory'}"
            )
        self._lock = OutputLock.acquire(path) if lock else None
        try:
            if resume and path.exists():
                with self._errors("cannot read the checkpoint in"):
                    self._read_checkpoint()
        except BaseException:
            self.close()
            raise

    @contextlib.contextmanager
    def _errors(self, doing: str = "cannot write") -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise HarvestError(f"{doing} {self.path}: {error}") from None

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            with self._errors():
                self._db = sqlite3.connect(self.path, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
        return self._db

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        db = self._connect()
        try:
            with self._errors():
                db.execute("BEGIN IMMEDIATE")
                yield
                db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._errors():
            return self._connect().execute(sql, params).fetchall()

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._errors():
            return self._connect().execute(sql, params).rowcount

    def _kind_of(self, name: str) -> str | None:
        found = self._query("SELECT type FROM sqlite_master WHERE name = ?", (name,))
        return str(found[0][0]) if found else None

    def _columns_of(self, name: str) -> list[str]:
        return [row[1] for row in self._query(f"PRAGMA table_info({quote(name)})")]

    def _load(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            with self._errors():
                self._connect().executemany(table.upsert(SQLITE), rows)

    def _for_keys(self, sql: str, params: Sequence[Any], keys: Sequence[str]) -> list[tuple[Any, ...]]:
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            statement = sql.replace("{keys}", f'"_key" IN ({", ".join("?" for _ in chunk)})')
            found += self._query(statement, (*params, *chunk))
        return found

    def _extra_types(self, label: str, run_id: str) -> dict[str, set[str]]:
        records = quote(self._design_now().records.name)
        path = '$."' + label.replace('"', '\\"') + '"'
        found: dict[str, set[str]] = {}
        rows = self._query(
            f"SELECT e.key, e.type FROM {records} t, json_each(t.extra, ?) e "  # noqa: S608
            "WHERE t.account = ? AND t._run_id = ? AND t._gone_at IS NULL "
            "AND json_type(t.extra, ?) = 'object' GROUP BY 1, 2",
            (path, self.account, run_id, path),
        )
        for key, kind in rows:
            found.setdefault(key, set()).add(_JSON_TYPES.get(kind, "null" if kind == "null" else "json"))
        return found

    def _convert(self, kind: str) -> Convert | None:
        return iso_text if kind in ("timestamp", "date") else None

    def close(self) -> None:
        try:
            if self._db is not None:
                try:
                    self.end()
                finally:
                    self._db.close()
                    self._db = None
        finally:
            if self._lock is not None:
                self._lock.release()
