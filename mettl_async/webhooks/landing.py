"""Landing pushed events in the outputs a harvest writes: what ``mettl-async webhooks serve`` does
with each delivery before it answers 2xx.

Every sink does its I/O (opening, writing, fsync, committing, closing) in a thread of its own
(:class:`~mettl_async.harvest.threaded.SinkThread`), so the event loop never waits on a disk or a
database: while one write waits (a table locked, a database restarting), other deliveries,
other sources and refusals are still answered.

Each delivery lands under its account: the one its path named (``/mettl/acme``), else the
landing's ``account``. A table's rows carry it (part of the key); JSONL lines are the events as
sent, whatever their account; CSV rows begin with it.

A file output (JSONL, CSV, SQLite) is locked for the receiver's lifetime (one writer per file).
A PostgreSQL output takes no lock: events are upserted row by row on their natural key, so
several receivers may land in one database, and a receiver whose connection is lost (a server
restart) connects again by itself, losing no guarantee with the session. Each statement has a
time limit (:data:`STATEMENT_TIMEOUT`), so a stalled write ends in a 5xx and a redelivery.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..harvest.checkpoint import HarvestError
from ..harvest.kinds import HarvestKind
from ..harvest.outputs import is_database_url, is_stream, shown
from ..harvest.sink import Sink
from ..harvest.sinks import lock_output, open_sink
from ..harvest.stream import OutputClosedError
from ..harvest.threaded import SinkThread
from .receiver import Delivery

#: Seconds a database statement of the receiver may take (waiting for a lock included).
STATEMENT_TIMEOUT = 10.0
#: Formats whose sinks are tables: one sink per kind, in one file or database.
_TABLES = ("sqlite", "postgresql")
#: The account of deliveries when the receiver is told of none.
DEFAULT_ACCOUNT = "default"


class Landing:
    """Lands deliveries in one output: a sink per file (JSONL holds every kind; CSV: a file per
    kind, ``<out>-<kind>.csv``, and ``<out>-<kind>-<account>.csv`` for an account other than
    ``account``) or per table and account (SQLite, PostgreSQL), opened on first use.

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
        account: str = DEFAULT_ACCOUNT,
    ) -> None:
        self.out = out
        self.account = account
        self.fmt = fmt
        self.where = shown(out)
        self.landed = 0
        self.statement_timeout = statement_timeout
        self._threads: dict[tuple[Path | str, str, str], SinkThread] = {}
        self._on_output_closed = on_output_closed
        #: Why deliveries are refused from now on (the output or the landing closed), if they are.
        self._refusal: tuple[type[HarvestError], str] | None = None
        if fmt == "csv" and is_stream(out):
            raise HarvestError("CSV events need a file per kind; write JSONL to a stream")
        self._lock = None if is_database_url(out) else lock_output(out)

    def _target(self, kind: HarvestKind, account: str) -> Path | str:
        if self.fmt == "csv":  # one header per file: a CSV per kind (and per account but the first)
            path = Path(self.out)
            named = "" if account == self.account else f"-{account}"
            return path.with_name(f"{path.stem}-{kind.name}{named}{path.suffix}")
        return self.out

    def _open(self, kind: HarvestKind, account: str) -> Sink:
        target = self._target(kind, account)
        if is_database_url(target):  # no lock: rows are upserted one by one
            return open_sink(
                target,
                self.fmt,
                kind,
                {},
                resume=False,
                lock=False,
                statement_timeout=self.statement_timeout,
                account=account,
            )
        # The output's own lock is held (above); per-kind CSV files lock themselves.
        own_lock = target != self.out
        return open_sink(
            target, self.fmt, kind, {}, resume=False, restart=True, lock=own_lock, account=account
        )

    def _thread(self, kind: HarvestKind, account: str) -> SinkThread:
        # A JSONL file takes every kind and account through one sink (its lines are the events).
        place = (
            self._target(kind, account),
            kind.table if self.fmt in _TABLES else "",
            "" if self.fmt == "jsonl" else account,
        )
        thread = self._threads.get(place)
        if thread is None:
            thread = self._threads[place] = SinkThread(lambda: self._open(kind, account))
        return thread

    async def __call__(self, delivery: Delivery) -> None:
        if self._refusal is not None:
            error, message = self._refusal
            raise error(message)
        if delivery.kind is None:
            return
        try:
            thread = self._thread(delivery.kind, delivery.account or self.account)
            fresh = await thread.land(delivery.record)
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
