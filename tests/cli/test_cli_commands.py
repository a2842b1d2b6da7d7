"""The mettl-async command's other commands: sign reproduces the seed vector and adds only what is
absent, sandbox serves with the credentials it prints, demo needs none, and every command has help."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.banner import read_banner
from tests.support.cli_support import cli

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
