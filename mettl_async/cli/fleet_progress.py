"""A fleet's progress on stderr: a line per account (live on a terminal), plain lines elsewhere.

Each account x kind has its own :class:`~mettl_async.harvest.progress.Progress` (what the runner
updates); the display sums an account's lists on its line: ``acme  results 1,200 of 5,000 ·
tests 40 · 2 retries · 0:14``, ``done`` once every list of it ended. A terminal shows as many
accounts as it has rows (those still running first) and a line counting the others. Elsewhere
(a log, CI) a line is written as each list ends.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, TextIO

from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.text import Text

from ..harvest.progress import Progress, count, format_duration

if TYPE_CHECKING:
    from ..fleet.harvest import Unit


class UnitProgress(Progress):
    """One list's progress, telling its display when it moves or ends."""

    def __init__(self, display: FleetDisplay, unit: Unit) -> None:
        super().__init__()
        self.display = display
        self.unit = unit
        self.ended = False

    def close(self) -> None:
        super().close()
        self.ended = True
        self.display.ended(self)


class FleetDisplay:
    """The lists of every account, and how they are shown (nothing when quiet)."""

    def __init__(self, stream: TextIO, labels: list[str], *, quiet: bool) -> None:
        self.stream = stream
        self.quiet = quiet
        self.lists: dict[str, list[UnitProgress]] = {label: [] for label in labels}
        self.started = time.monotonic()
        self._live: Live | None = None
        if quiet:
            return
        console = Console(file=stream, highlight=False, soft_wrap=False)
        if console.is_terminal and not console.is_dumb_terminal:
            self._live = Live(
                _Screen(self), console=console, refresh_per_second=4, transient=False, redirect_stderr=True
            )
            self._live.start()

    def progress_for(self, unit: Unit) -> Progress:
        progress = UnitProgress(self, unit)
        self.lists[unit.account.label].append(progress)
        return progress

    def line(self, label: str) -> str:
        """``acme  results 1,200 of 5,000 · tests 40 · 2 retries · running``."""
        lists = self.lists[label]
        parts = []
        for progress in lists:
            counts = progress.counts
            total = f" of {counts.total:,}" if counts.total else ""
            parts.append(f"{progress.unit.kind.name} {counts.records:,}{total}")
        retries = sum(p.counts.retries for p in lists)
        if retries:
            parts.append(count(retries, "retry", "retries"))
        waiting = next((s for p in lists if not p.ended and (s := p.status()) is not None), None)
        state = "done" if lists and all(p.ended for p in lists) else (waiting or "running")
        return f"{label}  {' · '.join([*parts, state])}"

    def ended(self, progress: UnitProgress) -> None:
        if self.quiet or self._live is not None:
            return
        counts = progress.counts
        self.stream.write(
            f"{progress.unit.name}: {count(counts.records, 'record', 'records')} · "
            f"{count(counts.pages, 'page', 'pages')} · {format_duration(progress.elapsed)}\n"
        )
        self.stream.flush()

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()


class _Screen:
    def __init__(self, display: FleetDisplay) -> None:
        self.display = display

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        display = self.display
        rows = max(1, (options.height or console.height) - 2)
        running = [label for label, lists in display.lists.items() if not all(p.ended for p in lists)]
        done = [label for label in display.lists if label not in running]
        shown = (running + done)[:rows]
        lines = [display.line(label) for label in shown]
        hidden = len(display.lists) - len(shown)
        if hidden:
            lines.append(f"… and {hidden} more accounts ({len(done)} done of {len(display.lists)})")
        width = max(1, options.max_width - 3)  # room for ^C, as the single harvest's display keeps
        yield Text("\n".join(line if len(line) <= width else line[: width - 1] + "…" for line in lines))
