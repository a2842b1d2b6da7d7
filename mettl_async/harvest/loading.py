"""Loading records into the typed tables: the pages between two durable points (a group commit)
are one transaction, and so is a delivery.

Each record is classified against what its table holds (:func:`.changes.classify`): new,
changed and re-laid-out records are written whole (the record's row, its child rows replaced),
unchanged ones only marked seen by this run. With the commit go the checkpoint after the last
page and its run's counters (``mettl_harvest_runs``); with the last page the gone marks (the
records the same harvest's earlier runs saw and this complete run did not: only when an earlier
run was complete), the run's end, and the keys to promote to columns (:mod:`.schema`). A page or
a commit that fails rolls the whole transaction back: the pages since the last commit are gone,
as a kill would lose them, and a resume fetches them again.

A webhook receiver's deliveries are a run of their own (``receiving``, ``closed`` when it stops).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import attrs

from ..core.jsoncodec import dumps
from ..core.paging_styles import PagePosition
from ..core.printable import printable
from ..core.redaction import redact
from .cells import Misfit, read_cell
from .changes import Change, Stored, Tally, classify, content_hash, new_run_id
from .schema import (
    CHECKPOINTS,
    CLOSED,
    COMPLETE,
    FAILED,
    INTERRUPTED,
    RECEIVING,
    RUNNING,
)
from .tables import Design, Table, quote
from .tablesink import TableSink

log = logging.getLogger("mettl_async.harvest")
Convert = Callable[[Any], Any]


class LoadingSink(TableSink):
    """Pages and deliveries into the typed tables (see the module)."""

    #: The transaction holding the pages added since the last commit, if any.
    _batch: contextlib.ExitStack | None = None
    #: Where the last page added says to continue.
    _following: PagePosition | None = None
    #: ``(records, tally, pages)`` as of the last commit: what a failure goes back to.
    _durable: tuple[int, Tally, int] | None = None

    def add_page(self, records: list[Any], following: PagePosition | None) -> None:
        self._check_not_lost()
        now = datetime.now(UTC)
        self._prepare_apart(now)
        try:
            if self._batch is None:  # a transaction for the pages until the next commit
                assert self.tally is not None
                self._durable = (self.records, attrs.evolve(self.tally), self._pages)
                self._batch = contextlib.ExitStack()
                self._batch.enter_context(self._transaction())
                self._begin(now, RUNNING)
            tally = self._store(records, now, self.run_id)
            if following is None:
                tally.gone = self._mark_gone(now)
        except BaseException:
            self._abandon()
            raise
        self._add(tally, len(records))
        self._following = following

    def commit(self) -> None:
        """The checkpoint after the last page added, and the run's counters, then COMMIT."""
        self._check_not_lost()
        if self._batch is None:
            return
        now = datetime.now(UTC)
        done = self._following is None
        try:
            self._write_checkpoint(self._following, self.records)
            self._count(now, COMPLETE if done else RUNNING)
            if done:
                self._promote(now)
            batch, self._batch = self._batch, None
            batch.close()
        except BaseException:
            self._abandon()
            raise
        self._durable = None
        self._complete = done
        self.commits += 1

    def _abandon(self) -> None:
        """Roll the open transaction back: the pages since the last commit are gone, the counts
        go back to what is durable, and the tables are looked at again next time."""
        batch, self._batch = self._batch, None
        if batch is not None:
            with contextlib.suppress(Exception):  # the error that brought us here is the one to tell
                batch.__exit__(*sys.exc_info())
        if self._durable is not None:
            if self._durable[2] != self._pages:  # earlier calls' pages went with it
                self._lose(sys.exc_info()[1] or RuntimeError("rolled back"))
            self.records, self.tally, self._pages = self._durable
            self._durable = None
        self._design, self._started = None, False

    def land(self, records: list[Any]) -> int:
        """Upsert pushed records; how many were new or changed (a redelivery changes nothing)."""
        return self._attempt(lambda: self._land(records))

    def _land(self, records: list[Any]) -> int:
        now = datetime.now(UTC)
        self._receiving = True
        self._prepare_apart(now)
        with self._failing(), self._transaction():
            self._begin(now, RECEIVING)
            tally = self._store(records, now, self.run_id)
            self._count(now, RECEIVING, tally, len(records))
        self._add(tally, len(records))
        return tally.new + tally.changed

    def _attempt(self, write: Callable[[], int]) -> int:
        """Run ``write`` (a dialect that reconnects tries it once more on a new connection)."""
        return write()

    def _prepare_apart(self, now: datetime) -> None:
        """Make or grow the tables in a transaction of their own, before the first page's: a run
        killed in its first page leaves the tables, empty, as a kill anywhere else would."""
        if self._design is None:
            with self._failing(), self._transaction():
                self._prepare(now)

    @contextlib.contextmanager
    def _failing(self) -> Iterator[None]:
        """A transaction that failed left nothing: the tables are looked at again, and the run
        recorded again, next time."""
        try:
            yield
        except BaseException:
            self._design, self._started = None, False
            raise

    def _add(self, tally: Tally, records: int) -> None:
        assert self.tally is not None
        for change in Change:
            self.tally.add(change, getattr(tally, change.value))
        self.records += records
        self._pages += 1

    # -- the run --------------------------------------------------------------------------------

    def _begin(self, now: datetime, status: str) -> None:
        """Record the run (once per connection; a resumed run continues its row)."""
        if self._started:
            return
        if self.run_id is None:
            self.run_id = new_run_id(now)
        harvest = (
            self._harvest
            if status == RUNNING
            else dumps({"receiver": self.kind.table, "account": self.account}).decode()
        )
        self._execute(
            self._sql(
                'INSERT INTO {runs} ("run_id", "harvest", "account", "kind", "table_name", "started_at", '
                '"status", "pages", "records", "new", "changed", "unchanged", "gone") '
                "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, 0) "
                'ON CONFLICT ("run_id") DO UPDATE SET "status" = excluded."status", "ended_at" = NULL'
            ),
            (self.run_id, harvest, self.account, self.kind.name, self.kind.table, self._at(now), status),
        )
        self._started = True

    def _count(self, now: datetime, status: str, page: Tally | None = None, records: int = 0) -> None:
        """The run's counters: its totals so far, and ``page`` of ``records`` (a delivery, not
        counted yet)."""
        assert self.tally is not None
        pages = self._pages if page is None else self._pages + 1
        total, page = self.tally, page or Tally()
        self._execute(
            self._sql(
                'UPDATE {runs} SET "pages" = ?, "records" = ?, "new" = ?, "changed" = ?, "unchanged" = ?, '
                '"gone" = ?, "status" = ?, "ended_at" = ? WHERE "run_id" = ?'
            ),
            (
                pages,
                self.records + records,
                total.new + page.new,
                total.changed + page.changed,
                total.unchanged + page.unchanged,
                total.gone + page.gone,
                status,
                self._at(now) if status == COMPLETE else None,
                self.run_id,
            ),
        )

    def _write_checkpoint(self, following: PagePosition | None, records: int) -> None:
        """The checkpoint, after the page's rows (a kill between the two commits neither)."""
        position = dumps(following.to_dict()).decode() if following else None
        self._execute(CHECKPOINTS.upsert(self.dialect), (self._harvest, position, records, self.run_id))

    def _mark_gone(self, now: datetime) -> int:
        """Mark gone what the harvest's earlier runs saw and this one did not (after a complete one)."""
        earlier = self._query(
            self._sql('SELECT 1 FROM {runs} WHERE "harvest" = ? AND "status" = ? AND "run_id" <> ?'),
            (self._harvest, COMPLETE, self.run_id),
        )
        if not earlier:
            return 0
        return self._execute(
            self._sql(
                'UPDATE {records} SET "_gone_at" = ?, "_change" = ?, "_run_id" = ? WHERE "account" = ? '
                'AND "_gone_at" IS NULL AND "_run_id" IN '
                '(SELECT "run_id" FROM {runs} WHERE "harvest" = ? AND "run_id" <> ?)'
            ),
            (self._at(now), Change.GONE.value, self.run_id, self.account, self._harvest, self.run_id),
        )

    def fail(self, reason: str) -> None:
        """Record the run ``failed``, with ``reason`` (made when it wrote no page: a wrong key stops
        a run at its first request, and the runs table still says so)."""
        if self._pages_lost is None:
            self.commit()  # the pages written before the failure are whole: they stay
        now = datetime.now(UTC)
        self._prepare_apart(now)
        with self._failing(), self._transaction():
            self._begin(now, RUNNING)
            self._execute(
                self._sql('UPDATE {runs} SET "status" = ?, "ended_at" = ?, "error" = ? WHERE "run_id" = ?'),
                (FAILED, self._at(now), reason[:1000], self.run_id),
            )

    def end(self) -> None:
        """Before the connection closes: the pages added since the last commit are committed; a run
        this process began and did not finish is ``interrupted`` (a receiver's ``closed``); a
        killed one stays ``running``."""
        try:
            if self._pages_lost is None:
                self.commit()
        finally:
            if self._started and not self._complete:
                self._mark_ended()

    def _mark_ended(self) -> None:
        with contextlib.suppress(Exception):
            status = RECEIVING if self._receiving else RUNNING
            self._execute(
                self._sql(
                    'UPDATE {runs} SET "status" = ?, "ended_at" = ? WHERE "run_id" = ? AND "status" = ?'
                ),
                (
                    CLOSED if self._receiving else INTERRUPTED,
                    self._at(datetime.now(UTC)),
                    self.run_id,
                    status,
                ),
            )

    # -- a page, a delivery ------------------------------------------------------------------------------

    def _bound(self, table: Table) -> list[tuple[int, Convert]]:
        return [(i, c) for i, t in enumerate(table.columns.values()) if (c := self._convert(t)) is not None]

    def _store(
        self, records: list[Any], now: datetime, run_id: str | None, *, adopting: bool = False
    ) -> Tally:
        """Classify ``records`` against the table and write what must be; the page's tally."""
        made = self._design_now()
        splits = [self.kind.split(r) for r in records]  # type: ignore[misc]
        keys = [dumps([s.sent[c] for c in made.natural]).decode() for s in splits]
        stored = {
            key: Stored(h, bool(gone), schema)
            for key, h, gone, schema in self._for_keys(
                self._sql(
                    'SELECT "_key", "_hash", "_gone_at" IS NOT NULL, "_schema" FROM {records} '
                    'WHERE "account" = ? AND {keys}'
                ),
                (self.account,),
                list(dict.fromkeys(keys)),
            )
        }
        existed = set(stored)  # only these can have child rows to replace
        tally = Tally()
        chosen: dict[str, tuple[int, str, Change, bool]] = {}
        for index, (record, key) in enumerate(zip(records, keys, strict=True)):
            hashed = content_hash(record)
            before = stored.get(key)
            change = classify(before, hashed)
            tally.add(change)
            rewrite = change is not Change.UNCHANGED or (before is not None and before.schema != self._digest)
            first = chosen.get(key)
            chosen[key] = (index, hashed, first[2] if first else change, rewrite or bool(first and first[3]))
            stored[key] = Stored(hashed, False, self._digest)
        at = self._at(now)
        parents: list[tuple[Any, ...]] = []
        children: list[tuple[Any, ...]] = []
        seen: list[str] = []
        bind_parent = self._binder(made.records)
        bind_child = self._binder(made.children) if made.children else bind_parent
        for key, (index, hashed, change, rewrite) in chosen.items():
            if not rewrite:
                seen.append(key)
                continue
            split, record = splits[index], records[index]
            self._warn(split.misfits)
            row = {"account": self.account, "_key": key, **split.parent}
            for column in made.promoted:  # before extra, as the table has them
                value = read_cell(column.type, record.get(column.key)).value
                row[column.name] = None if value.__class__ is Misfit else value
            row["extra"] = row.pop("extra")
            meta = (
                hashed,
                self._digest,
                None if adopting else change.value,
                None if adopting else at,
                run_id,
                None,
            )
            text = dumps(record).decode()
            rows = [
                (self.account, key, *child.values(), None if adopting else at, run_id)
                for child in split.children
            ]
            if self._binds(text):
                parents.append(bind_parent((*row.values(), text, *meta)))
                children += map(bind_child, rows)
            else:
                parents.append((*row.values(), text, *meta))
                children += rows
        self._write_rows(made, parents, children, [row[1] for row in parents if row[1] in existed])
        if seen:
            self._for_keys(
                self._sql(
                    'UPDATE {records} SET "_extracted_at" = ?, '
                    '"_change" = CASE WHEN "_run_id" = ? THEN "_change" ELSE \'unchanged\' END, '
                    '"_run_id" = ? WHERE "account" = ? AND {keys}'
                ),
                (at, run_id, run_id, self.account),
                seen,
            )
        return tally

    def _write_rows(
        self,
        made: Design,
        parents: list[tuple[Any, ...]],
        children: list[tuple[Any, ...]],
        replaced: list[str],
    ) -> None:
        """The records' rows upserted; the child rows of the ``replaced`` ones deleted, then the new
        child rows written (a record's elements are replaced whole: it may have fewer now)."""
        self._load(made.records, parents)
        if made.children is not None:
            if replaced:
                self._for_keys(
                    self._sql(f'DELETE FROM {quote(made.children.name)} WHERE "account" = ? AND {{keys}}'),  # noqa: S608
                    (self.account,),
                    replaced,
                )
            self._load(made.children, children)

    def _binder(self, table: Table) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
        """``row -> row`` as the dialect binds it (:meth:`_convert` for each column that needs it)."""
        bound = self._bound(table)

        def bind(row: tuple[Any, ...]) -> tuple[Any, ...]:
            values = list(row)
            for i, convert in bound:
                if values[i] is not None:
                    values[i] = convert(values[i])
            return tuple(values)

        return bind

    def _warn(self, misfits: tuple[tuple[str, str], ...]) -> None:
        for column, reason in misfits:
            if column not in self._warned:
                self._warned.add(column)
                log.warning(
                    "%s: a value of %s does not fit its type (%s); kept in extra (said once per column)",
                    self.kind.table,
                    column,
                    printable(redact(reason))[:200],
                )
