"""PostgreSQL output: a table per kind keyed on its natural key; rows and checkpoint in one transaction.

The only module that imports the driver, psycopg 3 (``pip install
'mettl-async[postgresql]'``), used synchronously like SQLite: each page's
upsert and its checkpoint are one transaction, committed before the next page
is asked for, so a run killed anywhere resumes exactly (``--resume``) and a
re-run never duplicates a row.

Tables are those of SQLite, with the same names, columns and natural keys; the
kind's columns are ``text`` holding the API's values as sent (strings as they
are, numbers and booleans as their JSON text: ``1556263044217``, ``100.0``,
``true``), ``extra`` and ``record`` are ``jsonb``. PostgreSQL cannot store the
character U+0000 in text or jsonb; it lands as U+FFFD.

One writer per harvest: the sink holds a session advisory lock on a hash of
its table and its harvest's fingerprint while it is open; the server drops it
when the session ends, however the process ended (so a harvest whose connection
is lost stops, resumably). A sink that holds no lock (the webhook receiver's:
events are upserted row by row, several receivers may share a database)
connects again by itself when its connection is lost, and tries the write once
more on the new one. A URL's password is never shown: messages name the URL
with ``***`` in its place.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from ..core.jsoncodec import dumps
from ..core.paging_styles import PagePosition
from .checkpoint import Checkpoint, HarvestError
from .kinds import HarvestKind
from .locking import OutputBusyError, command
from .outputs import mask_url, redact_url
from .sink import Sink

CHECKPOINTS = "mettl_harvest_checkpoints"
#: Columns holding JSON (besides ``record``): typed ``jsonb``.
JSON_COLUMNS = frozenset({"extra"})
CONNECT_TIMEOUT = 10
_REPLACEMENT = "\ufffd"


#: U+0000 escaped in JSON text (``\\u0000`` after an even run of backslashes, so not an escaped
#: backslash followed by "u0000"): ``jsonb`` refuses it.
_ESCAPED_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def _nul_free(text: str) -> str:
    """JSON text with every U+0000 in its strings (names included) replaced by U+FFFD."""
    if "\\u0000" not in text:
        return text
    return _ESCAPED_NUL.sub(lambda found: found.group(1) + _REPLACEMENT, text)


def text_value(value: Any) -> str | None:
    """A column value as text: strings as they are, numbers and booleans (and any JSON) as JSON text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.replace("\x00", _REPLACEMENT)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return _nul_free(dumps(value).decode())


def json_value(value: Any, *, encoded: bool) -> str | None:
    """A value for a ``jsonb`` column, as JSON text. ``encoded``: ``value`` is JSON text already."""
    if value is None:
        return None
    return _nul_free(value if encoded and isinstance(value, str) else dumps(value).decode())


def advisory_key(*parts: str) -> int:
    """A signed 64-bit advisory lock key for ``parts``."""
    digest = hashlib.blake2b("\n".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _message(error: BaseException, url: str) -> str:
    text = str(error).strip().splitlines()
    return redact_url(text[0] if text else type(error).__name__, url)


def connect(url: str, *, statement_timeout: float | None = None) -> psycopg.Connection[Any]:
    """An autocommit connection (transactions are explicit), named after this process; each
    statement limited to ``statement_timeout`` seconds when given (waiting for locks included)."""
    scheme, sep, rest = url.partition("://")
    url = scheme.lower() + sep + rest
    shown = mask_url(url)
    try:
        params = conninfo_to_dict(url)
    except psycopg.Error as error:
        raise HarvestError(f"invalid PostgreSQL URL {shown}: {_message(error, url)}") from None
    extra: dict[str, Any] = {}
    if "connect_timeout" not in params:
        extra["connect_timeout"] = CONNECT_TIMEOUT
    if "application_name" not in params:  # what a refused writer shows (the server keeps 63 bytes)
        extra["application_name"] = f"pid {os.getpid()}: {command()}"[:63]
    try:
        db = psycopg.connect(url, autocommit=True, **extra)
    except psycopg.Error as error:
        raise HarvestError(f"cannot connect to {shown}: {_message(error, url)}") from None
    if statement_timeout is not None:
        try:
            milliseconds = str(max(1, round(statement_timeout * 1000)))
            db.execute("SELECT set_config('statement_timeout', %s, false)", (milliseconds,))
        except psycopg.Error as error:
            db.close()
            raise HarvestError(f"cannot connect to {shown}: {_message(error, url)}") from None
    return db


_HOLDER = """
SELECT a.application_name, host(a.client_addr), l.pid, to_char(a.backend_start, 'YYYY-MM-DD HH24:MI:SS')
FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid::bigint = %s AND l.objid::bigint = %s
"""


def take_advisory_lock(db: psycopg.Connection[Any], key: int, what: str) -> None:
    """Take the session advisory lock ``key`` at once, or raise :class:`OutputBusyError` naming
    the session that holds it."""
    row = db.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
    if row is not None and row[0]:
        return
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    holder = db.execute(_HOLDER, (unsigned >> 32, unsigned & 0xFFFF_FFFF)).fetchone()
    if holder is None:
        named = "a session that has just ended"
    else:
        name, address, pid, since = holder
        named = f"{name or 'an unnamed client'}; server pid {pid}, from {address or 'a local socket'}" + (
            f", since {since}" if since else ""
        )
    raise OutputBusyError(
        f"{what} is being written by another process ({named}); one writer per output: "
        "wait for it to finish or stop it, or write elsewhere"
    )


class PostgresSink(Sink):
    """Rows upserted on the kind's natural key, checkpoint in the same transaction; the tables are
    created with the first rows. Holds the harvest's advisory lock while open; without it
    (``lock`` false), connects again by itself after losing its connection."""

    def __init__(
        self,
        url: str,
        kind: HarvestKind,
        fingerprint: Mapping[str, Any],
        *,
        resume: bool,
        lock: bool = True,
        statement_timeout: float | None = None,
    ) -> None:
        super().__init__(kind, fingerprint)
        self.url = url
        self.where = mask_url(url)
        self._harvest = orjson.dumps(self.fingerprint, option=orjson.OPT_SORT_KEYS).decode()
        self._json = JSON_COLUMNS & set(kind.columns)
        self._prepared = False
        self._reconnects = not lock
        self._statement_timeout = statement_timeout
        self._closed = False
        self._build_statements()
        self._db: psycopg.Connection[Any] | None = connect(url, statement_timeout=statement_timeout)
        try:
            if lock:
                what = f"{self.where} (table {kind.table}, this harvest)"
                take_advisory_lock(self._db, advisory_key(kind.table, self._harvest), what)
            if resume:
                self._read_checkpoint()
        except psycopg.Error as error:
            self.close()
            raise HarvestError(f"cannot read {self.where}: {_message(error, url)}") from None
        except BaseException:
            self.close()
            raise

    def _build_statements(self) -> None:
        kind = self.kind
        names = (*kind.columns, "record")
        table = sql.Identifier(kind.table)
        columns = sql.SQL(", ").join(map(sql.Identifier, names))
        key = sql.SQL(", ").join(map(sql.Identifier, kind.key))
        kinds = ["jsonb" if c in self._json or c == "record" else "text" for c in names]
        definitions = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in zip(names, kinds, strict=True)
        )
        values = sql.SQL(", ").join(sql.SQL("%s::jsonb" if t == "jsonb" else "%s") for t in kinds)
        others = [c for c in names if c not in kind.key]
        updates = sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in others)
        ours = sql.SQL(", ").join(sql.SQL("{}.{}").format(table, sql.Identifier(c)) for c in others)
        theirs = sql.SQL(", ").join(sql.SQL("EXCLUDED.{}").format(sql.Identifier(c)) for c in others)
        self._create = sql.SQL("CREATE TABLE IF NOT EXISTS {} ({}, PRIMARY KEY ({}))").format(
            table, definitions, key
        )
        # An unchanged row is left alone (no new row version): a resume re-upserts a page cheaply,
        # and the count of rows changed tells a landed event from a redelivery.
        self._upsert = sql.SQL(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {} "
            "WHERE ROW({}) IS DISTINCT FROM ROW({})"
        ).format(table, columns, values, key, updates, ours, theirs)

    _CREATE_CHECKPOINTS = sql.SQL(
        "CREATE TABLE IF NOT EXISTS {} (harvest text PRIMARY KEY, next jsonb, records bigint NOT NULL)"
    ).format(sql.Identifier(CHECKPOINTS))
    _READ_CHECKPOINT = sql.SQL("SELECT next, records FROM {} WHERE harvest = %s").format(
        sql.Identifier(CHECKPOINTS)
    )
    _WRITE_CHECKPOINT = sql.SQL(
        "INSERT INTO {} (harvest, next, records) VALUES (%s, %s::jsonb, %s) "
        "ON CONFLICT (harvest) DO UPDATE SET next = EXCLUDED.next, records = EXCLUDED.records"
    ).format(sql.Identifier(CHECKPOINTS))

    def _connection(self) -> psycopg.Connection[Any]:
        if self._closed:
            raise HarvestError(f"{self.where} is closed")
        if self._db is None or (self._reconnects and self._lost()):
            self._drop_connection()
            self._db = connect(self.url, statement_timeout=self._statement_timeout)
        return self._db

    def _lost(self) -> bool:
        """Whether the connection was lost (the server restarted, or ended the session)."""
        return self._db is not None and (self._db.broken or self._db.closed)

    def _drop_connection(self) -> None:
        db, self._db = self._db, None
        if db is not None:
            db.close()

    def _read_checkpoint(self) -> None:
        db = self._connection()
        exists = db.execute("SELECT to_regclass(%s)", (CHECKPOINTS,)).fetchone()
        if exists is None or exists[0] is None:
            return
        found = db.execute(self._READ_CHECKPOINT, (self._harvest,)).fetchone()
        if found is not None:
            following = PagePosition.from_dict(found[0]) if found[0] else None
            self.resumed = Checkpoint(self.fingerprint, following, found[1])
            self.records = found[1]

    def _prepare(self) -> None:
        """Create the tables (inside the caller's transaction), one process at a time: concurrent
        ``CREATE TABLE IF NOT EXISTS`` of one table can otherwise fail."""
        if not self._prepared:
            db = self._connection()
            db.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key("mettl-async create tables"),))
            db.execute(self._create)
            db.execute(self._CREATE_CHECKPOINTS)

    def _row(self, row: Mapping[str, Any], record: Any) -> tuple[Any, ...]:
        values: list[Any] = []
        for column in self.kind.columns:
            if column in self._json:
                values.append(json_value(row[column], encoded=True))
            else:
                text = text_value(row[column])
                # A NULL key would never conflict, and a primary key takes none: '' as in SQLite.
                values.append("" if text is None and column in self.kind.key else text)
        return (*values, json_value(record, encoded=False))

    def _rows(self, records: list[Any]) -> list[tuple[Any, ...]]:
        return [self._row(row, record) for record in records for row in self.kind.rows(record)]

    def _transaction(self, rows: list[tuple[Any, ...]], checkpoint: tuple[Any, ...] | None) -> int:
        """Upsert ``rows`` and write ``checkpoint`` in one transaction; the count of rows changed.

        Without a lock to lose, a write that failed because the connection was lost (a server
        restart) is tried once more on a new connection: upserts are idempotent."""
        try:
            return self._write(rows, checkpoint)
        except HarvestError:
            if not (self._reconnects and self._lost()):
                raise
        return self._write(rows, checkpoint)

    def _write(self, rows: list[tuple[Any, ...]], checkpoint: tuple[Any, ...] | None) -> int:
        db = self._connection()
        changed = 0
        try:
            with db.transaction():
                self._prepare()
                with db.cursor() as cursor:
                    if rows:  # pipelined: one round trip for the page
                        cursor.executemany(self._upsert, rows)
                        changed = max(cursor.rowcount, 0)
                    if checkpoint is not None:
                        cursor.execute(self._WRITE_CHECKPOINT, checkpoint)
        except psycopg.Error as error:
            raise HarvestError(f"cannot write {self.where}: {_message(error, self.url)}") from None
        self._prepared = True
        return changed

    def write_page(self, records: list[Any], following: PagePosition | None) -> None:
        following_json = orjson.dumps(following.to_dict()).decode() if following else None
        self._transaction(self._rows(records), (self._harvest, following_json, self.records + len(records)))
        self.records += len(records)

    def land(self, records: list[Any]) -> int:
        """Upsert; a redelivered event with the same content changes nothing (counted as not new)."""
        return sum(1 for record in records if self._transaction(self._rows([record]), None))

    def close(self) -> None:
        self._closed = True
        self._drop_connection()
