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
    #: Whether written pages wait for :meth:`commit` to be made durable (a group commit, paced by
    #: whoever sets this: :class:`~.threaded.SinkThread`); else each page is durable once written.
    grouped = False

    def __init__(self, kind: HarvestKind, fingerprint: Mapping[str, Any], account: str | None = None) -> None:
        self.kind = kind
        self.fingerprint = dict(fingerprint)
        self.account = str(fingerprint.get("account", "")) if account is None else account
        self.resumed: Checkpoint | None = None
        self.records = 0
        #: What the run found new, changed, unchanged and gone (outputs that keep runs: tables).
        self.tally: Tally | None = None
        #: Durable points made: pages made durable with the checkpoint after them (an fsync of a
        #: file and its checkpoint's, a transaction committed), however many pages each held.
        self.commits = 0
        #: Set once pages added in earlier calls were lost before they were durable (a commit that
        #: failed): the sink then refuses more pages, which would follow a gap, and commits, which
        #: would say they are durable (closing commits nothing then).
        self._pages_lost: str | None = None

    def write_page(self, records: list[Any], following: PagePosition | None) -> None:
        """Make ``records`` durable, then record ``following`` as where to continue; when
        ``grouped``, at the next :meth:`commit`, but for a run's first page: an output holding
        anything of a run has its checkpoint, so a plain re-run refuses to overwrite it."""
        self.add_page(records, following)
        if not self.grouped or self.commits == 0:
            self.commit()

    @abc.abstractmethod
    def add_page(self, records: list[Any], following: PagePosition | None) -> None:
        """Write ``records``, not yet durable: :meth:`commit` makes the pages added since the last
        durable point durable, then records the last one's ``following`` as where to continue.
        ``records`` counts them already; should a page fail, or a commit, it counts what is
        durable again."""

    def _lose(self, why: BaseException) -> None:
        """Pages added in earlier calls are gone with ``why``: refuse more (see :attr:`_pages_lost`)."""
        self._pages_lost = f"pages written since the last durable point were lost ({why})"

    def _check_not_lost(self) -> None:
        if self._pages_lost is not None:
            raise HarvestError(f"{self._pages_lost}; continue with --resume, which fetches them again")

    @abc.abstractmethod
    def commit(self) -> None:
        """Make the pages added since the last durable point durable, then the checkpoint after
        them (nothing to do when none was added)."""

    @abc.abstractmethod
    def land(self, records: list[Any]) -> int:
        """Upsert pushed records on the natural key, durably; return how many were not already there."""

    def fail(self, reason: str) -> None:
        """The run stopped on an error (``reason``, safe to show): outputs that keep runs record it
        ``failed``, even when it wrote nothing."""
        return  # files and streams keep no runs

    def changes(self) -> Iterator[bytes]:
        """The change feed of the run, once complete: a JSONL line per new, changed or gone record."""
        raise HarvestError("only SQLite and PostgreSQL outputs keep what changed (--changes-out)")

    @abc.abstractmethod
    def close(self) -> None: ...
