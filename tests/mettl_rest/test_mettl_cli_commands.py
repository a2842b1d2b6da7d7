"""The command line's other commands with the Mettl REST API: the seed vectors through ``sign``, the
demo, the sandbox command, and ``webhooks serve`` as a real process receiving a sandbox's posts."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from mettl_async.mettl_rest.specs import CandidateRegistration, ScheduleSpec
from mettl_async.testing.mettl_rest import MettlRestConfig
from mettl_async.testing.mettl_rest.lifecycle import Notification
from tests.support.banner import read_banner
from tests.support.mettl_support import StartRest, cli, platform

SEED_PUBLIC = "ab12c345-6789-0123-456d-78e9f0123456"
SEED_PRIVATE = "zy98x765-4321-0987-654w-32v1u0987654"


# -- sign: the seed vectors --------------------------------------------------------------------------


def test_sign_reproduces_seed_002_over_the_two_l_path() -> None:
    base = "https://api.mettl.com/v2/account/update-white-labell"
    params = (
        'wl={"headerBackgroundColor":"4C4794"}',
        'sn=["+91-82878-0340"]',
        f"ak={SEED_PUBLIC}",
        "ts=1635976200",
    )
    two = cli(None, "sign", "POST", base + "ing", *params, env={"METTL_PRIVATE_KEY": SEED_PRIVATE})
    one = cli(None, "sign", "POST", base[:-1] + "ing", *params, env={"METTL_PRIVATE_KEY": SEED_PRIVATE})
    assert two.exit_code == 0
    lines = two.stdout.splitlines()
    assert lines[1:6] == [
        "  POSThttps://api.mettl.com/v2/account/update-white-labelling",
        f"  {SEED_PUBLIC}",
        '  ["+91-82878-0340"]',
        "  1635976200",
        '  {"headerBackgroundColor":"4C4794"}',
    ]
    assert "asgn on the wire: 6GdB3azL4Q466GN0RGL21vxWchcZgzhklOXDRy8LSYY%3D" in lines
    assert "asgn on the wire: 6GdB3azL4Q466GN0RGL21vxWchcZgzhklOXDRy8LSYY%3D" not in one.stdout


def test_sign_reproduces_seed_001_and_signs_v1_with_sha1() -> None:
    url = "https://api.mettl.com/v2/account"
    seed = cli(
        None,
        "sign",
        "GET",
        url,
        f"ak={SEED_PUBLIC}",
        "ts=1635976200",
        env={"METTL_PRIVATE_KEY": SEED_PRIVATE},
    )
    assert "asgn on the wire: v4%2BlYYoZTdoeFV9XSTehS1MLRpBmjTRqQqKGizlHIN8%3D" in seed.stdout.splitlines()
    v1 = "https://api.mettl.com/v1/account"
    sha1 = cli(
        None,
        "sign",
        "GET",
        v1,
        f"ak={SEED_PUBLIC}",
        "ts=1635976200",
        "--sha1",
        env={"METTL_PRIVATE_KEY": SEED_PRIVATE},
    )
    text = f"GET{v1}\n{SEED_PUBLIC}\n1635976200".encode()
    digest = base64.b64encode(hmac.new(SEED_PRIVATE.encode(), text, hashlib.sha1).digest()).decode()
    assert f"signature (sha1, base64): {digest}" in sha1.stdout.splitlines()
    assert f"asgn on the wire: {quote(digest, safe='')}" in sha1.stdout.splitlines()


# -- demo, sandbox ------------------------------------------------------------------------------------


def test_demo_of_the_rest_api_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("METTL_PUBLIC_KEY", "METTL_PRIVATE_KEY", "METTL_API_BASE_URL", "METTL_API_VERSION"):
        monkeypatch.delenv(name, raising=False)
    result = cli(None, "demo", "--api", "mettl_rest", "--applicants", "100", "--faults", "0")
    assert result.exit_code == 0, result.output
    assert "Mettl REST API sandbox at http://127.0.0.1:" in result.stdout
    assert "harvested 56 records in 1 page to mettl-demo.jsonl" in result.stdout
    assert sorted(p.name for p in tmp_path.glob("*.jsonl")) == ["mettl-demo.jsonl"]


def test_demo_shows_every_platform_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(None, "demo", "--applicants", "60", "--faults", "0")
    assert result.exit_code == 0, result.output
    assert "harvested 60 records" in result.stdout
    assert "to mettl-demo-mettl_rest.jsonl" in result.stdout
    assert "harvested 60 records in 1 page to mettl-demo-proctorexam.jsonl" in result.stdout
    assert "mettl-async itep sandbox" in result.stdout  # how to try iTEP, in one line
    assert sorted(p.name for p in tmp_path.glob("*.jsonl")) == [
        "mettl-demo-mettl_rest.jsonl",
        "mettl-demo-proctorexam.jsonl",
        "mettl-demo.jsonl",
    ]


@contextlib.contextmanager
def sandbox_command() -> Iterator[tuple[subprocess.Popen[str], list[str], dict[str, str]]]:
    """``mettl-async sandbox`` (30 applicants) in a process of its own: the process, the lines it
    printed and the variables it exports; stopped by Ctrl-C at the end if it still runs."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mettl_async", "sandbox", "--port", "0", "--applicants", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed, exports = read_banner(process.stdout)
        yield process, printed, exports
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_the_sandbox_command_serves_proctorexam_too(tmp_path: Path) -> None:
    with sandbox_command() as (_, printed, exports):
        exports = {name: value for name, value in exports.items() if name.startswith("PROCTOREXAM")}
        out = tmp_path / "s.jsonl"
        result = cli(None, "harvest", "proctorexam-sessions", "--out", str(out), env=exports)
        assert result.exit_code == 0, result.output
        assert len(out.read_bytes().splitlines()) == 30
        assert "mettl-async itep sandbox" in printed[-1]


def test_the_sandbox_command_serves_the_rest_api_too(tmp_path: Path) -> None:
    with sandbox_command() as (process, printed, exports):
        assert exports["METTL_API_BASE_URL"].endswith("/mettl/v2")
        assert any("Mettl REST API sandbox at" in line for line in printed)
        out = tmp_path / "s.jsonl"
        result = cli(
            None, "harvest", "schedules", "--out", str(out), env=exports | {"METTL_API_VERSION": "v3"}
        )
        assert result.exit_code == 0, result.output
        assert len(out.read_bytes().splitlines()) == 12
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
        assert process.returncode == 0


# -- webhooks serve, a real process -----------------------------------------------------------------


def test_webhooks_serve_lands_a_sandboxs_posts_in_sqlite(
    mettl_rest_sandbox_factory: StartRest, tmp_path: Path
) -> None:
    out = tmp_path / "pushed.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-m", "mettl_async", "webhooks", "serve", "--port", "0", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"METTL_WEBHOOK_TOKEN": "tok-123", "PATH": "", "PYTHONPATH": ":".join(sys.path)},
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert "token required" in banner
        url = banner.split()[2].rstrip(",") + "?token=tok-123"
        assert url.startswith("http://127.0.0.1:")
        assert "/mettl?token" in url
        sandbox = mettl_rest_sandbox_factory(MettlRestConfig(candidates=4))
        rest = platform(sandbox)

        async def scenario() -> list[Any]:
            async with sandbox.client() as mettl:
                spec = ScheduleSpec(
                    name="Pushed",
                    test_start_notification_url=url,
                    test_finish_notification_url=url,
                    test_graded_notification_url=url,
                )
                created = await mettl.schedules.create(next(iter(rest.world.assessments)), spec)
                assert created.access_key is not None
                await mettl.candidates.register(created.access_key, [CandidateRegistration("p@example.org")])
            sent = await rest.complete(created.access_key, "p@example.org")
            sent.append(await rest.deliver(sent[-1]))  # a redelivery
            wrong = redirected(sent[-1], url.replace("tok-123", "nope"))
            sent.append(await rest.deliver(wrong))
            return sent

        sent = asyncio.run(scenario())
        assert [n.status for n in sent] == [200, 200, 200, 200, 401]
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()  # reaps it and closes its pipes
    with sqlite3.connect(out) as db:
        rows = db.execute("SELECT email, status, total_marks IS NOT NULL FROM mettl_results").fetchall()
    assert rows == [("p@example.org", "Completed", 1)]


def redirected(notification: Notification, url: str) -> Notification:
    """The same body, posted to another URL."""
    return Notification(url, notification.event, notification.body)
