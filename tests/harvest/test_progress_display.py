"""What the progress display and the summary say in the cases a newcomer met: Ctrl-C on a
terminal, a narrow terminal, a resumed run, an early ETA, a summary of records that are several
rows, and a 5xx page's words."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from mettl_async.cli import main
from mettl_async.cli.progress import _Screen
from mettl_async.core.errors import ServerError
from mettl_async.core.telemetry import RetryScheduled
from mettl_async.harvest.progress import ETA_AFTER, Counts, Progress, eta, pace, segments
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.terminal import run_in_terminal

StartSandbox = Callable[..., SandboxThread]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_ctrl_c_on_a_terminal_leaves_each_line_once_and_words_whole(
    certicheck_sandbox_factory: StartSandbox, tmp_path: Path
) -> None:
    """The terminal echoes ^C at the cursor: on a full-width line that wrapped, and the
    display's last redraw left its counts line twice on the screen."""
    faults = FaultConfig(rate=0.3, seed=2, kinds="e000", retry_after=2.0)
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=2000, faults=faults))
    args = ["harvest", "results", "--out", str(tmp_path / "r.jsonl"), "--rate", "4", "--page-size", "20"]

    def waiting(rows: list[str]) -> bool:  # with records kept: the first request may be the one retried
        retrying = len(rows) == 2 and rows[1].startswith(("retrying at ", "retry "))
        return retrying and not rows[0].startswith("0 ")

    run = run_in_terminal(args, columns=60, env=sandbox.exports(), stop_when=waiting)
    assert run.returncode == 130, run.rows
    counts = [row for row in run.rows if " records · " in row]
    assert len(counts) == 1, run.rows
    said = [row for row in run.rows if not row.startswith(("mettl-async:", counts[0]))]
    assert said[0].startswith("interrupted after ")
    # broken between words (a number is never cut), but for a word longer than a row: the path
    assert said[0].endswith(" pages to"), said  # the path, too long for a row, starts a row
    assert said[-1].startswith("· "), said
    assert said[-1].endswith("; re-run with --resume to continue"), said


def rendered(progress: Progress, width: int) -> list[str]:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, force_terminal=False).print(_Screen(progress))  # type: ignore[arg-type]
    return out.getvalue().splitlines()


def test_at_40_columns_the_retry_keeps_room_for_its_reason() -> None:
    clock = Clock()
    progress = Progress(clock=clock)
    progress.counts = Counts(records=2000, pages=20, retries=3)
    progress.update()
    error = ServerError("Bad Gateway", http_status=502)
    progress.on_event(RetryScheduled("GET", "http://x/api/v2/results", 2, 30.0, time.time() + 30, error))
    _, wait = rendered(progress, 40)
    assert wait.startswith("retry 3 at ")
    assert "HTTP 502: Bad G" in wait
    assert len(wait) <= 37  # room left for the ^C a terminal echoes
    [wide] = rendered(progress, 200)[1:]
    assert wide.startswith("retrying at ")
    assert wide.endswith("after attempt 2: HTTP 502: Bad Gateway")


def test_a_resumed_run_says_which_records_are_its_own() -> None:
    parts = segments(Counts(records=7800, pages=28, resumed_at=5000), elapsed=10.0)
    assert parts["records"] == "7,800 records (2,800 this run)"
    assert parts["pages"] == "28 pages"
    assert parts["rate"] == "280 rec/s"


def test_the_eta_waits_and_follows_the_recent_pace_not_the_first_burst() -> None:
    counts = Counts(records=0, total=10_000)
    # 3,000 records in the first 5 s (pages fetched ahead), then 50 records a second
    marks = [(0.0, 0), (5.0, 3000)] + [(5.0 + s, 3000 + 50 * s) for s in range(1, 41)]
    counts.records = 3000 + 50 * 40
    assert eta(counts, 5.0, pace(marks[:2], 5.0)) is None  # too early to tell
    recent = pace(marks, 45.0)
    assert recent == 50.0
    assert eta(counts, 45.0, recent) == (10_000 - 5000) / 50.0
    assert ETA_AFTER > 5.0


def test_a_summary_says_when_a_record_is_several_rows(
    certicheck_sandbox_factory: StartSandbox, tmp_path: Path
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=20))
    result = CliRunner().invoke(
        main,
        ["harvest", "results", "--out", str(tmp_path / "r.csv")],
        env=sandbox.exports(),
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "(records as the API sends them; results has a row per certificate of each)" in result.stdout
    plain = CliRunner().invoke(
        main,
        ["harvest", "results", "--out", str(tmp_path / "r.jsonl")],
        env=sandbox.exports(),
        catch_exceptions=False,
    )
    assert "row per" not in plain.stdout  # JSONL holds the records as sent
