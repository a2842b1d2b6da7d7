"""The fleet's display: a line per account, its lists summed; as many as the terminal has rows."""

from __future__ import annotations

import io

from rich.console import Console

from mettl_async.cli.fleet_progress import FleetDisplay, _Screen
from mettl_async.fleet.accounts import Account
from mettl_async.fleet.harvest import Unit
from mettl_async.platforms import kinds, platform


def units(labels: list[str]) -> list[Unit]:
    certicheck = platform("certicheck")
    pairs = [(label, kind) for label in labels for kind in ("results", "tests")]
    return [Unit(Account(label, certicheck, {}), kinds()[kind]) for label, kind in pairs]


def test_a_line_per_account_sums_its_lists_and_says_when_it_is_done() -> None:
    stream = io.StringIO()
    display = FleetDisplay(stream, ["acme", "globex"], quiet=False)
    progress = {unit.name: display.progress_for(unit) for unit in units(["acme", "globex"])}
    progress["acme results"].counts.records, progress["acme results"].counts.total = 120, 500
    progress["acme tests"].counts.records = 12
    progress["acme tests"].counts.retries = 2
    assert display.line("acme") == "acme  results 120 of 500 · tests 12 · 2 retries · running"
    for name in ("acme results", "acme tests"):
        progress[name].close()
    assert display.line("acme").endswith(" · done")
    # not a terminal: a plain line as each list ends
    assert stream.getvalue().splitlines()[0].startswith("acme results: 120 records · 0 pages · 0:0")
    display.close()


def test_a_short_terminal_shows_the_running_accounts_and_counts_the_rest() -> None:
    labels = [f"acct-{i:02d}" for i in range(20)]
    display = FleetDisplay(io.StringIO(), labels, quiet=True)
    for unit in units(labels):
        progress = display.progress_for(unit)
        if unit.account.label < "acct-05":
            progress.close()
    console = Console(file=io.StringIO(), width=60, height=8, record=True)
    console.print(_Screen(display))
    shown = console.export_text().splitlines()
    assert shown[0].startswith("acct-05  results 0 · tests 0 · running")
    assert shown[-1] == "… and 14 more accounts (5 done of 20)"
    assert all(len(line) <= 60 for line in shown)
