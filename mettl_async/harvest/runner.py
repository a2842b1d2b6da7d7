"""Run one harvest: walk the pages of a list into a sink, checkpointing after each page.

The sink is written in a thread of its own (:class:`~.threaded.SinkThread`): while a page is
made durable, the pages after it are still fetched ahead.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..core.printable import printable
from ..core.redaction import redact
from .changes import Tally
from .checkpoint import write_atomically
from .kinds import HarvestKind
from .outputs import STDOUT
from .progress import Progress, count
from .sink import Sink
from .threaded import SinkThread

if TYPE_CHECKING:
    from ..core.paginator import Paginator
    from ..core.telemetry import SessionStats

log = logging.getLogger("mettl_async.harvest")


@attrs.frozen
class HarvestSummary:
    records: int
    pages: int
    retries: int
    elapsed: float
    #: Records that were already written when this run started (a resume).
    resumed_at: int
    complete: bool
    #: What the run found new, changed, unchanged and gone (outputs that keep runs).
    changes: Tally | None = None

    def line(self, out: Path | str) -> str:
        state = "harvested" if self.complete else "interrupted after"
        resumed = f" (resumed at {self.resumed_at:,})" if self.resumed_at else ""
        changes = f" · {self.changes.text()}" if self.changes is not None else ""
        return (
            f"{state} {count(self.records, 'record', 'records')}{resumed} in "
            f"{count(self.pages, 'page', 'pages')} to {out}{changes} · "
            f"{count(self.retries, 'retry', 'retries')} · {self.elapsed:.1f} s"
        )


def harvest_fingerprint(
    kind: HarvestKind, filters: Mapping[str, Any], account: Mapping[str, Any], fmt: str
) -> dict[str, Any]:
    """What a checkpoint must match to be resumed: the same list of the same account (its
    platform and what identifies it, never a secret), in the same format."""
    return {
        "kind": kind.name,
        "filters": {k: v for k, v in sorted(filters.items()) if v is not None},
        **account,
        "format": fmt,
    }


def summarize(sink: Sink, progress: Progress, *, complete: bool) -> HarvestSummary:
    """Where a run stands: after it finished, or after it stopped (what was kept)."""
    counts = progress.counts
    return HarvestSummary(
        records=sink.records,
        pages=counts.pages,
        retries=counts.retries,
        elapsed=progress.elapsed,
        resumed_at=counts.resumed_at,
        complete=complete,
        changes=sink.tally,
    )


def write_changes(sink: Sink, target: Path | str) -> int:
    """Write the run's change feed (:meth:`Sink.changes`) to ``target`` (``-``: standard output),
    a file whole or not at all; the count of lines."""
    lines = list(sink.changes())
    if str(target) == STDOUT:
        sys.stdout.buffer.write(b"".join(lines))
        sys.stdout.buffer.flush()
    else:
        write_atomically(Path(target), b"".join(lines))
    return len(lines)


def failure_text(error: BaseException) -> str:
    """What a failed run's row says of its error: its class and message, secrets masked, control
    characters escaped."""
    return printable(f"{type(error).__name__}: {redact(str(error))}")


async def record_failure(output: SinkThread, error: BaseException) -> None:
    """Record the run ``failed`` in an output that keeps runs; a failure to record it (the database
    being what failed) is logged, and the run's own error is what the caller sees."""
    reason = failure_text(error)
    try:
        await output.call(lambda sink: sink.fail(reason))
    except Exception as failed:
        log.warning("could not record the failed run in the output: %s", failure_text(failed))


async def close_after(output: SinkThread, error: Exception) -> None:
    """Close ``output`` after ``error`` stopped the run. A failure to close (its last commit) is
    added to ``error``'s notes: the caller sees why the run stopped, and what closing said."""
    try:
        await output.aclose()
    except Exception as closing:
        error.add_note(f"closing the output failed too: {failure_text(closing)}")


async def run_harvest(
    paginator: Paginator[Any],
    output: SinkThread,
    progress: Progress,
    stats: SessionStats,
    *,
    changes_to: Path | str | None = None,
) -> HarvestSummary:
    """Write every record of ``paginator`` to ``output``'s sink, from its checkpoint when it resumed one.

    Each page is durable (with its checkpoint) before the next is written, so a cancellation
    (Ctrl-C) or a failure loses nothing already written; the sink is closed either way and
    :func:`summarize` says how far the run got. Once complete, ``changes_to`` receives the
    run's change feed.
    """
    sink = await output.open()
    resumed = sink.resumed
    counts = progress.counts
    counts.records = counts.resumed_at = sink.records
    retries_before, throttled_before = stats.retries, stats.rate_limited
    closed = False
    try:
        if resumed is None or not resumed.complete:
            async for page in paginator.pages(start=resumed.next if resumed else None, as_sent=sink.as_sent):
                await output.write_page(page.records, page.next)
                counts.records = sink.records
                counts.pages += 1
                counts.retries = stats.retries - retries_before
                counts.throttled = stats.rate_limited - throttled_before
                if page.total is not None:
                    counts.total = page.total
                progress.update()
        if changes_to is not None:
            target = changes_to
            await output.call(lambda opened: write_changes(opened, target))
    except Exception as error:
        await record_failure(output, error)
        closed = True
        await close_after(output, error)
        raise
    finally:
        try:
            if not closed:
                await output.aclose()  # raises a Ctrl-C that comes while it stops a pending commit
        finally:
            counts.retries = stats.retries - retries_before
            counts.throttled = stats.rate_limited - throttled_before
            progress.close()  # whatever closing raised: the display never outlives the run
    return summarize(sink, progress, complete=True)
