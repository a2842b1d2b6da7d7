"""What the SQLite and PostgreSQL outputs share: typed tables, runs, change tracking, schema growth.

The pages between two durable points are one transaction (:mod:`.loading`): their records
classified against the table (:mod:`.changes`), the new, changed and re-laid-out ones written
(record row, child rows), the unchanged ones marked seen, the checkpoint and the run's counters;
on the last page also the gone marks and the columns to promote (:mod:`.schema`). A transaction
before the first page's makes or grows the tables, taking the schema lock only when there is
something to change, and upgrades a table an earlier version made (the flat table the view now
replaces), keeping every record it held.

The dialects (:mod:`.sqlite`, :mod:`.postgresql`) supply the connection and the few statements
that differ; everything here runs in the output's writer thread.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
import orjson

from ..core.jsoncodec import dumps, loads_exact
from ..core.paging_styles import PagePosition
from .changes import Change, Tally, feed_line, layout_digest
from .checkpoint import Checkpoint
from .kinds import HarvestKind
from .schema import CHECKPOINTS, META, RUNS, VERSIONS, promoted_of, promotions, version_columns
from .sink import Sink
from .tables import Design, Dialect, Table, design, quote

Convert = Callable[[Any], Any]


@attrs.define
class Plan:
    """What a database lacks for a kind's tables."""

    ddl: list[str] = attrs.Factory(list)
    #: The kind's table is an earlier version's flat table: its records move to the new tables.
    legacy: bool = False
    #: The view is to be made (again).
    view: bool = False
    #: ``(table, number, columns)`` of each schema version to record.
    versions: list[tuple[str, int, list[list[str]]]] = attrs.Factory(list)

    @property
    def needed(self) -> bool:
        return bool(self.ddl or self.legacy or self.view or self.versions)

    def grow(self, table: Table, present: Sequence[str], dialect: Dialect) -> str:
        """Make ``table``, or add the columns it lacks: ``created``, ``grown`` or ``""``."""
        if not present:
            self.ddl.append(table.create(dialect))
            return "created"
        missing = [table.add_column(n, dialect) for n in table.columns if n not in present]
        self.ddl += missing
        return "grown" if missing else ""


class TableSink(Sink):
    """Rows upserted on ``(account, natural key)``, checkpoint and run in the page's transaction."""

    dialect: Dialect

    def __init__(
        self, kind: HarvestKind, fingerprint: Mapping[str, Any], account: str | None, where: str
    ) -> None:
        super().__init__(kind, fingerprint, account)
        self.where = where
        self._harvest = orjson.dumps(self.fingerprint, option=orjson.OPT_SORT_KEYS).decode()
        self.run_id: str | None = None
        self.tally = Tally()
        self._pages = 0
        self._design: Design | None = None
        self._digest = ""
        self._warned: set[str] = set()
        #: Whether this connection recorded the run; whether the run completed here; whether the
        #: sink lands deliveries (a receiver's run).
        self._started = False
        self._complete = False
        self._receiving = False

    # -- what each dialect supplies -----------------------------------------------------------

    @abc.abstractmethod
    def _transaction(self) -> contextlib.AbstractContextManager[Any]: ...

    @abc.abstractmethod
    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    @abc.abstractmethod
    def _execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; the count of rows it changed."""

    @abc.abstractmethod
    def _kind_of(self, name: str) -> str | None:
        """``table``, ``view`` or ``None``: what ``name`` is in the database."""

    @abc.abstractmethod
    def _columns_of(self, name: str) -> list[str]: ...

    @abc.abstractmethod
    def _load(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        """Upsert ``rows`` (every column of ``table``, in order) on its key."""

    @abc.abstractmethod
    def _for_keys(self, sql: str, params: Sequence[Any], keys: Sequence[str]) -> list[tuple[Any, ...]]:
        """Run ``sql`` whose ``{keys}`` stands for ``_key`` being one of ``keys``."""

    @abc.abstractmethod
    def _extra_types(self, label: str, run_id: str) -> dict[str, set[str]]:
        """The keys under ``label`` in ``extra`` of the records the run saw listed, with their JSON types."""

    @abc.abstractmethod
    def _convert(self, kind: str) -> Convert | None:
        """How a typed value of column type ``kind`` is bound (``None``: as it is)."""

    def _binds(self, record_json: str) -> bool:
        """Whether the rows of a record (``record_json``: its JSON text) need :meth:`_convert`."""
        return True

    @abc.abstractmethod
    def _store(
        self, records: list[Any], now: datetime, run_id: str | None, *, adopting: bool = False
    ) -> Tally:
        """Write ``records`` (:mod:`.loading`)."""

    def _lock_schema(self) -> None:
        """Keep other writers out of the schema until this transaction ends."""

    def _read_json(self, value: Any) -> Any:
        return loads_exact(value) if isinstance(value, str | bytes) else value

    # -- opening ------------------------------------------------------------------------------

    def _read_checkpoint(self) -> None:
        """The checkpoint this harvest left (and its run's counts), if any."""
        columns = self._columns_of(CHECKPOINTS.name)
        if not columns:
            return
        run = '"run_id"' if "run_id" in columns else "NULL"  # an earlier version's table has none
        found = self._query(
            self._sql(f'SELECT "next", "records", {run} FROM {{checkpoints}} WHERE "harvest" = ?'),  # noqa: S608
            (self._harvest,),
        )
        if not found:
            return
        following, records, self.run_id = found[0]
        position = PagePosition.from_dict(self._read_json(following)) if following else None
        self.resumed = Checkpoint(self.fingerprint, position, records)
        self.records = records
        if self.run_id is not None and self._columns_of(RUNS.name):
            counts = self._query(
                self._sql(
                    'SELECT "pages", "new", "changed", "unchanged", "gone" FROM {runs} WHERE "run_id" = ?'
                ),
                (self.run_id,),
            )
            if counts:
                self._pages, *tally = counts[0]
                self.tally = Tally(*tally)

    def changes(self) -> Iterator[bytes]:
        """The change feed of the run the checkpoint names, once complete."""
        complete = self._complete or (self.resumed is not None and self.resumed.complete)
        if self.run_id is None or not complete:
            return
        names = design(self.kind).tables
        if not self._columns_of(names[0]):
            return
        query = (
            f'SELECT "_change", "_key", "record" FROM {quote(names[0])} '  # noqa: S608
            'WHERE "account" = ? AND "_run_id" = ? AND "_change" IN (?, ?, ?) ORDER BY "_key"'
        )
        changed = (Change.NEW.value, Change.CHANGED.value, Change.GONE.value)
        rows = self._query(self._sql(query), (self.account, self.run_id, *changed))
        for change, key, record in rows:
            yield feed_line(
                change, self.account, self.kind.name, self.kind.record_key, key, self._read_json(record)
            )

    def _promote(self, now: datetime) -> None:
        """Record as columns the keys this run's records held that no column names (:mod:`.schema`)."""
        assert self.run_id is not None
        made = self._design_now()
        found = self._extra_types(self.kind.label, self.run_id)
        new = promotions(found, set(made.records.columns))
        if not new:
            return
        grown = design(self.kind, [*made.promoted, *new])
        number = self._versions([made.records.name]).get(made.records.name, (0, None))[0]
        columns = version_columns(grown.records, grown.promoted)
        self._record_version(made.records.name, number + 1, columns, now)

    def _sql(self, text: str) -> str:
        """``text`` with ``{runs}``, ``{records}``… named and ``?`` in the dialect's placeholder."""
        names = {"runs": RUNS.name, "versions": VERSIONS.name, "checkpoints": CHECKPOINTS.name}
        if self._design is not None:
            names["records"] = self._design.records.name
        return text.format(**{k: quote(v) for k, v in names.items()}, keys="{keys}").replace(
            "?", self.dialect.placeholder
        )

    # -- the schema ---------------------------------------------------------------------------

    def _prepare(self, now: datetime) -> None:
        """Make or grow the tables (inside the first transaction); upgrade an earlier version's."""
        if self._design is not None:
            return
        plan = self._plan()
        if plan.needed:
            self._lock_schema()  # then look again: another writer may have done it meanwhile
            plan = self._plan()
        made = self._design_now()
        for statement in plan.ddl:
            self._execute(statement)
        if plan.legacy:
            self._adopt_legacy(now)
            self._execute(f"DROP TABLE {quote(made.view)}")
        if plan.view:
            self._execute(f"DROP VIEW IF EXISTS {quote(made.view)}")
            self._execute(made.view_sql(self.dialect))
        for table, number, columns in plan.versions:
            self._record_version(table, number, columns, now)

    def _record_version(self, table: str, number: int, columns: list[list[str]], now: datetime) -> None:
        self._execute(VERSIONS.upsert(self.dialect), (table, number, dumps(columns).decode(), self._at(now)))

    def _at(self, now: datetime) -> Any:
        convert = self._convert("timestamp")
        return convert(now) if convert else now

    def _design_now(self) -> Design:
        assert self._design is not None, "the tables are designed in the first transaction"
        return self._design

    def _plan(self) -> Plan:
        """What the database lacks: its tables and columns, the view, the schema versions."""
        plan = Plan()
        kept = {table.name: self._columns_of(table.name) for table in META}
        for table in META:
            plan.grow(table, kept[table.name], self.dialect)
        names = design(self.kind).tables
        versions = self._versions(names) if kept[VERSIONS.name] else {}
        made = design(self.kind, promoted_of(versions.get(names[0], (0, None))[1]))
        self._design = made
        self._digest = layout_digest([c for t in made.tables_of() for c in t.columns])
        for table in made.tables_of():
            if (
                plan.grow(table, self._columns_of(table.name), self.dialect) == "created"
                and table is made.records
            ):
                plan.ddl += made.indexes()
            number, recorded = versions.get(table.name, (0, None))
            columns = version_columns(table, made.promoted if table is made.records else ())
            if recorded != columns:
                plan.versions.append((table.name, number + 1, columns))
        shown = self._kind_of(made.view)
        plan.legacy = shown == "table"
        plan.view = plan.legacy or shown is None or bool(plan.versions)
        return plan

    def _versions(self, names: Sequence[str]) -> dict[str, tuple[int, Any]]:
        """The latest schema version of each of ``names``: ``(number, columns)``."""
        found: dict[str, tuple[int, Any]] = {}
        places = ", ".join("?" for _ in names)
        query = (
            f'SELECT "table_name", "version", "columns" FROM {{versions}} WHERE "table_name" IN ({places})'  # noqa: S608
        )
        for table, number, columns in self._query(self._sql(query), tuple(names)):
            if number > found.get(table, (0, None))[0]:
                found[table] = (number, self._read_json(columns))
        return found

    def _adopt_legacy(self, now: datetime) -> None:
        """Move the records of the flat table an earlier version made into the new tables (under
        this output's account: that version kept none, and a second account overwrote the first);
        their run is unknown (``_run_id`` NULL), so no run counts them."""
        view = quote(self._design_now().view)
        legacy = [self._read_json(r) for (r,) in self._query(f'SELECT DISTINCT "record" FROM {view}')]  # noqa: S608
        if legacy:
            self._store(legacy, now, None, adopting=True)
