"""The mettl-async harvest command, driven against the sandbox over loopback: every kind in every
format, the same records through faults, reruns and resumes that repeat nothing, and a run killed
part-way that keeps what it fetched."""

from __future__ import annotations

import csv
import io
import signal
import sqlite3
from pathlib import Path

import orjson
import pytest

from mettl_async.platforms import kinds, platform_of
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.cli_support import (
    KIND_ARGS,
    Factory,
    cli,
    expected_records,
    jsonl,
    lines_in,
    spawn,
    wait_for,
)


@pytest.mark.parametrize("kind", [k for k in kinds() if platform_of(kinds()[k]).name == "certicheck"])
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_each_kind_in_each_format(sandbox: SandboxThread, tmp_path: Path, kind: str, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    result = cli(sandbox, "harvest", kind, "--out", str(out), "--rate", "1000", *KIND_ARGS[kind](sandbox))
    assert result.exit_code == 0, result.output
    expected = expected_records(sandbox, kind)
    assert expected, "the sandbox has records of every kind"
    assert f"harvested {len(expected):,} records" in result.stdout
    flat_rows = sum(len(kinds()[kind].rows(orjson.loads(r))) for r in expected)
    if fmt == "jsonl":
        assert jsonl(out) == expected
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out.read_text())))
        assert tuple(rows[0]) == ("account", *kinds()[kind].columns)  # the account first
        assert len(rows) - 1 == flat_rows
    else:
        with sqlite3.connect(out) as db:
            stored = db.execute(
                f'SELECT COUNT(*), COUNT(DISTINCT record) FROM "{kinds()[kind].table}"'
            ).fetchone()
            records = {
                orjson.dumps(orjson.loads(r), option=orjson.OPT_SORT_KEYS)
                for (r,) in db.execute(f'SELECT record FROM "{kinds()[kind].table}"')
            }
        assert stored[0] == flat_rows
        assert records == set(expected)


def test_harvest_with_faults_gives_the_same_records(
    certicheck_sandbox_factory: Factory, tmp_path: Path
) -> None:
    clean = certicheck_sandbox_factory(SandboxConfig(applicants=120))
    faults = FaultConfig(rate=0.2, seed=5, kinds="e000,html5xx,drop,429", retry_after=0.01)
    faulty = certicheck_sandbox_factory(SandboxConfig(applicants=120, faults=faults))
    for sandbox, name in ((clean, "clean"), (faulty, "faulty")):
        out = str(tmp_path / f"{name}.jsonl")
        result = cli(sandbox, "harvest", "results", "--out", out, "--rate", "1000", "--page-size", "5")
        assert result.exit_code == 0, result.output
    assert sum(faulty.sandbox.faults.injected.values()) >= 3
    assert jsonl(tmp_path / "faulty.jsonl") == jsonl(tmp_path / "clean.jsonl")
    assert len(jsonl(tmp_path / "clean.jsonl")) == 120


def test_sqlite_rerun_does_not_duplicate(sandbox: SandboxThread, tmp_path: Path) -> None:
    out = tmp_path / "r.sqlite"
    for _ in range(2):
        assert cli(sandbox, "harvest", "results", "--out", str(out), "--rate", "1000").exit_code == 0
    with sqlite3.connect(out) as db:
        total, distinct = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT email || certificate_index) FROM results"
        ).fetchone()
    assert total == distinct
    assert total == sum(
        len(kinds()["results"].rows(orjson.loads(r))) for r in expected_records(sandbox, "results")
    )


def test_resume_after_completion_is_a_no_op(sandbox: SandboxThread, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    assert cli(sandbox, "harvest", "results", "--out", str(out), "--rate", "1000").exit_code == 0
    before = len(sandbox.sandbox.requests)
    again = cli(sandbox, "harvest", "results", "--out", str(out), "--resume")
    assert again.exit_code == 0
    assert "already complete: 150 records" in again.stdout
    assert len(sandbox.sandbox.requests) == before


# -- killed and resumed -------------------------------------------------------------------------


def test_ctrl_c_keeps_what_was_fetched_and_exits_non_zero(
    slow_sandbox: SandboxThread, tmp_path: Path
) -> None:
    out = tmp_path / "r.jsonl"
    process = spawn(slow_sandbox, "results", "--out", str(out))
    wait_for(lambda: lines_in(out) >= 50, process)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert b"interrupted after" in stderr
    assert b"--resume" in stderr
    assert b"Traceback" not in stderr
    written = out.read_bytes()
    assert written.endswith(b"\n")  # only whole records
    kept = len(written.splitlines())
    assert f"interrupted after {kept:,} records".encode() in stderr
    assert cli(slow_sandbox, "harvest", "results", "--out", str(out), "--resume").exit_code == 0
    assert jsonl(out) == expected_records(slow_sandbox, "results")
