"""Webhook events landed in a harvest's JSONL or CSV file, between a killed run and its resume,
survive the resume; the harvest's own page written after its checkpoint does not, and its
records end exactly once."""

from __future__ import annotations

import asyncio
import csv
import signal
from pathlib import Path
from typing import Any

import orjson
import pytest

from mettl_async.core.paging_styles import PagePosition
from mettl_async.harvest.files import CsvSink
from mettl_async.itep.harvest import RESULTS
from mettl_async.itep.webhooks import SOURCE
from mettl_async.testing import SandboxThread
from mettl_async.webhooks import receive
from mettl_async.webhooks.landing import Landing
from tests.harvest.test_crash_resume import APPLICANTS, content, harvest, sandbox
from tests.itep.test_itep_webhooks import FORM, GRADED, form

__all__ = ["sandbox"]  # the fixture this module shares


@pytest.fixture(scope="module")
def clean(sandbox: SandboxThread, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The records of a harvest that was never killed."""
    out = tmp_path_factory.mktemp("clean") / "r.jsonl"
    assert harvest(sandbox, out).returncode == 0
    return content(out, "jsonl")


def itep_event(number: int) -> dict[str, Any]:
    return GRADED | {"TestID": f"T{number:05d}AP"}


def land(out: Path, fmt: str, numbers: range) -> None:
    """What ``webhooks serve --out out`` does with these events, then stops."""
    landing = Landing(out, fmt)

    async def deliver() -> list[tuple[int, str]]:
        return [await receive(SOURCE, form(itep_event(n)), FORM, landing) for n in numbers]

    try:
        assert asyncio.run(deliver()) == [(200, "received")] * len(numbers)
    finally:
        landing.close()


def test_events_landed_between_a_killed_harvest_and_its_resume_survive(
    sandbox: SandboxThread, clean: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "r.jsonl"
    killed = harvest(sandbox, out, crash=("between", 3))  # page 3 written, its checkpoint not
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    land(out, "jsonl", range(10))
    again = harvest(sandbox, out, "--resume", crash=("between", 2))  # killed once more
    assert again.returncode == -signal.SIGKILL, again.stderr
    land(out, "jsonl", range(10, 20))
    done = harvest(sandbox, out, "--resume")
    assert done.returncode == 0, done.stderr
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    events = sorted(line["TestID"] for line in lines if "TestID" in line)
    assert events == [f"T{n:05d}AP" for n in range(20)]
    records = sorted(
        orjson.dumps(line, option=orjson.OPT_SORT_KEYS).decode() for line in lines if "TestID" not in line
    )
    assert len(records) == APPLICANTS
    assert records == clean
    assert content(out, "jsonl")  # the file reads back line by line


FINGERPRINT = {"kind": "itep-results", "format": "csv"}


def test_csv_events_survive_a_resume_and_the_page_after_the_checkpoint_does_not(tmp_path: Path) -> None:
    out = tmp_path / "r-itep-results.csv"  # where the receiver writes iTEP events for --out r.csv
    pulled = [itep_event(n) | {"Status": "Finished"} for n in range(6)]
    sink = CsvSink(out, RESULTS, FINGERPRINT, resume=False)
    sink.write_page(pulled[:3], _position(3))
    sink.close()
    with open(out, "ab") as f:  # the next page, written; the run killed before its checkpoint
        f.write(b"".join(unit for _, unit in sink.units(pulled[3:5])))
    land(tmp_path / "r.csv", "csv", range(100, 103))
    resumed = CsvSink(out, RESULTS, FINGERPRINT, resume=True)
    assert resumed.resumed is not None
    assert resumed.resumed.next == _position(3)
    resumed.write_page(pulled[3:], None)
    resumed.close()
    with open(out, newline="") as f:
        rows = list(csv.reader(f))
    landed = sorted((row[1], row[2]) for row in rows[1:])  # after the account
    assert landed == sorted(
        [(f"T{n:05d}AP", "Finished") for n in range(6)]
        + [(f"T{n:05d}AP", "Complete") for n in range(100, 103)]
    )


def _position(offset: int) -> PagePosition:
    return PagePosition(offset=offset, limit=3)
