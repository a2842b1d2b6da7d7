"""What every output is: a :class:`Sink` (the outputs themselves are :mod:`.files`,
:mod:`.sqlite`, :mod:`.postgresql` and :mod:`.stream`; :func:`.sinks.open_sink` picks one)."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from typing import Any

from ..core.paging_styles import PagePosition
from .changes import Tally
from .checkpoint import Checkpoint, HarvestError
from .kinds import HarvestKind


def row_keys(kind: HarvestKind, record: Mapping[str, Any]) -> tuple[tuple[Any, ...], ...]:
    """The natural keys of a record's rows: what makes a landed event the same event."""
    return tuple(tuple(row[c] for c in kind.key) for row in kind.rows(record))


class Sink(abc.ABC):
    """A destination. ``resumed`` is the checkpoint a resume continues from, if any; ``account``
    labels every row (the rows of several accounts share an output)."""

    #: Whether the sink writes records as the server sent them (their JSON text): a harvest then
    #: walks with ``as_sent`` and nothing decodes a record but its natural key.
    as_sent = False

    def __init__(self, kind: HarvestKind, fingerprint: Mapping[str, Any], account: str | None = None) -> None:
        self.kind = kind
        self.fingerprint = dict(fingerprint)
        self.account = str(fingerprint.get("account", "")) if account is None else account
        self.resumed: Checkpoint | None = None
        self.records = 0
        #: What the run found new, changed, unchanged and gone (outputs that keep runs: tables).
        self.tally: Tally | None = None

    @abc.abstractmethod
    def write_page(self, records: list[Any], following: PagePosition | None) -> None:
        """Make ``records`` durable, then record ``following`` as where to continue."""

    @abc.abstractmethod
    def land(self, records: list[Any]) -> int:
        """Upsert pushed records on the natural key, durably; return how many were not already there."""

    def changes(self) -> Iterator[bytes]:
        """The change feed of the run, once complete: a JSONL line per new, changed or gone record."""
        raise HarvestError("only SQLite and PostgreSQL outputs keep what changed (--changes-out)")

    @abc.abstractmethod
    def close(self) -> None: ...
