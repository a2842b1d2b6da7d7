"""Landing pushed events in the outputs a harvest writes: what ``mettl-async webhooks serve`` does
with each delivery before it answers 2xx.

Every sink does its I/O (opening, writing, fsync, committing, closing) in a thread of its own,
so the event loop never waits on a disk or a database: while one write waits (a table locked,
a database restarting), other deliveries, other sources and refusals are still answered. One
thread per sink keeps each sink, and its connection, to one thread at a time.

A file output (JSONL, CSV, SQLite) is locked for the receiver's lifetime (one writer per file).
A PostgreSQL output takes no lock: events are upserted row by row on their natural key, so
several receivers may land in one database, and a receiver whose connection is lost (a server
restart) connects again by itself, losing no guarantee with the session. Each statement has a
time limit (:data:`STATEMENT_TIMEOUT`), so a stalled write ends in a 5xx and a redelivery.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..harvest.checkpoint import HarvestError
from ..harvest.kinds import HarvestKind
from ..harvest.outputs import is_database_url, is_stream, shown
from ..harvest.sink import Sink
from ..harvest.sinks import lock_output, open_sink
from ..harvest.stream import OutputClosedError
from .receiver import Delivery

#: Seconds a database statement of the receiver may take (waiting for a lock included).
STATEMENT_TIMEOUT = 10.0
#: Formats whose sinks are tables: one sink per kind, in one file or database.
_TABLES = ("sqlite", "postgresql")


class SinkThread:
    """One sink, opened on first use, and the one thread that does all its I/O."""

    def __init__(self, opener: Callable[[], Sink]) -> None:
        self._opener = opener
        self._sink: Sink | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mettl-landing")

    def _land(self, record: Mapping[str, Any]) -> int:
        if self._sink is None:  # opened here: a sink failing to open is tried again next time
            self._sink = self._opener()
        return self._sink.land([dict(record)])

    async def land(self, record: Mapping[str, Any]) -> int:
        """Land ``record`` (durably, upserted); how many records were new."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._land, record)

    def _close(self) -> None:
        sink, self._sink = self._sink, None
        if sink is not None:
            sink.close()

    def close(self) -> None:
        """Close the sink once what was submitted is done."""
        try:
            self._thread.submit(self._close).result()
        finally:
            self._thread.shutdown()


class Landing:
    """Lands deliveries in one output: a sink per file (JSONL holds every kind; CSV: a file per
    kind, ``<out>-<kind>.csv``) or per table (SQLite, PostgreSQL), opened on first use.

    A file output is locked from the start (a second server, or a harvest into the same file,
    is refused). When the reader of a stream output goes away, ``on_output_closed`` is called
    (the server stops). Once the output is closed (or the landing is), every delivery fails, so
    the platform delivers it again later: none is acknowledged without having landed.
    """

    def __init__(
        self,
        out: Path | str,
        fmt: str,
        *,
        on_output_closed: Callable[[], None] | None = None,
        statement_timeout: float = STATEMENT_TIMEOUT,
    ) -> None:
        self.out = out
        self.fmt = fmt
        self.where = shown(out)
        self.landed = 0
        self.statement_timeout = statement_timeout
        self._threads: dict[tuple[Path | str, str], SinkThread] = {}
        self._on_output_closed = on_output_closed
        #: Why deliveries are refused from now on (the output or the landing closed), if they are.
        self._refusal: tuple[type[HarvestError], str] | None = None
        if fmt == "csv" and is_stream(out):
            raise HarvestError("CSV events need a file per kind; write JSONL to a stream")
        self._lock = None if is_database_url(out) else lock_output(out)

    def _target(self, kind: HarvestKind) -> Path | str:
        if self.fmt == "csv":  # one header per file: a CSV per kind
            path = Path(self.out)
            return path.with_name(f"{path.stem}-{kind.name}{path.suffix}")
        return self.out

    def _open(self, kind: HarvestKind) -> Sink:
        target = self._target(kind)
        if is_database_url(target):  # no lock: rows are upserted one by one
            return open_sink(
                target, self.fmt, kind, {}, resume=False, lock=False, statement_timeout=self.statement_timeout
            )
        # The output's own lock is held (above); per-kind CSV files lock themselves.
        own_lock = target != self.out
        return open_sink(target, self.fmt, kind, {}, resume=False, restart=True, lock=own_lock)

    def _thread(self, kind: HarvestKind) -> SinkThread:
        # A JSONL file takes every kind through one sink (its lines do not depend on the kind).
        place = (self._target(kind), kind.table if self.fmt in _TABLES else "")
        thread = self._threads.get(place)
        if thread is None:
            thread = self._threads[place] = SinkThread(lambda: self._open(kind))
        return thread

    async def __call__(self, delivery: Delivery) -> None:
        if self._refusal is not None:
            error, message = self._refusal
            raise error(message)
        if delivery.kind is None:
            return
        try:
            fresh = await self._thread(delivery.kind).land(delivery.record)
        except OutputClosedError as closed:
            self._refusal = (OutputClosedError, str(closed))
            if self._on_output_closed is not None:
                self._on_output_closed()
            raise
        self.landed += fresh  # not `+= await`: that would add to the count from before the wait

    def close(self) -> None:
        """Refuse deliveries from now on; close every sink once its writes are done, then unlock."""
        self._refusal = self._refusal or (HarvestError, f"the landing in {self.where} is closed")
        try:
            for thread in self._threads.values():
                thread.close()
            self._threads.clear()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None
