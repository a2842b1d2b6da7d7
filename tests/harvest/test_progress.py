"""The harvest's progress: counts, waits and their words, the live display's layout at any
width, plain lines off a terminal, and the real thing in a pseudo-terminal at 40 and 200 columns."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from mettl_async.cli import main
from mettl_async.cli.progress import LiveProgress, PlainProgress, _Screen, fit, open_progress
from mettl_async.core.errors import ConnectError, RateLimitedError
from mettl_async.core.telemetry import RequestDone, RetryScheduled, Throttled, WaitingForSecond
from mettl_async.harvest.progress import Counts, Progress, clock_time, eta, segments
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from mettl_async.testing.proctorexam import ProctorExamSandboxConfig
from tests.support.terminal import rows_of, run_in_terminal, screen_of

StartSandbox = Callable[..., SandboxThread]
REFUSED = ConnectError(
    "GET http://127.0.0.1:9/api/v2/x?ak=REDACTED: ClientConnectorError: Cannot connect to host "
    "127.0.0.1:9 ssl:default [Connect call failed ('127.0.0.1', 9)]"
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def retry(delay: float, error: BaseException = REFUSED, attempt: int = 1) -> RetryScheduled:
    return RetryScheduled("GET", "http://127.0.0.1:9/api/v2/x", attempt, delay, time.time() + delay, error)


# -- counts and waits ---------------------------------------------------------------------------


def test_segments_with_a_total_give_an_eta_and_429_pauses_only_once_seen() -> None:
    parts = segments(Counts(records=100, pages=2, retries=1, total=300), elapsed=20.0, recent=10.0)
    assert list(parts) == ["records", "pages", "rate", "retries", "elapsed", "eta"]
    assert parts["records"] == "100 records of 300"
    assert parts["eta"] == "ETA 0:20"
    assert eta(Counts(records=300, total=300), 20.0, 10.0) is None
    assert eta(Counts(records=0, total=300), 20.0, 0.0) is None
    throttled = segments(Counts(records=5, throttled=2), elapsed=1.0)
    assert throttled["throttled"] == "2 pauses (429)"  # not "2 429 pauses"


def test_a_refused_connection_is_a_wait_with_its_reason_and_next_attempt() -> None:
    clock = Clock()
    progress = Progress(clock=clock)
    event = retry(3.0, attempt=2)
    progress.on_event(event)
    status = progress.status()
    assert status == (
        f"retrying at {clock_time(event.at)} (in 3 s) after attempt 2: "
        "cannot connect to 127.0.0.1:9: Connect call failed ('127.0.0.1', 9)"
    )
    assert progress.counts.retries == 1
    clock.now += 2.5
    assert progress.status() == f"retrying at {clock_time(event.at)} after attempt 2: " + event.reason
    clock.now += 1.0  # the wait is over; the attempt is on its way
    assert progress.status() is None
    clock.now += 3.5  # and no answer for a while since
    assert progress.status() == "waiting for an answer for 4 s"
    progress.on_event(RequestDone("GET", "u", 3, 200, 0.1, 0, 10))
    assert progress.status() is None


def test_a_429_is_a_throttle_until_the_limiters_pause_ends() -> None:
    clock = Clock()
    progress = Progress(clock=clock)
    until = time.time() + 2.0
    progress.on_event(Throttled("GET", "u", 2.0, 2.0, until))
    # The retry of the same 429 is counted, and the throttle keeps saying why.
    progress.on_event(retry(2.1, RateLimitedError("slow", retry_after=2.0, http_status=429)))
    assert progress.status() == (
        f"throttled until {clock_time(until)} (in 2 s): the server said 429, Retry-After 2 s"
    )
    assert (progress.counts.retries, progress.counts.throttled) == (1, 1)
    clock.now += 2.0
    assert progress.status() is None


def test_the_latest_wait_is_shown_and_the_next_second_is_explained() -> None:
    clock = Clock()
    progress = Progress(clock=clock)
    progress.on_event(retry(5.0))
    progress.on_event(WaitingForSecond("GET", "u", 0.4, time.time() + 0.4))
    assert progress.status() == (
        "waiting for the next second: an identical request was signed in this one (single-use)"
    )
    clock.now += 0.5  # the second came; the retry still waits
    assert (progress.status() or "").startswith("retrying at")
    progress.close()
    assert progress.status() is None


# -- the live display's layout -------------------------------------------------------------------


def test_fit_keeps_the_most_useful_pieces_in_their_order() -> None:
    parts = segments(Counts(records=12345, pages=247, retries=3, throttled=1, total=50000), 20.0, 1234.0)
    wide = fit(parts, 200)
    assert wide == (
        "12,345 records of 50,000 · 247 pages · 617 rec/s · 3 retries · 1 pause (429) · 0:20 · ETA 0:31"
    )
    assert fit(parts, 40) == "12,345 records of 50,000 · ETA 0:31"
    assert fit(parts, 52) == "12,345 records of 50,000 · 617 rec/s · ETA 0:31"
    assert fit(parts, 10) == "12,345 re…"
    assert fit(parts, 0) == ""
    assert fit({}, 10) == ""


def rendered(progress: Progress, width: int) -> list[str]:
    """What the display prints at ``width``, as a terminal of that width would hold it."""
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False)
    assert isinstance(progress, Progress)
    console.print(_Screen(progress))  # type: ignore[arg-type]
    return out.getvalue().splitlines()


@given(
    width=st.integers(min_value=1, max_value=260),
    records=st.integers(min_value=0, max_value=10**9),
    total=st.none() | st.integers(min_value=1, max_value=10**9),
    retries=st.integers(min_value=0, max_value=10**6),
    waiting=st.booleans(),
)
def test_the_display_never_holds_a_line_wider_than_the_terminal(
    width: int, records: int, total: int | None, retries: int, waiting: bool
) -> None:
    clock = Clock()
    progress = Progress(clock=clock)
    progress.counts = Counts(records=records, pages=records // 50, retries=retries, total=total)
    clock.now += 12.0
    progress.update()  # a page just came: not idle
    if waiting:
        progress.on_event(retry(30.0))
    lines = rendered(progress, width)
    assert len(lines) == (2 if waiting else 1)
    assert all(len(line) <= width for line in lines), lines


def test_the_bar_shows_when_the_total_is_known_and_there_is_room() -> None:
    clock = Clock()
    progress = Progress(clock=clock)
    progress.counts = Counts(records=50, pages=1, total=300)
    clock.now += 10.0
    progress.update()
    progress.counts = Counts(records=150, pages=3, total=300)
    clock.now += 10.0
    progress.update()  # 100 records in the last 10 s: 150 left, 15 s
    [wide] = rendered(progress, 120)
    assert wide.startswith("━" * 30 + " 150 records of 300")
    assert "ETA 0:15" in wide
    [narrow] = rendered(progress, 40)
    assert "━" not in narrow
    assert narrow == "150 records of 300 · 0:20 · ETA 0:15"


# -- off a terminal ------------------------------------------------------------------------------


def test_plain_lines_come_now_and_then_and_at_once_when_a_wait_begins() -> None:
    clock = Clock()
    out = io.StringIO()
    progress = PlainProgress(out, every=10.0, clock=clock)
    progress.counts.records = 20
    progress.update()
    assert out.getvalue() == ""
    clock.now += 10.0
    progress.counts.records = 40
    progress.update()
    assert out.getvalue() == "40 records · 0 pages · 4 rec/s · 0 retries · 0:10\n"
    progress.on_event(retry(2.0))  # a wait is told at once
    assert out.getvalue().splitlines()[-1].endswith("Connect call failed ('127.0.0.1', 9)")
    assert "· retrying at " in out.getvalue().splitlines()[-1]
    progress.on_event(retry(2.0, attempt=2))  # but not more often than every 10 s
    assert len(out.getvalue().splitlines()) == 2
    assert "\r" not in out.getvalue()


def test_the_display_is_chosen_by_the_stream() -> None:
    assert type(open_progress(io.StringIO(), quiet=True)) is Progress
    assert type(open_progress(io.StringIO(), quiet=False)) is PlainProgress


def test_a_harvest_off_a_terminal_says_at_once_why_it_waits(tmp_path: Path) -> None:
    env = {
        "METTL_PUBLIC_KEY": "pk",
        "METTL_PRIVATE_KEY": "sk",
        "METTL_SUBDOMAIN": "sub",
        "METTL_BASE_URL": "http://127.0.0.1:9/api/v2",
    }
    # Two attempts: one retry to tell of (the default five take 9 s to give up).
    args = ["harvest", "tests", "--out", str(tmp_path / "t.jsonl"), "--attempts", "2"]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 4
    lines = result.stderr.splitlines()
    assert lines[0].startswith("0 records · 0 pages · 0 rec/s · ")
    assert "retrying at " in lines[0]
    assert "after attempt 1: cannot connect to 127.0.0.1:9" in lines[0]
    assert lines[-1].startswith("mettl-async: network unreachable")


# -- in a real terminal --------------------------------------------------------------------------


def test_the_terminal_check_sees_a_display_that_piles_up() -> None:
    """The check below can fail: a line redrawn with a carriage return alone, as the old
    display did, wraps on a narrow terminal and leaves a pile of rows."""
    line = "12,345 records · 247 pages · 850 rec/s · 3 retries · 0:14"
    raw = "".join("\r" + line for _ in range(16)).encode()
    assert len(rows_of(screen_of(raw, 40))) == 17  # each redraw leaves one row behind
    assert len(rows_of(screen_of(raw, 200))) == 1


@pytest.mark.parametrize("columns", [40, 200])
def test_the_live_display_fits_the_terminal(
    columns: int, certicheck_sandbox_factory: StartSandbox, tmp_path: Path
) -> None:
    faults = FaultConfig(rate=0.2, seed=2, kinds="429,e000", retry_after=0.4)
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=300, faults=faults))
    out = tmp_path / "r.jsonl"
    run = run_in_terminal(
        ["harvest", "results", "--out", str(out), "--rate", "16"], columns=columns, env=sandbox.exports()
    )
    assert run.returncode == 0, run.rows
    assert b"harvested 300 records in 15 pages" in run.stdout
    assert len(run.snapshots) > 3  # it was redrawn, in place
    for rows in run.snapshots:
        assert len(rows) <= 2, rows  # the counts and, while waiting, why
        assert all(len(row) <= columns for row in rows)
    assert len(run.rows) == 1
    assert run.rows[0].startswith("300 records · ")
    waits = ("throttled until ", "429: held to ")  # the short form where the long one does not fit
    assert any(len(rows) == 2 and rows[1].startswith(waits) for rows in run.snapshots)
    if columns == 200:
        assert "15 pages" in run.rows[0]
        assert "retries" in run.rows[0]
        assert "(429)" in run.rows[0]
    assert b"\x1b[?25h" in run.raw  # the cursor is shown again at the end


def test_the_live_display_shows_the_total_and_an_eta(
    proctorexam_sandbox_factory: StartSandbox, tmp_path: Path
) -> None:
    sandbox = proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=400))
    config = sandbox.sandbox.config
    env = {
        "PROCTOREXAM_BASE_URL": sandbox.base_url,
        "PROCTOREXAM_API_TOKEN": config.api_token,
        "PROCTOREXAM_SECRET_KEY": config.secret_key,
    }
    out = tmp_path / "s.jsonl"
    args = ["harvest", "proctorexam-sessions", "--out", str(out), "--page-size", "20", "--rate", "8"]
    run = run_in_terminal(args, columns=100, env=env)
    assert run.returncode == 0, run.rows
    shown = [rows[0] for rows in run.snapshots if rows]
    assert any(" of 400 · " in row and row.startswith("━") for row in shown), shown  # ETA: after 15 s
    assert all(len(rows) <= 2 for rows in run.snapshots)
    assert run.rows[0].startswith("━" * 30 + " 400 records of 400 · 20 pages")


def test_a_refused_connection_is_not_silent(tmp_path: Path) -> None:
    env = {
        "METTL_PUBLIC_KEY": "pk",
        "METTL_PRIVATE_KEY": "sk",
        "METTL_SUBDOMAIN": "sub",
        "METTL_BASE_URL": "http://127.0.0.1:9/api/v2",
    }
    started = time.monotonic()
    seen_at: list[float] = []

    def says_why(rows: list[str]) -> bool:
        if (
            len(rows) == 2
            and rows[1].startswith("retrying at ")
            and "cannot connect to 127.0.0.1:9" in rows[1]
        ):
            seen_at.append(time.monotonic() - started)
            return True
        return False

    run = run_in_terminal(
        ["harvest", "tests", "--out", str(tmp_path / "t.jsonl")], columns=120, env=env, stop_when=says_why
    )
    assert seen_at, run.rows
    assert seen_at[0] < 5.0  # the process starts, fails to connect and says so at once
    assert run.returncode == 130
    assert run.rows[-1] == "mettl-async: interrupted"


def test_a_live_display_is_used_on_a_terminal_only() -> None:
    console = Console(file=io.StringIO(), force_terminal=True, width=80)
    progress = LiveProgress(console)
    progress.counts.records = 7
    progress.update(force=True)
    progress.close()
    assert "7 records" in console.file.getvalue()  # type: ignore[attr-defined]


def test_debug_log_lines_print_above_the_live_display(
    certicheck_sandbox_factory: StartSandbox, tmp_path: Path
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=100))
    out = tmp_path / "r.jsonl"
    args = ["harvest", "results", "--out", str(out), "--rate", "8", "--debug"]
    run = run_in_terminal(args, columns=120, env=sandbox.exports())
    assert run.returncode == 0, run.rows
    logged = [row for row in run.rows if " DEBUG mettl_async.session: GET" in row]
    assert len(logged) == 5  # one per page, none overwritten
    shown = [i for i, row in enumerate(run.rows) if " records · " in row]
    assert shown == [len(run.rows) - 1]  # the display once, below the log
    assert run.rows[-1].startswith("100 records · 5 pages · ")
