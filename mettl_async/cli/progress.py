"""The harvest's progress on stderr: a live display on a terminal (rich), plain lines elsewhere.

On a terminal, one line of counts (records of the total with a bar, ETA, rate,
pages, elapsed time, retries, 429 pauses: what does not fit the width is left
out, least useful first) and, while the harvest waits, a second line saying
why and until when. Every line fits the terminal's width, whatever it is, so
nothing wraps and the display redraws in place. Elsewhere (a log file, CI), a
plain line every :data:`PLAIN_EVERY` seconds, and at once when a wait begins.

Only the command imports this module: the library does not need rich.
"""

from __future__ import annotations

import os
import textwrap
import time
from collections.abc import Callable
from typing import TextIO

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.text import Text

from ..harvest.progress import Progress, render, segments

#: Seconds between two plain lines when stderr is not a terminal.
PLAIN_EVERY = 10.0
#: Which pieces of the counts line to keep when the terminal is narrow, most useful first.
PRIORITY = ("records", "eta", "rate", "pages", "elapsed", "retries", "throttled")
SEPARATOR = " · "
#: The bar's width at most and at least, and the terminal width from which it is drawn.
BAR_WIDTH, BAR_MIN, BAR_FROM = 30, 10, 50
#: Cells left free at the end of each line: Ctrl-C echoes ``^C`` where the cursor is, and on a
#: full line that wraps, so the display's last redraw missed a row and its line showed twice.
CTRL_C_ROOM = 3


def fit(parts: dict[str, str], width: int, priority: tuple[str, ...] = PRIORITY) -> str:
    """The pieces that fit in ``width`` cells, in their order, chosen by ``priority``.
    The first of them always shows, cut with an ellipsis when not even it fits."""
    names = [name for name in priority if name in parts]
    if not names:
        return ""
    first = parts[names[0]]
    if cell_len(first) > width:
        return first[: max(0, width - 1)] + "…" if width > 0 else ""
    chosen = {names[0]}
    for name in names[1:]:
        trial = SEPARATOR.join(v for k, v in parts.items() if k in chosen or k == name)
        if cell_len(trial) <= width:
            chosen.add(name)
    return SEPARATOR.join(v for k, v in parts.items() if k in chosen)


def bar(done: int, total: int, width: int) -> Text:
    """A bar of ``width`` cells, filled to ``done / total``."""
    filled = min(width, max(0, round(width * done / total))) if total > 0 else 0
    text = Text("━" * filled, style="bar.finished" if done >= total else "bar.complete")
    text.append("━" * (width - filled), style="bar.back")
    return text


class _Screen:
    """What the live display shows, laid out for the width rich gives at each refresh."""

    def __init__(self, progress: LiveProgress) -> None:
        self.progress = progress

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.screen(max(1, options.max_width - CTRL_C_ROOM))

    def screen(self, width: int) -> Text:
        """The counts line and, while the harvest waits, the line saying why: each cut to ``width``."""
        progress = self.progress
        counts = progress.counts
        parts = segments(counts, progress.elapsed, progress.pace())
        screen = Text(no_wrap=True, overflow="ellipsis")
        if counts.total and width >= BAR_FROM:
            # The bar comes before the less useful counts: they make room for it.
            text = fit(parts, width - BAR_MIN - 1)
            screen.append(bar(counts.records, counts.total, min(BAR_WIDTH, width - cell_len(text) - 1)))
            screen.append(" ")
        else:
            text = fit(parts, width)
        screen.append(text)
        status = progress.status(width)
        if status is not None:
            screen.append("\n")
            screen.append(fit({"status": status}, width, ("status",)), style="yellow")
        return screen


class LiveProgress(Progress):
    """A display redrawn in place on a terminal, a few times a second (rich's ``Live``).

    Log lines written to stderr meanwhile (``--debug``) appear above it. Standard
    output is left alone: records may be streaming there.
    """

    def __init__(self, console: Console, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(clock=clock)
        self.console = console
        self._live = Live(
            _Screen(self),
            console=console,
            refresh_per_second=4,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=True,
        )
        self._live.start()

    def waited(self) -> None:
        self._live.refresh()

    def update(self, *, force: bool = False) -> None:
        super().update(force=force)
        if force:
            self._live.refresh()

    def close(self) -> None:
        super().close()
        self._live.stop()


class PlainProgress(Progress):
    """A plain line now and then, for a stderr that is not a terminal (no cursor moves)."""

    def __init__(
        self,
        stream: TextIO,
        *,
        every: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(clock=clock)
        self.stream = stream
        self.every = PLAIN_EVERY if every is None else every
        self._written_at = self.now()
        self._wait_written_at = float("-inf")

    def _write(self) -> None:
        now = self.now()
        self._written_at = now
        line = render(self.counts, self.elapsed, self.pace())
        status = self.status()
        if status is not None:
            self._wait_written_at = now
            line += f" · {status}"
        self.stream.write(line + "\n")
        self.stream.flush()

    def waited(self) -> None:
        if self.now() - self._wait_written_at >= self.every:
            self._write()

    def update(self, *, force: bool = False) -> None:
        super().update(force=force)
        if force or self.now() - self._written_at >= self.every:
            self._write()


def fold(text: str, stream: TextIO) -> str:
    """``text`` broken between words to fit the terminal ``stream`` is (a terminal would break
    it anywhere, inside a number); unchanged when ``stream`` is not a terminal."""
    try:
        if not stream.isatty():
            return text
        width = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return text
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)


def open_progress(stream: TextIO, *, quiet: bool) -> Progress:
    """The display for ``stream``: live on a terminal, plain lines elsewhere, none when quiet."""
    if quiet:
        return Progress()
    console = Console(file=stream, highlight=False, soft_wrap=False)
    if console.is_terminal and not console.is_dumb_terminal:
        return LiveProgress(console)
    return PlainProgress(stream)
