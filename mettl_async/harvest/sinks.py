"""Where harvested records land, durably, with the checkpoint that makes a run resumable.

After every page a sink makes the page durable and then records a checkpoint:
the position of the next page and the count of records written. A run killed at
any instant resumes from its last checkpoint and the finished output is the set
a clean run produces. Nothing is touched until the first page arrives, so a run
that fails before its first record leaves any earlier output as it was.

Events pushed by webhooks :meth:`~Sink.land` in the same sinks, upserted on the
account and the kind's natural key (a redelivery is not a second record), without
a checkpoint.

* JSONL and CSV (:mod:`.files`): ``<out>.checkpoint.json`` also records the
  byte size of the output; a resume checks the output against it and cuts the
  file back to it, dropping whatever was written after the checkpoint.
* SQLite (:mod:`.sqlite`): typed tables (:mod:`.tables`), rows, checkpoint and
  run in one transaction, rows upserted on the account and natural key, so even a
  run without ``--resume`` never duplicates a row; each run recorded with what it
  found new, changed and gone (:mod:`.loading`).
* PostgreSQL (:mod:`.postgresql`, the optional ``psycopg`` driver): as SQLite.
* Streams (:mod:`.stream`): ``-`` and non-regular files, no checkpoint, no resume.

One writer per output (:mod:`.locking`): files and SQLite are locked with
``flock`` on ``<out>.lock``, a PostgreSQL harvest with a session advisory lock
on its table and harvest; a second writer is refused at once, with the other
process named. Events landed in PostgreSQL take no lock (rows are upserted one
by one), so receivers and harvests share a database.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .checkpoint import HarvestError
from .kinds import HarvestKind
from .locking import OutputLock
from .outputs import FORMATS, format_for, is_database_url, is_stream, shown
from .sink import Sink, row_keys

__all__ = ["FORMATS", "Sink", "format_for", "lock_output", "open_sink", "row_keys"]


def open_sink(
    target: Path | str,
    fmt: str,
    kind: HarvestKind,
    fingerprint: Mapping[str, Any],
    *,
    resume: bool,
    restart: bool = False,
    lock: bool = True,
    statement_timeout: float | None = None,
    account: str | None = None,
) -> Sink:
    """The sink for ``fmt`` at ``target``: continuing a checkpoint (``resume``), or starting afresh.

    A fresh JSONL or CSV run refuses to truncate an output whose harvest is
    unfinished unless ``restart`` says so (SQLite and PostgreSQL lose nothing
    on a fresh run). The sink holds the output's lock until it is closed,
    unless ``lock`` is false because the caller holds it (:func:`lock_output`)
    or, for PostgreSQL, needs none (upserting events row by row): such a
    PostgreSQL sink reconnects by itself after its connection is lost.
    ``statement_timeout`` (seconds) limits each PostgreSQL statement. ``account`` labels every
    row (by default the fingerprint's ``account``).
    """
    if fmt == "postgresql" or is_database_url(target):
        if not is_database_url(target):
            raise HarvestError("the postgresql format needs a postgresql://user@host/database URL")
        _require_driver()
        from .postgresql import PostgresSink

        return PostgresSink(
            str(target),
            kind,
            fingerprint,
            resume=resume,
            lock=lock,
            statement_timeout=statement_timeout,
            account=account,
        )
    if is_stream(target):
        from .stream import StreamSink

        return StreamSink(target, fmt, kind, fingerprint, resume=resume, account=account)
    from .files import CsvSink, JsonlSink
    from .sqlite import SqliteSink

    path = Path(target)
    if fmt == "jsonl":
        return JsonlSink(path, kind, fingerprint, resume=resume, restart=restart, lock=lock, account=account)
    if fmt == "csv":
        return CsvSink(path, kind, fingerprint, resume=resume, restart=restart, lock=lock, account=account)
    if fmt == "sqlite":
        return SqliteSink(path, kind, fingerprint, resume=resume, lock=lock, account=account)
    raise HarvestError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def lock_output(target: Path | str) -> OutputLock | None:
    """Lock a whole output file for a long-lived writer (``webhooks serve``); ``None`` for a stream
    (nothing to share). A database is not locked whole: each harvest locks its own table and
    checkpoint, and events are upserted row by row."""
    if is_database_url(target):
        raise HarvestError(f"{shown(target)} is a database: it is not locked whole")
    if is_stream(target):
        return None
    return OutputLock.acquire(Path(target))


def _require_driver() -> None:
    """Refuse a PostgreSQL output, clearly, when the optional driver is not installed (it is
    imported by :mod:`.postgresql` alone, and only when a URL asks for it)."""
    if importlib.util.find_spec("psycopg") is None:
        raise HarvestError("writing to PostgreSQL needs its driver: pip install 'mettl-async[postgresql]'")
