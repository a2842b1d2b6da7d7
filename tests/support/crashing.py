"""Run ``mettl-async`` and SIGKILL it at a chosen point of a harvest (a test helper, run as a script).

    python tests/support/crashing.py POINT N -- harvest results --out r.jsonl ...

POINT is where the N-th page dies:
* ``before-data``: as the page reaches the sink, before anything is written;
* ``between``: after the page's data is durable, before its checkpoint (SQLite and PostgreSQL:
  the page's rows are written inside the transaction, which is never committed);
* ``after-last``: after the last page and its checkpoint, before the run reports.

For a ``postgresql://`` output the PostgreSQL sink is patched too (and only then imported).
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from mettl_async.cli import main
from mettl_async.harvest import files, sqlite
from mettl_async.harvest.checkpoint import write_atomically

point, nth = sys.argv[1], int(sys.argv[2])
pages = 0


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def counted(original: Any, when: str) -> Any:
    def write_page(self: Any, records: list[Any], following: Any) -> None:
        global pages
        pages += 1
        if when == "before-data" and pages == nth:
            die()
        original(self, records, following)
        if when == "after-last" and following is None:
            die()

    return write_page


def file_checkpoint_dies(path: Any, data: bytes) -> None:
    if pages == nth:  # the page's data is fsynced; its checkpoint is next
        die()
    write_atomically(path, data)


def sqlite_dies(self: Any, rows: list[Any], checkpoint: Any) -> int:
    if checkpoint is not None and pages == nth:
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        db.executemany(self._upsert, rows)  # written, not committed
        die()
    return original_transaction(self, rows, checkpoint)


def postgresql_dies(self: Any, rows: list[Any], checkpoint: Any) -> int:
    if checkpoint is not None and pages == nth:
        db = self._connection()
        with db.transaction():
            self._prepare()
            db.cursor().executemany(self._upsert, rows)  # written, not committed
            die()
    return original_pg_transaction(self, rows, checkpoint)


original_transaction = sqlite.SqliteSink._transaction
sinks: list[Any] = [files.FileSink, sqlite.SqliteSink]
if any(arg.startswith(("postgresql://", "postgres://")) for arg in sys.argv):
    from mettl_async.harvest import postgresql

    original_pg_transaction = postgresql.PostgresSink._transaction
    sinks.append(postgresql.PostgresSink)
    if point == "between":
        postgresql.PostgresSink._transaction = postgresql_dies  # type: ignore[method-assign]
for sink in sinks:
    sink.write_page = counted(sink.write_page, point)
if point == "between":
    files.write_atomically = file_checkpoint_dies  # type: ignore[assignment]
    sqlite.SqliteSink._transaction = sqlite_dies  # type: ignore[method-assign]

main(sys.argv[sys.argv.index("--") + 1 :], prog_name="mettl-async")
