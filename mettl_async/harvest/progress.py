"""What a harvest has done, why it waits, and the pieces of its progress and summary lines.

Nothing here draws: the command's live display (``mettl_async.cli.progress``)
renders these counts and waits for a terminal. :class:`Progress` itself is the
silent display (``--quiet``, or a harvest run from your own code); it learns
why the session waits from the session's events (:mod:`mettl_async.core.telemetry`).
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable, Sequence

import attrs

from ..core.errors import RateLimitedError
from ..core.printable import printable
from ..core.telemetry import RequestDone, RetryScheduled, SessionEvent, Throttled, WaitingForSecond

#: Seconds without an answer or a page after which a display says it is waiting for one.
IDLE_AFTER = 3.0
#: Seconds before an ETA is shown, and over which its pace is measured: the first seconds run
#: faster than the rest (pages fetched ahead at once, before the server first says 429 and the
#: retries of its faults begin), so an ETA from them promised a third of the real time.
ETA_AFTER = 15.0
PACE_WINDOW = 30.0


def count(n: int, one: str, many: str) -> str:
    """``1 retry``, ``2 retries``, ``12,345 records``."""
    return f"{n:,} {one if n == 1 else many}"


def format_duration(seconds: float) -> str:
    """``0:07``, ``12:34``, ``1:02:03``."""
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def clock_time(epoch: float) -> str:
    """``14:03:07``: a moment as the local wall clock shows it."""
    return time.strftime("%H:%M:%S", time.localtime(epoch))


@attrs.define
class Counts:
    """What a harvest has done so far; ``records`` includes what a resumed run started from."""

    records: int = 0
    pages: int = 0
    retries: int = 0
    #: 429 answers, each of which paused every request.
    throttled: int = 0
    #: Records already written when this run started (a resume).
    resumed_at: int = 0
    #: Records expected in all, when the API says.
    total: int | None = None


def records_per_second(counts: Counts, elapsed: float) -> float:
    """Records fetched by this run per second (a resume's earlier records do not count)."""
    fresh = counts.records - counts.resumed_at
    return fresh / elapsed if elapsed > 0 else 0.0


def pace(marks: Sequence[tuple[float, int]], now: float, window: float = PACE_WINDOW) -> float | None:
    """Records per second lately: from the last mark ``(time, records)`` at least ``window``
    seconds old (else the first) to ``now``, so a stall lowers it; ``None`` before two marks."""
    if len(marks) < 2:
        return None
    start = next((mark for mark in reversed(marks) if mark[0] <= now - window), marks[0])
    seconds = now - start[0]
    return (marks[-1][1] - start[1]) / seconds if seconds > 0 else None


def eta(counts: Counts, elapsed: float, rate: float | None) -> float | None:
    """Seconds left at ``rate`` (the recent :func:`pace`), once :data:`ETA_AFTER` seconds have
    passed and while the total is known and not reached."""
    if not counts.total or rate is None or rate <= 0 or elapsed < ETA_AFTER or counts.records >= counts.total:
        return None
    return (counts.total - counts.records) / rate


def segments(counts: Counts, elapsed: float, recent: float | None = None) -> dict[str, str]:
    """The pieces of a progress line by name, in the order shown: ``records`` (a resumed run
    says how many are its own, as its pages are), ``pages``, ``rate``, ``retries``,
    ``throttled`` (only after a 429), ``elapsed``, ``eta`` (from the ``recent`` pace, when the
    total is known)."""
    records = count(counts.records, "record", "records") + (f" of {counts.total:,}" if counts.total else "")
    if counts.resumed_at:
        records += f" ({counts.records - counts.resumed_at:,} this run)"
    parts = {
        "records": records,
        "pages": count(counts.pages, "page", "pages"),
        "rate": f"{records_per_second(counts, elapsed):,.0f} rec/s",
        "retries": count(counts.retries, "retry", "retries"),
    }
    if counts.throttled:
        parts["throttled"] = count(counts.throttled, "pause (429)", "pauses (429)")
    parts["elapsed"] = format_duration(elapsed)
    left = eta(counts, elapsed, recent)
    if left is not None:
        parts["eta"] = f"ETA {format_duration(left)}"
    return parts


def render(counts: Counts, elapsed: float, recent: float | None = None) -> str:
    """``12,345 records · 247 pages · 850 rec/s · 3 retries · 0:14`` (+ ETA when the total is known)."""
    return " · ".join(segments(counts, elapsed, recent).values())


@attrs.frozen
class Wait:
    """Why the harvest waits: ``kind`` is ``retry``, ``throttled`` or ``second``; ``until`` is on
    the progress's own clock, ``at`` the same moment in epoch seconds (for the wall clock)."""

    kind: str
    until: float
    at: float
    #: What is waited for, shown after the time: the failure retried, the server's Retry-After.
    detail: str = ""
    #: The attempt that failed (retries only).
    attempt: int = 0

    def text(self, now: float, width: int | None = None) -> str:
        """``retrying at 14:03:07 (in 3 s) after attempt 2: cannot connect to …`` and the like:
        the most useful words first, as a narrow terminal cuts the end. Where that does not fit
        ``width``, a shorter form leaves the reason room (``retry 3 at 14:03:07: E000: …``)."""
        left = max(0.0, self.until - now)
        when = f"{clock_time(self.at)} (in {left:.0f} s)" if left >= 1 else f"{clock_time(self.at)}"
        if self.kind == "throttled":
            said, short = f"throttled until {when}: {self.detail}", f"429: held to {clock_time(self.at)}"
        elif self.kind == "second":
            said = "waiting for the next second: an identical request was signed in this one (single-use)"
            short = "waiting for the next second (single-use signature)"
        else:
            said = f"retrying at {when} after attempt {self.attempt}: {self.detail}"
            short = f"retry {self.attempt + 1} at {clock_time(self.at)}: {self.detail}"
        return said if width is None or len(said) <= width else short


class Progress:
    """A harvest's counts and waits, and the hooks a display redraws on; draws nothing itself.

    The runner updates :attr:`counts` and calls :meth:`update` after each page and
    :meth:`close` at the end; :meth:`on_event` listens to the client's session
    (``client.events.subscribe(progress.on_event)``) and keeps :meth:`waiting` current.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        #: Records, pages, retries and pauses so far (the runner updates them).
        self.counts = Counts()
        self._clock = clock
        self._started = clock()
        #: When an answer or a page last arrived.
        self.active_at = self._started
        # Replaced, never mutated: a display thread may read it while the loop writes.
        self._waits: dict[str, Wait] = {}
        #: ``(time, records)`` after each page, for the recent pace (a few minutes' worth).
        self._marks: collections.deque[tuple[float, int]] = collections.deque(maxlen=512)

    @property
    def elapsed(self) -> float:
        return self._clock() - self._started

    def now(self) -> float:
        return self._clock()

    def on_event(self, event: SessionEvent) -> None:
        """Note what the session is waiting for (a session event listener)."""
        now = self._clock()
        wait: Wait | None = None
        if isinstance(event, RequestDone):
            self.active_at = now
        elif isinstance(event, Throttled):
            self.counts.throttled += 1  # at once; the runner sets the exact count after each page
            after = f", Retry-After {event.retry_after:g} s" if event.retry_after is not None else ""
            wait = Wait("throttled", now + event.delay, event.until, f"the server said 429{after}")
        elif isinstance(event, RetryScheduled):
            self.counts.retries += 1
            if isinstance(event.error, RateLimitedError):
                return  # the throttle, with the limiter's pause, already says it
            wait = Wait("retry", now + event.delay, event.at, event.reason, event.attempt)
        elif isinstance(event, WaitingForSecond):
            wait = Wait("second", now + event.delay, event.until)
        if wait is not None:
            # Newest last, so the display shows the latest reason.
            waits = {k: v for k, v in self._waits.items() if k != wait.kind and v.until > now}
            self._waits = {**waits, wait.kind: wait}
            self.waited()

    def waiting(self) -> Wait | None:
        """The wait noted last that has not ended, if any."""
        now = self._clock()
        active = [w for w in self._waits.values() if w.until > now]
        return active[-1] if active else None

    def idle(self) -> float | None:
        """Seconds since the last answer, page or wait's end, once past :data:`IDLE_AFTER` (else
        ``None``)."""
        now = self._clock()
        since = max([self.active_at, *(w.until for w in self._waits.values() if w.until <= now)])
        quiet = now - since
        return quiet if quiet >= IDLE_AFTER else None

    def status(self, width: int | None = None) -> str | None:
        """What the harvest waits for, in words (in ``width`` if it can), or ``None`` while
        answers keep coming. A failure's words may be a server's: its control characters are
        shown as escapes."""
        wait = self.waiting()
        if wait is not None:
            return printable(wait.text(self._clock(), width))
        quiet = self.idle()
        if quiet is not None:
            return f"waiting for an answer for {quiet:.0f} s"
        return None

    def waited(self) -> None:
        """A new wait began (a display may show it at once)."""

    def pace(self) -> float | None:
        """Records per second lately (:func:`pace`), for the ETA."""
        return pace(tuple(self._marks), self._clock())  # a copy: a display thread calls this

    def update(self, *, force: bool = False) -> None:
        """A page was written (``force``: draw now, whatever the display's pace)."""
        self.active_at = self._clock()
        self._marks.append((self.active_at, self.counts.records))

    def close(self) -> None:
        """The harvest ended: leave the last state where the display shows it."""
        self._waits = {}
