"""The three ProctorExam harvest kinds through ``mettl-async harvest`` (CliRunner), configured by
environment variables pointing at the sandbox, into JSONL, CSV and SQLite."""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from mettl_async.cli import main
from mettl_async.platforms import PLATFORMS, kinds, platform_of
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.proctorexam import ProctorExamSandbox, ProctorExamSandboxConfig

StartSandbox = Callable[..., SandboxThread]
KINDS = ("proctorexam-institutes", "proctorexam-exams", "proctorexam-sessions")


def env_for(sandbox: SandboxThread) -> dict[str, str]:
    platform = sandbox.sandbox
    assert isinstance(platform, ProctorExamSandbox)
    return {
        "PROCTOREXAM_BASE_URL": sandbox.base_url,
        "PROCTOREXAM_API_TOKEN": platform.config.api_token,
        "PROCTOREXAM_SECRET_KEY": platform.config.secret_key,
    }


def cli(sandbox: SandboxThread, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env_for(sandbox), catch_exceptions=False)


def canonical(records: list[Any]) -> list[bytes]:
    return sorted(orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in records)


def expected(sandbox: SandboxThread, kind: str, filters: dict[str, Any] | None = None) -> list[bytes]:
    async def collect() -> list[Any]:
        async with sandbox.client() as client:
            paginator = kinds()[kind].open(client, filters or {}, None)
            return [r async for page in paginator.pages() for r in page.records]

    return canonical(asyncio.run(collect()))


@pytest.fixture
def sandbox(proctorexam_sandbox_factory: StartSandbox) -> SandboxThread:
    return proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=730, exams=15))


def test_the_platform_is_registered() -> None:
    entry = next(entry for entry in PLATFORMS if entry.name == "proctorexam")
    assert {k for k in kinds() if platform_of(kinds()[k]) is entry} == set(KINDS)
    assert all(kinds()[k].key == ("id",) for k in KINDS)
    secret_settings = {s.envvar for s in entry.settings if s.secret}
    assert secret_settings == {"PROCTOREXAM_API_TOKEN", "PROCTOREXAM_SECRET_KEY"}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_each_kind_in_each_format(sandbox: SandboxThread, tmp_path: Path, kind: str, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    result = cli(sandbox, "harvest", kind, "--out", str(out))
    assert result.exit_code == 0, result.output
    want = expected(sandbox, kind)
    assert want
    assert f"harvested {len(want):,} records" in result.stdout
    if fmt == "jsonl":
        assert canonical([orjson.loads(line) for line in out.read_bytes().splitlines()]) == want
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out.read_text())))
        assert tuple(rows[0]) == ("account", *kinds()[kind].columns)  # the account first
        assert len(rows) - 1 == len(want)
    else:
        table = kinds()[kind].table
        with sqlite3.connect(out) as db:
            count, distinct = db.execute(f'SELECT COUNT(*), COUNT(DISTINCT id) FROM "{table}"').fetchone()
            stored = [orjson.loads(r) for (r,) in db.execute(f'SELECT record FROM "{table}"')]
        assert count == distinct == len(want)
        assert canonical(stored) == want


def test_sessions_of_one_exam_and_flat_columns(sandbox: SandboxThread, tmp_path: Path) -> None:
    out = tmp_path / "exam4.sqlite"
    result = cli(
        sandbox, "harvest", "proctorexam-sessions", "--exam", "4", "--out", str(out), "--page-size", "7"
    )
    assert result.exit_code == 0, result.output
    with sqlite3.connect(out) as db:
        rows = db.execute(
            "SELECT id, exam_id, email, status, extra FROM proctorexam_sessions ORDER BY id"
        ).fetchall()
    assert [r[0] for r in rows] == list(range(4, 731, 15))
    assert {r[1] for r in rows} == {4}
    assert rows[0][2] == "student4@example.com"
    assert "incidents_count" in orjson.loads(rows[0][4])["session"]  # unnamed keys are kept
    assert expected(sandbox, "proctorexam-sessions", {"exam": 4}) == canonical(
        [orjson.loads(r) for r in _records(out, "proctorexam_sessions")]
    )


def _records(path: Path, table: str) -> list[bytes]:
    with sqlite3.connect(path) as db:
        return [r for (r,) in db.execute(f'SELECT record FROM "{table}"')]


def test_exams_by_status(sandbox: SandboxThread, tmp_path: Path) -> None:
    out = tmp_path / "closed.jsonl"
    result = cli(sandbox, "harvest", "proctorexam-exams", "--exam-status", "closed", "--out", str(out))
    assert result.exit_code == 0, result.output
    statuses = {orjson.loads(line)["status"] for line in out.read_bytes().splitlines()}
    assert statuses == {"closed"}


def test_a_filter_of_another_kind_is_refused(sandbox: SandboxThread, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["harvest", "proctorexam-exams", "--exam", "3", "--out", str(tmp_path / "x.jsonl")],
        env=env_for(sandbox),
    )
    assert result.exit_code == 2
    assert "applies to proctorexam-sessions only" in result.output


def test_sqlite_rerun_does_not_duplicate(sandbox: SandboxThread, tmp_path: Path) -> None:
    out = tmp_path / "s.sqlite"
    for _ in range(2):
        assert cli(sandbox, "harvest", "proctorexam-sessions", "--out", str(out), "--restart").exit_code == 0
    with sqlite3.connect(out) as db:
        assert db.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM proctorexam_sessions").fetchone() == (
            730,
            730,
        )


def test_harvest_through_faults_gives_the_same_records(
    proctorexam_sandbox_factory: StartSandbox, tmp_path: Path
) -> None:
    faults = FaultConfig(rate=0.25, seed=3, kinds="e000,html5xx,drop,429", retry_after=0.01)
    faulty = proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=400, faults=faults))
    out = tmp_path / "faulty.jsonl"
    result = cli(faulty, "harvest", "proctorexam-sessions", "--out", str(out), "--page-size", "25")
    assert result.exit_code == 0, result.output
    platform = faulty.sandbox
    assert sum(platform.faults.injected.values()) >= 3
    ids = [orjson.loads(line)["id"] for line in out.read_bytes().splitlines()]
    assert sorted(ids) == list(range(1, 401))


def test_missing_settings_are_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["harvest", "proctorexam-exams", "--out", str(tmp_path / "x.jsonl")],
        env={"PROCTOREXAM_BASE_URL": None, "PROCTOREXAM_API_TOKEN": None, "PROCTOREXAM_SECRET_KEY": None},
    )
    assert result.exit_code == 2
    assert "PROCTOREXAM_API_TOKEN" in result.output


def test_credentials_never_reach_the_output_or_the_checkpoint(sandbox: SandboxThread, tmp_path: Path) -> None:
    out = tmp_path / "e.jsonl"
    result = cli(sandbox, "harvest", "proctorexam-exams", "--out", str(out), "--debug")
    assert result.exit_code == 0, result.output
    env = env_for(sandbox)
    texts = [result.output, out.read_text(), *(p.read_text() for p in tmp_path.iterdir() if p != out)]
    for secret in (env["PROCTOREXAM_API_TOKEN"], env["PROCTOREXAM_SECRET_KEY"]):
        assert all(secret not in text for text in texts)
