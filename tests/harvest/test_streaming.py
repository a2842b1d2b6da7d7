"""``--out -`` and other streams, through real processes and real pipes: JSONL on stdout, messages on
stderr, no checkpoint; a reader that stops early ends the run quietly with 141."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from click.testing import CliRunner

from mettl_async.cli import main
from mettl_async.harvest import HarvestError, OutputClosedError
from mettl_async.itep.webhooks import parse
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from mettl_async.webhooks.landing import Landing
from tests.itep.test_itep_webhooks import FORM, GRADED, form

Factory = Callable[..., SandboxThread]
HARVEST = [sys.executable, "-m", "mettl_async", "harvest", "results", "--rate", "1000"]


def records(data: bytes) -> list[bytes]:
    return sorted(orjson.dumps(orjson.loads(line), option=orjson.OPT_SORT_KEYS) for line in data.splitlines())


@pytest.fixture
def sandbox(certicheck_sandbox_factory: Factory) -> SandboxThread:
    return certicheck_sandbox_factory(SandboxConfig(applicants=150))


@pytest.fixture
def expected(sandbox: SandboxThread, tmp_path: Path) -> list[bytes]:
    out = tmp_path / "reference.jsonl"
    done = subprocess.run(
        [*HARVEST, "--out", str(out)], env=os.environ | sandbox.exports(), capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return records(out.read_bytes())


def test_out_dash_pipes_jsonl_to_a_reader(
    sandbox: SandboxThread, expected: list[bytes], tmp_path: Path
) -> None:
    done = subprocess.run(
        [*HARVEST, "--out", "-", "--page-size", "20"],
        env=os.environ | sandbox.exports(),
        capture_output=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert records(done.stdout) == expected
    assert b"harvested 150 records in 8 pages to stdout" in done.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("-")]  # no "-", no checkpoint, no lock


def test_a_pipeline_into_head_ends_quietly_with_141(sandbox: SandboxThread, tmp_path: Path) -> None:
    """``mettl-async harvest results --out - | head -1`` under ``set -o pipefail``: one line out, the
    harvest's status is the conventional 141 of a writer whose reader left, and nothing on stderr."""
    command = " ".join([*HARVEST, "--out", "-", "--page-size", "5", "--quiet"])
    script = f"set -o pipefail; {command} 2>{tmp_path / 'stderr'} | head -1"
    done = subprocess.run(
        ["bash", "-c", script],
        env=os.environ | sandbox.exports(),
        capture_output=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 141
    assert len(done.stdout.splitlines()) == 1
    assert orjson.loads(done.stdout)["email"]
    assert (tmp_path / "stderr").read_bytes() == b""


def test_a_reader_closing_mid_run_is_not_a_traceback(
    certicheck_sandbox_factory: Factory, tmp_path: Path
) -> None:
    slow = certicheck_sandbox_factory(
        SandboxConfig(applicants=200, faults=FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.02))
    )
    process = subprocess.Popen(
        [*HARVEST, "--out", "-", "--page-size", "5"],
        env=os.environ | slow.exports(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()  # the reader has what it wanted
    stderr = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=60) == 141
    assert orjson.loads(first)["email"]
    assert b"Traceback" not in stderr
    assert b"Exception ignored" not in stderr
    assert b"--resume" not in stderr


def test_dev_stdout_redirected_to_a_file_or_a_pipe(
    sandbox: SandboxThread, expected: list[bytes], tmp_path: Path
) -> None:
    """``--out /dev/stdout`` writes without fsync and without a checkpoint (none beside /dev)."""
    command = " ".join([*HARVEST, "--out", "/dev/stdout"])
    target = tmp_path / "redirected.jsonl"
    done = subprocess.run(
        ["bash", "-c", f"{command} > {target}"],
        env=os.environ | sandbox.exports(),
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert records(target.read_bytes()) == expected
    assert b"harvested 150 records" in done.stderr
    piped = subprocess.run(
        [*HARVEST, "--out", "/dev/stdout"],
        env=os.environ | sandbox.exports(),
        capture_output=True,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert records(piped.stdout) == expected
    assert not Path("/dev/stdout.checkpoint.json").exists()
    assert not Path("/dev/stdout.lock").exists()


def test_resume_of_a_stream_is_a_usage_error(sandbox: SandboxThread) -> None:
    config = sandbox.sandbox.config
    env = {
        "METTL_PUBLIC_KEY": config.public_key,
        "METTL_PRIVATE_KEY": config.private_key,
        "METTL_SUBDOMAIN": config.subdomain,
        "METTL_BASE_URL": sandbox.base_url,
    }
    result = CliRunner().invoke(main, ["harvest", "results", "--out", "-", "--resume"], env=env)
    assert result.exit_code == 2
    assert "--resume needs a checkpoint, and stdout is a stream" in result.stderr
    assert result.stdout == ""
    assert len(sandbox.sandbox.requests) == 0
    csv = CliRunner().invoke(main, ["harvest", "results", "--out", "-", "--format", "csv"], env=env)
    assert csv.exit_code == 0
    assert csv.stdout.startswith("account,email,registration_date,")
    assert "harvested 150 records" not in csv.stdout  # the summary went to stderr


def test_help_says_what_a_stream_keeps() -> None:
    text = " ".join(CliRunner().invoke(main, ["harvest", "--help"]).stdout.split())
    assert "- for JSONL on stdout" in text
    assert "without fsync or checkpoint (no --resume)" in text
    assert "postgresql://user@host/db" in text


@pytest.fixture
def serving_to_stdout() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "mettl_async", "webhooks", "serve", "--port", "0", "--no-token", "--out", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    line = process.stderr.readline().decode()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    assert found, line
    yield process, f"http://127.0.0.1:{found.group(1)}"
    if process.poll() is None:
        process.kill()
    process.communicate()


async def test_webhooks_serve_lands_events_on_stdout(
    serving_to_stdout: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, base = serving_to_stdout
    assert process.stdout is not None
    async with aiohttp.ClientSession() as http:
        for _ in range(2):  # a redelivery is acknowledged, not written again
            async with http.post(f"{base}/itep", data=form(GRADED), headers={"Content-Type": FORM}) as answer:
                assert answer.status == 200
        line = process.stdout.readline()
        assert orjson.loads(line)["TestID"] == "123982B8AP"
        process.stdout.close()  # the reader leaves: the next event finds the pipe broken
        deadline = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < deadline:
            changed = form(GRADED | {"Status": "Review"})
            try:
                async with http.post(f"{base}/itep", data=changed, headers={"Content-Type": FORM}) as answer:
                    assert answer.status >= 500, await answer.text()  # not landed: delivered again later
            except aiohttp.ClientError:
                break  # the server stopped while answering
    assert process.wait(timeout=30) == 141


async def test_no_delivery_is_acknowledged_once_the_output_or_the_landing_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class BrokenPipe(io.BytesIO):
        def write(self, data: Any) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(BrokenPipe()))
    stopped: list[bool] = []
    landing = Landing("-", "jsonl", on_output_closed=lambda: stopped.append(True))
    with pytest.raises(OutputClosedError):
        await landing(parse(form(GRADED), FORM))
    assert stopped == [True]
    with pytest.raises(OutputClosedError):  # another event: refused, not written anywhere
        await landing(parse(form(GRADED | {"Status": "Review"}), FORM))
    landing.close()
    to_file = Landing(tmp_path / "e.jsonl", "jsonl")
    to_file.close()
    with pytest.raises(HarvestError, match="is closed"):
        await to_file(parse(form(GRADED), FORM))
    assert not (tmp_path / "e.jsonl").exists()
