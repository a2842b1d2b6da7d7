"""What happened to each row: the report (the input's rows with their outcome, the platform's
message and any value it returned) and the summary line."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import attrs

from ..harvest.checkpoint import write_atomically
from .journal import Entry
from .model import State

#: The report's own columns, after the input's.
REPORT_COLUMNS = ("outcome", "message", "value")


def report_columns(columns: Sequence[str]) -> tuple[str, ...]:
    """The report's header: the input's columns, then the outcome's (prefixed where the input
    already has a column of that name)."""
    taken = {c.lower() for c in columns}
    own = tuple(f"onboard_{name}" if name in taken else name for name in REPORT_COLUMNS)
    return (*columns, *own)


def report_text(columns: Sequence[str], entries: Sequence[Entry]) -> str:
    """The report as CSV text, one line per input row, in the input's order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(report_columns(columns))
    for entry in entries:
        values = [entry.values.get(c, "") for c in columns]
        writer.writerow([*values, entry.state.value, entry.message, entry.value])
    return out.getvalue()


def write_report(path: Path, columns: Sequence[str], entries: Sequence[Entry]) -> None:
    """Write the report to ``path`` whole (a crash leaves the old one or the new one)."""
    write_atomically(path, report_text(columns, entries).encode("utf-8"))


@attrs.frozen
class Summary:
    """How many rows ended how."""

    counts: Counter[State]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def failed(self) -> bool:
        """Whether any row was refused or is unknown (the command exits non-zero)."""
        return any(self.counts[state] for state in State if state.failed)

    def line(self, name: str) -> str:
        """``certicheck-register: 200 rows: 195 done, 3 already there, 1 refused, 1 unknown``."""
        shown = [State.DONE, State.ALREADY, State.REFUSED, State.UNKNOWN]
        parts = [f"{self.counts[s]} {s.value}" for s in shown]
        left = self.counts[State.PENDING] + self.counts[State.SENT]
        if left:
            parts.append(f"{left} not finished (run again to continue)")
        rows = "1 row" if self.rows == 1 else f"{self.rows} rows"
        return f"{name}: {rows}: {', '.join(parts)}"
