"""The mettl-async command, driven against the sandbox over loopback."""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from mettl_async.cli import main
from mettl_async.platforms import kinds, platform_of
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.banner import read_banner

Factory = Callable[..., SandboxThread]


def env_for(sandbox: SandboxThread) -> dict[str, str]:
    config = sandbox.sandbox.config
    return {
        "METTL_PUBLIC_KEY": config.public_key,
        "METTL_PRIVATE_KEY": config.private_key,
        "METTL_SUBDOMAIN": config.subdomain,
        "METTL_BASE_URL": sandbox.base_url,
    }


def cli(sandbox: SandboxThread | None, *args: str, env: dict[str, str] | None = None) -> Result:
    environment = (env_for(sandbox) if sandbox else {}) | (env or {})
    return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)


def jsonl(path: Path) -> list[bytes]:
    """Records as canonical JSON, sorted: equal lists mean the same records, none twice."""
    return sorted(
        orjson.dumps(orjson.loads(line), option=orjson.OPT_SORT_KEYS)
        for line in path.read_bytes().splitlines()
    )


@pytest.fixture
def sandbox(certicheck_sandbox_factory: Factory) -> SandboxThread:
    return certicheck_sandbox_factory(SandboxConfig(applicants=150))


def first_window_with_bookings(sandbox: SandboxThread) -> int:
    world = sandbox.sandbox.world
    booked = {b.slot_id for b in world.bookings}
    return next(w.window_id for w in world.windows.values() if any(s.slot_id in booked for s in w.slots))


KIND_ARGS: dict[str, Callable[[SandboxThread], list[str]]] = {
    "results": lambda s: [],
    "tests": lambda s: ["--status", "Published"],
    "slot-windows": lambda s: [],
    "enrolled": lambda s: ["--slot-window", str(first_window_with_bookings(s))],
}


def expected_records(sandbox: SandboxThread, kind: str) -> list[bytes]:
    """The records of a kind, read through the library's own paginator."""
    import asyncio

    async def collect() -> list[Any]:
        async with sandbox.client() as client:
            extra = KIND_ARGS[kind](sandbox)
            filters: dict[str, Any] = {"slot_window": int(extra[1])} if kind == "enrolled" else {}
            paginator = kinds()[kind].open(client, filters, None)
            return [r async for p in paginator.pages() for r in p.records]

    return sorted(orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in asyncio.run(collect()))


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


@pytest.fixture
def slow_sandbox(certicheck_sandbox_factory: Factory) -> SandboxThread:
    """Every answer 20 ms late, so a run of 60 pages can be killed part-way."""
    return certicheck_sandbox_factory(
        SandboxConfig(applicants=300, faults=FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.02))
    )


def spawn(sandbox: SandboxThread, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "mettl_async", "harvest", *args, "--rate", "1000", "--page-size", "5"],
        env=os.environ | env_for(sandbox),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the harvest did not get there in time"
        time.sleep(0.005)


def lines_in(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def sqlite_progress(path: Path) -> int:
    try:
        with sqlite3.connect(path) as db:
            row = db.execute("SELECT records FROM mettl_harvest_checkpoints").fetchone()
    except sqlite3.Error:
        return 0
    return row[0] if row else 0


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


# -- errors and exit statuses -------------------------------------------------------------------


def test_wrong_key_exits_3_with_the_e_code_and_no_traceback(sandbox: SandboxThread, tmp_path: Path) -> None:
    result = cli(
        sandbox,
        "harvest",
        "tests",
        "--out",
        str(tmp_path / "t.jsonl"),
        env={"METTL_PRIVATE_KEY": "not-the-key"},
    )
    assert result.exit_code == 3
    assert "authentication failed: E401: Authentication failed/Signature mismatch" in result.stderr
    assert "Traceback" not in result.output


def test_unreachable_network_exits_4(sandbox: SandboxThread, tmp_path: Path, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/api/v2"
    out = str(tmp_path / "t.jsonl")
    # One attempt: the default five wait 0.5 + 1 + 2 + 4 s (and jitter) before saying the same.
    result = cli(sandbox, "harvest", "tests", "--out", out, "--attempts", "1", env={"METTL_BASE_URL": url})
    assert result.exit_code == 4
    assert "network unreachable" in result.stderr


def test_attempts_bounds_the_tries_of_each_request(
    certicheck_sandbox_factory: Factory, tmp_path: Path
) -> None:
    faults = FaultConfig(rate=1.0, kinds="e000")
    faulty = certicheck_sandbox_factory(SandboxConfig(applicants=20, faults=faults))
    out = str(tmp_path / "t.jsonl")
    result = cli(faulty, "harvest", "tests", "--out", out, "--attempts", "2")
    assert result.exit_code == 1
    assert "E000" in result.stderr
    assert len(faulty.sandbox.requests) == 2  # the first try and one more


def test_api_error_exits_1_with_code_and_message(sandbox: SandboxThread, tmp_path: Path) -> None:
    result = cli(sandbox, "harvest", "enrolled", "--slot-window", "99999", "--out", str(tmp_path / "e.jsonl"))
    assert result.exit_code == 1
    assert "API error E022: No candidate enrolled in the slot window" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["harvest", "enrolled", "--out", "x.jsonl"], "invalid --slot-window: is required"),
        (["harvest", "results", "--status", "Published", "--out", "x.jsonl"], "applies to tests only"),
        (
            ["harvest", "results", "--page-size", "501", "--out", "x.jsonl"],
            "invalid --page-size: must be an integer from 1 to 500",
        ),
        (["harvest", "results", "--out", "x.txt"], "--format"),
        (["harvest", "results", "--email", "not-an-email", "--out", "x.jsonl"], "must be an e-mail address"),
    ],
)
def test_invalid_parameters_exit_2_before_anything_is_sent(
    sandbox: SandboxThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(sandbox, *args)
    assert result.exit_code in (1, 2)
    assert message in result.output
    assert len(sandbox.sandbox.requests) == 0


def test_a_mistyped_harvest_leaves_the_output_alone(sandbox: SandboxThread, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    out.write_bytes(b'{"keep":"me"}\n')
    result = cli(sandbox, "harvest", "results", "--assessment", "3", "--email", "a@b.co", "--out", str(out))
    assert result.exit_code == 2
    assert "give one of them, not both" in result.stderr
    assert "--resume" not in result.output
    assert out.read_bytes() == b'{"keep":"me"}\n'


def test_an_unfinished_harvest_is_not_overwritten_without_restart(
    slow_sandbox: SandboxThread, tmp_path: Path
) -> None:
    out = tmp_path / "r.jsonl"
    process = spawn(slow_sandbox, "results", "--out", str(out))
    wait_for(lambda: lines_in(out) >= 30, process)
    process.kill()
    process.communicate()  # reaps it and closes its pipes
    kept = out.read_bytes()
    refused = cli(slow_sandbox, "harvest", "results", "--out", str(out))
    assert refused.exit_code == 1
    assert "holds an unfinished harvest" in refused.stderr
    assert out.read_bytes() == kept
    again = cli(slow_sandbox, "harvest", "results", "--out", str(out), "--restart", "--rate", "1000")
    assert again.exit_code == 0
    assert jsonl(out) == expected_records(slow_sandbox, "results")


def test_missing_credentials_exit_2(tmp_path: Path) -> None:
    env = {"METTL_PUBLIC_KEY": "", "METTL_PRIVATE_KEY": "", "METTL_SUBDOMAIN": ""}
    result = cli(None, "harvest", "tests", "--out", str(tmp_path / "t.jsonl"), env=env)
    assert result.exit_code == 2
    assert "configuration: missing --public-key (or $METTL_PUBLIC_KEY) and --private-key" in result.stderr


# -- secrets ------------------------------------------------------------------------------------


def test_no_key_or_signature_in_logs_or_files(certicheck_sandbox_factory: Factory, tmp_path: Path) -> None:
    faults = FaultConfig(rate=0.3, seed=2, kinds="e000,html5xx,drop,429", retry_after=0.01)
    sandbox = certicheck_sandbox_factory(
        SandboxConfig(applicants=80, faults=faults, private_key="PRIV-9f3b-secret")
    )
    outputs = [tmp_path / "r.jsonl", tmp_path / "r.csv", tmp_path / "r.sqlite"]
    texts = []
    for out in outputs:
        result = cli(sandbox, "--debug", "harvest", "results", "--out", str(out), "--rate", "1000")
        assert result.exit_code == 0, result.output
        texts.append(result.output)
    bad = cli(
        sandbox,
        "--debug",
        "harvest",
        "tests",
        "--out",
        str(tmp_path / "t.jsonl"),
        env={"METTL_PRIVATE_KEY": "PRIV-wrong-secret"},
    )
    texts.append(bad.output)
    logged = "\n".join(texts)
    assert "DEBUG mettl_async.session: GET" in logged  # the requests were logged
    assert "WARNING mettl_async.session: retrying" in logged
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    signatures = {r.params["asgn"] for r in sandbox.sandbox.requests if "asgn" in r.params}
    assert len(signatures) > 10
    for secret in ("PRIV-9f3b-secret", "PRIV-wrong-secret", sandbox.sandbox.config.public_key, *signatures):
        assert secret not in logged
        assert secret.encode() not in files


# -- sign, sandbox, demo ------------------------------------------------------------------------

SEED_PRIVATE = "zy98x765-4321-0987-654w-32v1u0987654"
SEED_PUBLIC = "ab12c345-6789-0123-456d-78e9f0123456"


def test_sign_reproduces_the_seed_vector() -> None:
    result = cli(
        None,
        "sign",
        "GET",
        "https://api.mettl.com/v2/account",
        f"ak={SEED_PUBLIC}",
        "ts=1635976200",
        env={"METTL_PRIVATE_KEY": SEED_PRIVATE},
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[1:4] == ["  GEThttps://api.mettl.com/v2/account", f"  {SEED_PUBLIC}", "  1635976200"]
    assert "asgn on the wire: v4%2BlYYoZTdoeFV9XSTehS1MLRpBmjTRqQqKGizlHIN8%3D" in lines
    assert (
        "request: GET https://api.mettl.com/v2/account?ak=ab12c345-6789-0123-456d-78e9f0123456&ts=1635976200"
        "&asgn=v4%2BlYYoZTdoeFV9XSTehS1MLRpBmjTRqQqKGizlHIN8%3D"
    ) in lines


def test_sign_adds_ak_and_ts_only_when_absent() -> None:
    before = int(time.time())
    result = cli(
        None,
        "sign",
        "POST",
        "https://h/api/v2/loginApplicant",
        "email=a+b@x.com",
        env={"METTL_PRIVATE_KEY": "k", "METTL_PUBLIC_KEY": "PUB"},
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    ts = int(lines[4].strip())
    assert before <= ts <= before + 2
    assert lines[2:4] == ["  PUB", "  a+b@x.com"]
    assert any(
        line.startswith("body (application/x-www-form-urlencoded): ak=PUB&email=a%2Bb%40x.com&ts=")
        for line in lines
    )


def test_sign_needs_the_private_key_from_the_environment() -> None:
    result = cli(None, "sign", "GET", "https://h/x", env={"METTL_PRIVATE_KEY": ""})
    assert result.exit_code == 2
    assert "METTL_PRIVATE_KEY" in result.output


@pytest.fixture
def sandbox_process() -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "mettl_async", "sandbox", "--port", "0", "--applicants", "40"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    _, exports = read_banner(process.stdout)
    yield process, exports
    if process.poll() is None:
        process.kill()
    process.communicate()


def test_sandbox_command_serves_with_the_printed_credentials(
    sandbox_process: tuple[subprocess.Popen[str], dict[str, str]], tmp_path: Path
) -> None:
    process, exports = sandbox_process
    assert exports["METTL_BASE_URL"].startswith("http://127.0.0.1:")
    result = cli(None, "harvest", "tests", "--out", str(tmp_path / "t.jsonl"), env=exports)
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "t.jsonl").read_bytes().splitlines()) == 10
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=10)
    assert process.returncode == 0


def test_demo_needs_no_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("METTL_PUBLIC_KEY", "METTL_PRIVATE_KEY", "METTL_SUBDOMAIN", "METTL_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    result = cli(None, "demo", "--applicants", "200", "--faults", "0")
    assert result.exit_code == 0, result.output
    assert "harvested 200 records in 10 pages to mettl-demo.jsonl" in result.stdout
    assert len((tmp_path / "mettl-demo.jsonl").read_bytes().splitlines()) == 200
    assert "\r" not in result.stderr  # not a terminal: no progress display


def test_help_everywhere() -> None:
    for command in ([], ["harvest"], ["sandbox"], ["demo"], ["sign"]):
        result = cli(None, *command, "--help")
        assert result.exit_code == 0
        assert "Usage:" in result.stdout
    harvest_help = cli(None, "harvest", "--help").stdout
    assert "METTL_PRIVATE_KEY" in harvest_help
    assert "enrolled (Mettl CertiCHECK v2): applicants enrolled" in " ".join(harvest_help.split())
