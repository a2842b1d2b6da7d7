"""Where harvested records land, durably, with the checkpoint that makes a run resumable.

After every page a sink makes the page durable and then records a checkpoint:
the position of the next page and the count of records written. A run killed at
any instant resumes from its last checkpoint and the finished output is the set
a clean run produces. Nothing is touched until the first page arrives, so a run
that fails before its first record leaves any earlier output as it was.

Events pushed by webhooks :meth:`~Sink.land` in the same sinks, upserted on the
kind's natural key (a redelivery is not a second record), without a checkpoint.

* JSONL and CSV (:mod:`.files`): ``<out>.checkpoint.json`` also records the
  byte size of the output; a resume checks the output against it and cuts the
  file back to it, dropping whatever was written after the checkpoint.
* SQLite (:mod:`.sqlite`): rows and checkpoint in one transaction, rows upserted
  on the natural key, so even a run without ``--resume`` never duplicates a row.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..paging import PagePosition
from .checkpoint import Checkpoint, HarvestError
from .kinds import HarvestKind

FORMATS = ("jsonl", "csv", "sqlite")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".sqlite": "sqlite", ".db": "sqlite"}


def format_for(path: Path, given: str | None) -> str:
    """The output format: as given, else from the file extension."""
    if given is not None:
        return given
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        rule = (
            f"cannot tell the format of {path.name!r} from its extension; pass --format jsonl, csv or sqlite"
        )
        raise InputError("--out", rule) from None


def row_keys(kind: HarvestKind, record: Mapping[str, Any]) -> tuple[tuple[Any, ...], ...]:
    """The natural keys of a record's rows: what makes a landed event the same event."""
    return tuple(tuple(row[c] for c in kind.key) for row in kind.rows(record))


class Sink(abc.ABC):
    """A destination. ``resumed`` is the checkpoint a resume continues from, if any."""

    def __init__(self, kind: HarvestKind, fingerprint: Mapping[str, Any]) -> None:
        self.kind = kind
        self.fingerprint = dict(fingerprint)
        self.resumed: Checkpoint | None = None
        self.records = 0

    @abc.abstractmethod
    def write_page(self, records: list[Any], following: PagePosition | None) -> None:
        """Make ``records`` durable, then record ``following`` as where to continue."""

    @abc.abstractmethod
    def land(self, records: list[Any]) -> int:
        """Upsert pushed records on the natural key, durably; return how many were not already there."""

    @abc.abstractmethod
    def close(self) -> None: ...


def open_sink(
    path: Path,
    fmt: str,
    kind: HarvestKind,
    fingerprint: Mapping[str, Any],
    *,
    resume: bool,
    restart: bool = False,
) -> Sink:
    """The sink for ``fmt``: continuing a checkpoint (``resume``), or starting afresh.

    A fresh JSONL or CSV run refuses to truncate an output whose harvest is
    unfinished unless ``restart`` says so (SQLite loses nothing on a fresh run).
    """
    from .files import CsvSink, JsonlSink
    from .sqlite import SqliteSink

    if fmt == "jsonl":
        return JsonlSink(path, kind, fingerprint, resume=resume, restart=restart)
    if fmt == "csv":
        return CsvSink(path, kind, fingerprint, resume=resume, restart=restart)
    if fmt == "sqlite":
        return SqliteSink(path, kind, fingerprint, resume=resume)
    raise HarvestError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
