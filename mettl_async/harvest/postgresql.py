"""PostgreSQL output: the typed tables of :mod:`.tables`; the pages of a group commit, their
checkpoint and their run's counts in one transaction.

The only module that imports the driver, psycopg 3 (``pip install
'mettl-async[postgresql]'``), used synchronously from the output's writer thread
(so the event loop never waits on it): the pages since the last commit are one
transaction, with the checkpoint after the last of them, so a run killed anywhere
resumes exactly (``--resume``) and a re-run never duplicates a row. A page's rows
are copied into a temporary table (``COPY``) and upserted from it in one statement
per table.

Columns are typed: ``bigint``, ``double precision`` (what the client reads a
JSON number into), ``boolean``, ``text``, ``timestamptz`` (a naive local time is
stored as the wall-clock time it shows, read as UTC; its text is in the column
beside it), ``date``, ``jsonb``. PostgreSQL cannot store the character U+0000 in
text or jsonb; it lands as U+FFFD.

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

import contextlib
import hashlib
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..core.jsoncodec import dumps
from .checkpoint import HarvestError
from .kinds import HarvestKind
from .loading import Convert, LoadingSink
from .locking import OutputBusyError, command
from .outputs import mask_url, redact_url
from .tables import POSTGRESQL, Table, quote

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


_EXTRA_TYPES = """
SELECT e.key, CASE jsonb_typeof(e.value)
  WHEN 'number' THEN CASE WHEN e.value::text ~ '^-?[0-9]+$' THEN 'integer' ELSE 'number' END
  WHEN 'string' THEN 'text' WHEN 'boolean' THEN 'boolean' WHEN 'null' THEN 'null' ELSE 'json' END
FROM {} t, jsonb_each(CASE WHEN jsonb_typeof(t.extra -> %s) = 'object' THEN t.extra -> %s END) e
WHERE t.account = %s AND t._run_id = %s AND t._gone_at IS NULL GROUP BY 1, 2
"""


def text_value(value: Any) -> Any:
    """A text column's value, U+0000 replaced by U+FFFD."""
    return value.replace("\x00", _REPLACEMENT) if value.__class__ is str and "\x00" in value else value


def json_value(value: Any, *, encoded: bool) -> str | None:
    """A value for a ``jsonb`` column, as JSON text. ``encoded``: ``value`` is JSON text already."""
    if value is None:
        return None
    return _nul_free(value if encoded and isinstance(value, str) else dumps(value).decode())


def _json_text(value: Any) -> str | None:
    return json_value(value, encoded=True)


class PostgresSink(LoadingSink):
    """Rows upserted on ``(account, natural key)``; the tables are created (or grown) with the
    first rows. Holds the harvest's advisory lock while open; without it (``lock`` false: a
    receiver), connects again by itself after losing its connection."""

    dialect = POSTGRESQL
    #: How a page's rows reach the server: ``copy`` (into a temporary table, then one upsert) or
    #: ``executemany`` (pipelined upserts); benchmarks/bench_warehouse.py compares them.
    bulk = "copy"

    def __init__(
        self,
        url: str,
        kind: HarvestKind,
        fingerprint: Mapping[str, Any],
        *,
        resume: bool,
        lock: bool = True,
        statement_timeout: float | None = None,
        account: str | None = None,
    ) -> None:
        super().__init__(kind, fingerprint, account, mask_url(url))
        self.url = url
        self._reconnects = not lock
        self._statement_timeout = statement_timeout
        self._closed = False
        self._staged: set[str] = set()
        #: Temporary tables holding an earlier page's rows of the open transaction.
        self._filled: set[str] = set()
        #: The advisory lock this sink holds, if any.
        self._held: int | None = None
        self._db: psycopg.Connection[Any] | None = connect(url, statement_timeout=statement_timeout)
        try:
            with self._errors("cannot read"):
                if lock:
                    what = f"{self.where} (table {kind.table}, this harvest)"
                    take_advisory_lock(self._db, advisory_key(kind.table, self._harvest), what)
                    self._held = advisory_key(kind.table, self._harvest)
                if resume:
                    self._read_checkpoint()
        except BaseException:
            self.close()
            raise

    @contextlib.contextmanager
    def _errors(self, doing: str = "cannot write") -> Iterator[None]:
        try:
            yield
        except psycopg.Error as error:
            raise HarvestError(f"{doing} {self.where}: {_message(error, self.url)}") from None

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
        self._staged.clear()  # temporary tables go with their session
        self._started = False
        if db is not None:
            db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        try:
            with self._errors(), self._connection().transaction():
                yield
        except BaseException:
            self._staged.clear()  # a temporary table made in the transaction went with it
            raise
        finally:
            self._filled.clear()  # a commit empties them, and so does a rollback

    def _attempt(self, write: Callable[[], int]) -> int:
        """Without a lock to lose, a write that failed because the connection was lost (a server
        restart) is tried once more on a new connection: upserts are idempotent."""
        try:
            return write()
        except HarvestError:
            if not (self._reconnects and self._lost()):
                raise
        return write()

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._errors():
            cursor = self._connection().execute(sql.encode(), params)
            return cursor.fetchall() if cursor.description else []

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        with self._errors():
            return self._connection().execute(sql.encode(), params).rowcount

    def _kind_of(self, name: str) -> str | None:
        found = self._query("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", (quote(name),))
        return None if not found else ("view" if found[0][0] == "v" else "table")

    def _columns_of(self, name: str) -> list[str]:
        query = (
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
        )
        return [row[0] for row in self._query(query, (quote(name),))]

    def _lock_schema(self) -> None:
        # Only while tables are made or grown (concurrent CREATE or ALTER of one table can fail);
        # writers whose tables are ready never take it.
        self._execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key("mettl-async schema"),))

    def _load(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        with self._errors(), self._connection().cursor() as cursor:
            if self.bulk == "executemany":
                cursor.executemany(table.upsert(POSTGRESQL).encode(), rows)
                return
            stage = quote(f"mettl_stage_{table.name}"[:63])
            if table.name not in self._staged:  # a temporary table per session, emptied by each commit
                defined = ", ".join(f"{quote(n)} {POSTGRESQL.types[t]}" for n, t in table.columns.items())
                cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{stage}".encode())
                cursor.execute(f"CREATE TEMPORARY TABLE {stage} ({defined}) ON COMMIT DELETE ROWS".encode())
                self._staged.add(table.name)
            elif table.name in self._filled:  # several pages in one transaction (group commit)
                cursor.execute(f"TRUNCATE {stage}".encode())
            self._filled.add(table.name)
            names = ", ".join(map(quote, table.columns))
            with cursor.copy(f"COPY {stage} ({names}) FROM STDIN".encode()) as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(table.upsert(POSTGRESQL, source=stage).encode())

    def _for_keys(self, sql: str, params: Sequence[Any], keys: Sequence[str]) -> list[tuple[Any, ...]]:
        # The keys as one JSON text: binding a list of 500 texts costs more than the statement.
        matching = '"_key" = ANY(ARRAY(SELECT jsonb_array_elements_text(%s::jsonb)))'
        return self._query(sql.replace("{keys}", matching), (*params, _nul_free(dumps(list(keys)).decode())))

    def _extra_types(self, label: str, run_id: str) -> dict[str, set[str]]:
        records = quote(self._design_now().records.name)
        found: dict[str, set[str]] = {}
        for key, kind in self._query(_EXTRA_TYPES.format(records), (label, label, self.account, run_id)):
            found.setdefault(key, set()).add(kind)
        return found

    def _binds(self, record_json: str) -> bool:
        # Only U+0000 needs changing, and a record holding one has it escaped in its JSON text.
        return "\\u0000" in record_json

    def _convert(self, kind: str) -> Convert | None:
        if kind == "json":
            return _json_text
        return text_value if kind == "text" else None

    def close(self) -> None:
        try:
            if not self._closed and self._db is not None and not self._lost():
                self.end()
        finally:
            if self._held is not None and self._db is not None and not self._lost():
                # Let go now: the server frees a session's locks only once its backend has ended
                # (after dropping its temporary tables), and the next run may be starting already.
                with contextlib.suppress(psycopg.Error):
                    self._db.execute("SELECT pg_advisory_unlock(%s)", (self._held,))
            self._closed = True
            self._drop_connection()
