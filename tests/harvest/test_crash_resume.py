"""Kill and resume: SIGKILL at chosen and at random points of a harvest, for JSONL, CSV, SQLite and
PostgreSQL (a real server, see conftest); the resumed output holds exactly what a clean run's does.

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

from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig

SOAK = bool(os.environ.get("METTL_SOAK"))
CRASHING = Path(__file__).parents[1] / "support" / "crashing.py"
APPLICANTS = 400 if SOAK else 120
PAGE = "7"


@pytest.fixture(scope="module")
def sandbox() -> Any:
    thread = SandboxThread(CertiCheckSandbox(SandboxConfig(applicants=APPLICANTS)))
    thread.start()
    yield thread
    thread.stop()


def harvest(
    sandbox: SandboxThread,
    out: Path | str,
    *extra: str,
    crash: tuple[str, int] | None = None,
    quiet: bool = True,
) -> subprocess.CompletedProcess[str]:
    args = [
        "harvest",
        "results",
        "--out",
        str(out),
        "--page-size",
        PAGE,
        *(["--quiet"] if quiet else []),
        *extra,
    ]
    command = [sys.executable, "-m", "mettl_async", *args]
    if crash is not None:
        command = [sys.executable, str(CRASHING), crash[0], str(crash[1]), "--", *args]
    return subprocess.run(
        command, env=os.environ | sandbox.exports(), capture_output=True, text=True, timeout=300, check=False
    )


def content(out: Path | str, fmt: str) -> list[str]:
    """The output's records as canonical text, sorted: equal lists mean the same records, none twice."""
    if fmt == "postgresql":
        import psycopg

        with psycopg.connect(str(out)) as db:
            rows = db.execute("SELECT * FROM results").fetchall()
            checkpoints = db.execute("SELECT records, next FROM mettl_harvest_checkpoints").fetchall()
        assert checkpoints == [(APPLICANTS, None)]  # one harvest, complete
        return sorted(orjson.dumps(list(row), option=orjson.OPT_SORT_KEYS).decode() for row in rows)
    assert isinstance(out, Path)
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


def committed(out: Path | str, fmt: str) -> tuple[int, int]:
    """(records the checkpoint counts, distinct records in the table) of a database output."""
    checkpoint = "SELECT coalesce(max(records), 0) FROM mettl_harvest_checkpoints"
    distinct = "SELECT count(DISTINCT record) FROM results"
    if fmt == "postgresql":
        import psycopg

        with psycopg.connect(str(out)) as pg:
            if pg.execute("SELECT to_regclass('results')").fetchone() == (None,):
                return 0, 0  # the tables are created in the first page's transaction
            counts = [pg.execute(query).fetchone() for query in (checkpoint, distinct)]
        return counts[0][0] if counts[0] else 0, counts[1][0] if counts[1] else 0
    with sqlite3.connect(out) as db:
        return db.execute(checkpoint).fetchone()[0], db.execute(distinct).fetchone()[0]


@pytest.fixture(scope="module")
def clean(sandbox: SandboxThread, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    outputs = {}
    for fmt in ("jsonl", "csv", "sqlite"):
        out = tmp_path_factory.mktemp("clean") / f"r.{fmt}"
        assert harvest(sandbox, out).returncode == 0
        outputs[fmt] = content(out, fmt)
    return outputs


@pytest.fixture(scope="module")
def clean_postgresql(sandbox: SandboxThread, postgres_server: Any) -> list[str]:
    out = postgres_server.create_database()
    assert harvest(sandbox, out).returncode == 0
    return content(out, "postgresql")


def output_for(request: pytest.FixtureRequest, tmp_path: Path, fmt: str, name: str = "r") -> Path | str:
    """A new output of ``fmt``: a file in ``tmp_path``, or a new database."""
    if fmt == "postgresql":
        server = request.getfixturevalue("postgres_server")
        return str(server.create_database())
    return tmp_path / f"{name}.{fmt}"


FORMATS = ["jsonl", "csv", "sqlite", "postgresql"]


# The first page's data, a later page's commit, and the end: each kind of point once; the soak
# session adds the first page's commit and later pages' data and commits.
POINTS = [("before-data", 1), ("between", 5), ("after-last", 1)]
if SOAK:
    POINTS += [("between", n) for n in (1, 2, 3, 8, 13, 21)] + [("before-data", n) for n in (2, 9, 17, 40)]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("point", "nth"), POINTS)
def test_killed_at_a_chosen_point_then_resumed(
    request: pytest.FixtureRequest,
    sandbox: SandboxThread,
    clean: dict[str, list[str]],
    tmp_path: Path,
    fmt: str,
    point: str,
    nth: int,
) -> None:
    expected = request.getfixturevalue("clean_postgresql") if fmt == "postgresql" else clean[fmt]
    out = output_for(request, tmp_path, fmt)
    killed = harvest(sandbox, out, crash=(point, nth))
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    if point == "between" and fmt in ("sqlite", "postgresql"):  # the page's rows were never committed
        assert committed(out, fmt) == ((nth - 1) * int(PAGE),) * 2
    resumed = harvest(sandbox, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert content(out, fmt) == expected
    if point != "after-last" and not SOAK:
        return  # a third process per case adds little: a finished output resumed, once per format
    again = harvest(sandbox, out, "--resume", quiet=False)  # --quiet says nothing on success
    assert again.returncode == 0
    assert "already complete" in again.stdout
    assert content(out, fmt) == expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_killed_at_random_times_and_resumed_repeatedly(
    request: pytest.FixtureRequest, certicheck_sandbox_factory: Any, tmp_path: Path, fmt: str
) -> None:
    slow = certicheck_sandbox_factory(
        SandboxConfig(applicants=APPLICANTS, faults=FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.01))
    )
    reference = output_for(request, tmp_path, fmt, "clean")
    assert harvest(slow, reference).returncode == 0
    out = output_for(request, tmp_path, fmt)
    rng = random.Random(fmt)
    kills = 6 if SOAK else 3
    for attempt in range(kills):
        args = ["harvest", "results", "--out", str(out), "--page-size", PAGE, "--quiet"] + (
            ["--resume"] if attempt else []
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "mettl_async", *args],
            env=os.environ | slow.exports(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        time.sleep(rng.uniform(0.3, 1.2))
        process.kill()
        process.communicate()
    finished = harvest(slow, out, "--resume")
    assert finished.returncode == 0, finished.stderr
    assert content(out, fmt) == content(reference, fmt)
