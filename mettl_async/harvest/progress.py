"""A one-line progress display for a terminal, and the summary line every run ends with."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

import attrs


def count(n: int, one: str, many: str) -> str:
    """``1 retry``, ``2 retries``, ``12,345 records``."""
    return f"{n:,} {one if n == 1 else many}"


def format_duration(seconds: float) -> str:
    """``0:07``, ``12:34``, ``1:02:03``."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@attrs.define
class Counts:
    """What a harvest has done so far; ``records`` includes what a resumed run started from."""

    records: int = 0
    pages: int = 0
    retries: int = 0
    #: Records already written when this run started (a resume).
    resumed_at: int = 0
    #: Records expected in all, when the API says.
    total: int | None = None


def render(counts: Counts, elapsed: float) -> str:
    """``12,345 records · 247 pages · 850 rec/s · 3 retries · 0:14`` (+ ETA when the total is known)."""
    fresh = counts.records - counts.resumed_at
    rate = fresh / elapsed if elapsed > 0 else 0.0
    parts = [
        count(counts.records, "record", "records") + (f" of {counts.total:,}" if counts.total else ""),
        count(counts.pages, "page", "pages"),
        f"{rate:,.0f} rec/s",
        count(counts.retries, "retry", "retries"),
        format_duration(elapsed),
    ]
    if counts.total and rate > 0 and counts.records < counts.total:
        parts.append(f"ETA {format_duration((counts.total - counts.records) / rate)}")
    return " · ".join(parts)


class Progress:
    """Redraws one line on a terminal at most ``hz`` times a second; silent when disabled."""

    def __init__(
        self,
        stream: TextIO,
        *,
        enabled: bool,
        hz: float = 8.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.enabled = enabled
        self.counts = Counts()
        self._clock = clock
        self._started = clock()
        self._interval = 1.0 / hz
        self._drawn_at = float("-inf")
        self._width = 0

    @property
    def elapsed(self) -> float:
        return self._clock() - self._started

    def update(self, *, force: bool = False) -> None:
        now = self._clock()
        if not self.enabled or (not force and now - self._drawn_at < self._interval):
            return
        self._drawn_at = now
        line = render(self.counts, now - self._started)
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def close(self) -> None:
        """Leave the last state on screen and end the line."""
        if self.enabled and self._width:
            self.update(force=True)
            self.stream.write("\n")
            self.stream.flush()
