"""Kill and resume: SIGKILL at chosen and at random points of a harvest, for JSONL, CSV and SQLite;
the resumed output holds exactly what a clean run's does.

The soak session (``nox -s soak``) runs more points and larger lists (``METTL_SOAK=1``).
"""

from __future__ import annotations

import csv
import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from mettl_async.certicheck.sandbox import CertiCheckSandbox, SandboxConfig
from mettl_async.sandbox import FaultConfig, SandboxThread

SOAK = bool(os.environ.get("METTL_SOAK"))
CRASHING = Path(__file__).with_name("crashing.py")
APPLICANTS = 400 if SOAK else 120
PAGE = "7"


@pytest.fixture(scope="module")
def sandbox() -> Any:
    thread = SandboxThread(CertiCheckSandbox(SandboxConfig(applicants=APPLICANTS)))
    thread.start()
    yield thread
    thread.stop()


def env_for(sandbox: SandboxThread) -> dict[str, str]:
    config = sandbox.sandbox.config  # type: ignore[attr-defined]
    return os.environ | {
        "METTL_PUBLIC_KEY": config.public_key,
        "METTL_PRIVATE_KEY": config.private_key,
        "METTL_SUBDOMAIN": config.subdomain,
        "METTL_BASE_URL": sandbox.base_url,
    }


def harvest(
    sandbox: SandboxThread, out: Path, *extra: str, crash: tuple[str, int] | None = None
) -> subprocess.CompletedProcess[str]:
    args = ["harvest", "results", "--out", str(out), "--page-size", PAGE, "--quiet", *extra]
    command = [sys.executable, "-m", "mettl_async", *args]
    if crash is not None:
        command = [sys.executable, str(CRASHING), crash[0], str(crash[1]), "--", *args]
    return subprocess.run(
        command, env=env_for(sandbox), capture_output=True, text=True, timeout=300, check=False
    )


def content(out: Path, fmt: str) -> list[str]:
    """The output's records as canonical text, sorted: equal lists mean the same records, none twice."""
    if fmt == "jsonl":
        return sorted(
            orjson.dumps(orjson.loads(line), option=orjson.OPT_SORT_KEYS).decode()
            for line in out.read_bytes().splitlines()
        )
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(out.read_text())))
        return [rows[0].__repr__(), *sorted(map(repr, rows[1:]))]
    with sqlite3.connect(out) as db:
        return sorted(map(repr, db.execute("SELECT * FROM results")))


@pytest.fixture(scope="module")
def clean(sandbox: SandboxThread, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    outputs = {}
    for fmt in ("jsonl", "csv", "sqlite"):
        out = tmp_path_factory.mktemp("clean") / f"r.{fmt}"
        assert harvest(sandbox, out).returncode == 0
        outputs[fmt] = content(out, fmt)
    return outputs


POINTS = [("before-data", 1), ("between", 1), ("between", 5), ("after-last", 1), ("before-data", 9)]
if SOAK:
    POINTS += [("between", n) for n in (2, 3, 8, 13, 21)] + [("before-data", n) for n in (2, 17, 40)]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
@pytest.mark.parametrize(("point", "nth"), POINTS)
def test_killed_at_a_chosen_point_then_resumed(
    sandbox: SandboxThread, clean: dict[str, list[str]], tmp_path: Path, fmt: str, point: str, nth: int
) -> None:
    out = tmp_path / f"r.{fmt}"
    killed = harvest(sandbox, out, crash=(point, nth))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    resumed = harvest(sandbox, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert content(out, fmt) == clean[fmt]
    again = harvest(sandbox, out, "--resume")
    assert again.returncode == 0
    assert "already complete" in again.stdout
    assert content(out, fmt) == clean[fmt]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_killed_at_random_times_and_resumed_repeatedly(
    certicheck_sandbox_factory: Any, tmp_path: Path, fmt: str
) -> None:
    slow = certicheck_sandbox_factory(
        SandboxConfig(applicants=APPLICANTS, faults=FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.01))
    )
    reference = tmp_path / f"clean.{fmt}"
    assert harvest(slow, reference).returncode == 0
    out = tmp_path / f"r.{fmt}"
    rng = random.Random(fmt)
    kills = 6 if SOAK else 3
    for attempt in range(kills):
        args = ["harvest", "results", "--out", str(out), "--page-size", PAGE, "--quiet"] + (
            ["--resume"] if attempt else []
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "mettl_async", *args],
            env=env_for(slow),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(rng.uniform(0.3, 1.2))
        process.kill()
        process.communicate()
    finished = harvest(slow, out, "--resume")
    assert finished.returncode == 0, finished.stderr
    assert content(out, fmt) == content(reference, fmt)
