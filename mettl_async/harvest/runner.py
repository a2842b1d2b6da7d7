"""Run one harvest: walk the pages of a list into a sink, checkpointing after each page."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .kinds import HarvestKind
from .progress import Progress, count
from .sink import Sink

if TYPE_CHECKING:
    from ..core.paginator import Paginator
    from ..core.telemetry import SessionStats


@attrs.frozen
class HarvestSummary:
    records: int
    pages: int
    retries: int
    elapsed: float
    #: Records that were already written when this run started (a resume).
    resumed_at: int
    complete: bool

    def line(self, out: Path | str) -> str:
        state = "harvested" if self.complete else "interrupted after"
        resumed = f" (resumed at {self.resumed_at:,})" if self.resumed_at else ""
        return (
            f"{state} {count(self.records, 'record', 'records')}{resumed} in "
            f"{count(self.pages, 'page', 'pages')} to {out} · "
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
    )


async def run_harvest(
    paginator: Paginator[Any], sink: Sink, progress: Progress, stats: SessionStats
) -> HarvestSummary:
    """Write every record of ``paginator`` to ``sink``, from its checkpoint when it resumed one.

    Each page is durable (with its checkpoint) before the next is asked for, so
    a cancellation (Ctrl-C) or a failure loses nothing already fetched; the
    sink is closed either way and :func:`summarize` says how far the run got.
    """
    resumed = sink.resumed
    counts = progress.counts
    counts.records = counts.resumed_at = sink.records
    retries_before, throttled_before = stats.retries, stats.rate_limited
    try:
        if resumed is None or not resumed.complete:
            async for page in paginator.pages(start=resumed.next if resumed else None):
                sink.write_page(page.records, page.next)
                counts.records = sink.records
                counts.pages += 1
                counts.retries = stats.retries - retries_before
                counts.throttled = stats.rate_limited - throttled_before
                if page.total is not None:
                    counts.total = page.total
                progress.update()
    finally:
        sink.close()
        counts.retries = stats.retries - retries_before
        counts.throttled = stats.rate_limited - throttled_before
        progress.close()
    return summarize(sink, progress, complete=True)
