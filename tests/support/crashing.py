"""Run ``mettl-async`` and SIGKILL it at a chosen point of a harvest (a test helper, run as a script).

    python tests/support/crashing.py POINT N -- harvest results --out r.jsonl ...

Pages are made durable in groups (a commit: the pages since the last one, then their checkpoint),
at the pace of ``--commit-interval``. POINT is where the N-th page dies:
* ``before-data``: as the page reaches the sink, before anything of it is written;
* ``between``: after the page's data is durable, before its checkpoint: the run makes a durable
  point after page N-1 and after page N (as if the interval ran out there; the pages before N-1
  are grouped as the interval had it) and dies in the second, before its checkpoint (SQLite and
  PostgreSQL: the pages' rows are written inside the transaction, which is never committed: the
  process dies as the checkpoint is about to be written in it);
* ``unsynced``: after page N is written, pages 3 to N never made durable: the run makes a durable
  point after page 2 only (give a long ``--commit-interval``) and dies once page N is written;
* ``after-last``: after the last page and its checkpoint, before the run reports.

For a ``postgresql://`` output the PostgreSQL sink is patched too (and only then imported). The
sinks are written in a thread of their own: SIGKILL ends the whole process from there too.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from mettl_async.cli import main
from mettl_async.harvest import files, loading, sqlite
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
        if (when == "between" and pages in (nth - 1, nth)) or (when == "unsynced" and pages == 2):
            self.commit()  # a durable point here, as if the interval ran out
        if when == "unsynced" and pages == nth:
            die()
        if when == "after-last" and following is None:
            self.commit()
            die()

    return write_page


def file_checkpoint_dies(path: Any, data: bytes) -> None:
    if pages == nth:  # the pages' data is fsynced; their checkpoint is next
        die()
    write_atomically(path, data)


def table_checkpoint_dies(self: Any, following: Any, records: int) -> None:
    if pages == nth:  # the pages' rows are written in the open transaction; their checkpoint is next
        die()
    original_checkpoint(self, following, records)


original_checkpoint = loading.LoadingSink._write_checkpoint
sinks: list[Any] = [files.FileSink, sqlite.SqliteSink]
if any(arg.startswith(("postgresql://", "postgres://")) for arg in sys.argv):
    from mettl_async.harvest import postgresql

    sinks.append(postgresql.PostgresSink)
for sink in sinks:
    sink.write_page = counted(sink.write_page, point)
if point == "between":
    files.write_atomically = file_checkpoint_dies  # type: ignore[assignment]
    loading.LoadingSink._write_checkpoint = table_checkpoint_dies  # type: ignore[method-assign]

main(sys.argv[sys.argv.index("--") + 1 :], prog_name="mettl-async")
