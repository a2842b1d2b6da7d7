"""One writer per output, with real processes: a second harvest (or ``webhooks serve``) into an output
another process is writing is refused at once, naming that process; a killed writer blocks no one."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from mettl_async.harvest.locking import lock_path
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.cli_support import lines_in, wait_for

Factory = Callable[..., SandboxThread]
MAIN = [sys.executable, "-m", "mettl_async"]


def harvest_args(out: Path | str) -> list[str]:
    return [
        *MAIN,
        "harvest",
        "results",
        "--out",
        str(out),
        "--page-size",
        "5",
        "--concurrency",
        "1",
        "--quiet",
    ]


@pytest.fixture
def slow(certicheck_sandbox_factory: Factory) -> SandboxThread:
    """Every answer half a second late: 60 pages one at a time keep the first writer busy (30 s)
    while the others start, however loaded the machine; a test that is done with it makes the
    sandbox fast again (``faults.config``)."""
    return certicheck_sandbox_factory(
        SandboxConfig(applicants=300, faults=FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.5))
    )


def fast_again(sandbox: SandboxThread) -> None:
    """The sandbox answers at once from now on (its fault injector's settings are read per request)."""
    sandbox.sandbox.faults.config = FaultConfig()


def written(out: Path, fmt: str) -> int:
    """Records written so far (0 before the output exists)."""
    if fmt == "jsonl":
        return lines_in(out)
    try:
        with sqlite3.connect(out) as db:
            row = db.execute("SELECT records FROM mettl_harvest_checkpoints").fetchone()
    except sqlite3.Error:
        return 0
    return row[0] if row else 0


def content(out: Path, fmt: str) -> list[bytes]:
    if fmt == "jsonl":
        return sorted(
            orjson.dumps(orjson.loads(x), option=orjson.OPT_SORT_KEYS) for x in out.read_bytes().splitlines()
        )
    with sqlite3.connect(out) as db:
        return sorted(orjson.dumps(list(row)) for row in db.execute("SELECT * FROM results"))


def refused_at_once(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert time.monotonic() - started < 10, "refused at once, not after waiting"
    assert done.returncode == 1, done.stderr
    return done


@pytest.mark.parametrize("fmt", ["jsonl", "sqlite"])
def test_a_second_harvest_is_refused_naming_the_first(
    slow: SandboxThread, certicheck_sandbox_factory: Factory, tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / f"r.{fmt}"
    first = subprocess.Popen(
        harvest_args(out), env=os.environ | slow.exports(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_for(lambda: written(out, fmt) >= 10, first)
        second = refused_at_once(harvest_args(out), os.environ | slow.exports())
        assert f"{out} is being written by another process (pid {first.pid}, since " in second.stderr
        assert f"mettl-async harvest results --out {out})" in second.stderr
        resumed = refused_at_once([*harvest_args(out), "--resume"], os.environ | slow.exports())
        assert f"(pid {first.pid}," in resumed.stderr
        fast_again(slow)  # checked: the first may finish now
    except BaseException:
        first.kill()
        raise
    finally:
        _, stderr = first.communicate(timeout=120)  # the first writer finishes (or was killed)
    assert first.returncode == 0, stderr
    reference = tmp_path / f"reference.{fmt}"
    # the same world without the slow answers: the slowness was only there to keep the first busy
    fast = certicheck_sandbox_factory(SandboxConfig(applicants=300))
    assert (
        subprocess.run(harvest_args(reference), env=os.environ | fast.exports(), check=False).returncode == 0
    )
    assert content(out, fmt) == content(reference, fmt)  # the second writer wrote nothing
    assert not lock_path(out).exists()


def test_webhooks_serve_and_a_harvest_do_not_share_an_output(slow: SandboxThread, tmp_path: Path) -> None:
    out = tmp_path / "events.sqlite"
    serve = [*MAIN, "webhooks", "serve", "--port", "0", "--no-token", "--out", str(out)]
    server = subprocess.Popen(serve, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert server.stdout is not None
        assert b"receiving at" in server.stdout.readline()
        harvest = refused_at_once(harvest_args(out), os.environ | slow.exports())
        assert f"(pid {server.pid}, since " in harvest.stderr
        assert f"mettl-async webhooks serve --out {out})" in harvest.stderr
        second_server = refused_at_once(serve, os.environ.copy())
        assert f"(pid {server.pid}," in second_server.stderr
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
    assert server.returncode == 0
    assert not lock_path(out).exists()
    fast_again(slow)
    ran = subprocess.run(
        harvest_args(out), env=os.environ | slow.exports(), capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr  # the server is gone: the harvest may write now


def test_a_killed_writer_blocks_no_one(slow: SandboxThread, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    first = subprocess.Popen(
        harvest_args(out), env=os.environ | slow.exports(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_for(lambda: written(out, "jsonl") >= 10, first)
    finally:
        first.kill()
        first.communicate()
    assert orjson.loads(lock_path(out).read_bytes())["pid"] == first.pid  # left behind, not held
    fast_again(slow)
    resumed = subprocess.run(
        [*harvest_args(out), "--resume"],
        env=os.environ | slow.exports(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert len(content(out, "jsonl")) == 300
    assert not lock_path(out).exists()


def test_two_harvests_into_one_postgresql_table(slow: SandboxThread, postgres_url: str) -> None:
    import psycopg

    def checkpointed() -> int:
        try:
            with psycopg.connect(postgres_url) as db:
                row = db.execute("SELECT records FROM mettl_harvest_checkpoints").fetchone()
        except psycopg.Error:
            return 0
        return row[0] if row else 0

    first = subprocess.Popen(
        harvest_args(postgres_url),
        env=os.environ | slow.exports(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: checkpointed() >= 10, first)
        second = refused_at_once([*harvest_args(postgres_url), "--resume"], os.environ | slow.exports())
        assert "postgresql://mettl:***@127.0.0.1:" in second.stderr
        assert "(table results, this harvest) is being written by another process" in second.stderr
        assert f"(pid {first.pid}: mettl-async harvest results --out postgresql://" in second.stderr
        assert postgres_url.split(":")[2].split("@")[0] not in second.stderr  # the password
        fast_again(slow)
    except BaseException:
        first.kill()
        raise
    finally:
        _, stderr = first.communicate(timeout=120)  # the first writer finishes (or was killed)
    assert first.returncode == 0, stderr
    assert checkpointed() == 300
