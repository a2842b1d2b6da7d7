"""The command line with the Mettl REST API: every kind in every format, resumable, the API
version, the shared --email, the seed vectors through ``sign``, the demo, the sandbox command,
and ``webhooks serve`` as a real process receiving a sandbox's posts."""

from __future__ import annotations

import asyncio
import base64
import csv
import hashlib
import hmac
import io
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
import pytest
from click.testing import CliRunner, Result

from mettl_async.cli import main
from mettl_async.mettl_rest.specs import CandidateRegistration, ScheduleSpec
from mettl_async.platforms import kinds, platform_of
from mettl_async.testing import SandboxError, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from mettl_async.testing.mettl_rest import MettlRestConfig
from mettl_async.testing.mettl_rest.lifecycle import Notification
from tests.support.banner import read_banner
from tests.support.mettl_support import StartRest, biggest_schedule, platform, seen, start

SEED_PUBLIC = "ab12c345-6789-0123-456d-78e9f0123456"
SEED_PRIVATE = "zy98x765-4321-0987-654w-32v1u0987654"


def env_for(sandbox: SandboxThread) -> dict[str, str]:
    config = platform(sandbox).config
    return {
        "METTL_PUBLIC_KEY": config.public_key,
        "METTL_PRIVATE_KEY": config.private_key,
        "METTL_API_BASE_URL": sandbox.base_url,
        "METTL_API_VERSION": "",
    }


def cli(sandbox: SandboxThread | None, *args: str, env: dict[str, str] | None = None) -> Result:
    environment = (env_for(sandbox) if sandbox else {}) | (env or {})
    return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)


def canonical(records: list[Any]) -> list[bytes]:
    return sorted(orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in records)


def jsonl(path: Path) -> list[bytes]:
    return canonical([orjson.loads(line) for line in path.read_bytes().splitlines()])


def kind_args(sandbox: SandboxThread, kind: str) -> list[str]:
    return {
        "assessments": [],
        "schedules": [],
        "schedule-results": ["--schedule", biggest_schedule(sandbox)],
        "candidate-results": ["--email", "cand0@example.com"],
    }[kind]


def expected(sandbox: SandboxThread, kind: str, filters: dict[str, Any], **client: Any) -> list[bytes]:
    async def collect() -> list[Any]:
        async with sandbox.client(**client) as mettl:
            paginator = kinds()[kind].open(mettl, filters, None)
            return [r async for page in paginator.pages() for r in page.records]

    return canonical(asyncio.run(collect()))


@pytest.fixture
def sandbox(mettl_rest_sandbox_factory: StartRest) -> SandboxThread:
    return start(mettl_rest_sandbox_factory, candidates=90, assessments=8)


REST_KINDS = [k for k in kinds() if platform_of(kinds()[k]).name == "mettl_rest"]


@pytest.mark.parametrize("kind", REST_KINDS)
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_each_kind_in_each_format(sandbox: SandboxThread, tmp_path: Path, kind: str, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    args = kind_args(sandbox, kind)
    result = cli(sandbox, "harvest", kind, "--out", str(out), "--page-size", "7", *args)
    assert result.exit_code == 0, result.output
    filters = {args[0].lstrip("-"): args[1]} if args else {}
    records = expected(sandbox, kind, filters)
    assert len(records) > 1
    assert f"harvested {len(records):,} records" in result.stdout
    if fmt == "jsonl":
        assert jsonl(out) == records
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out.read_text())))
        assert tuple(rows[0]) == ("account", *kinds()[kind].columns)  # the account first
        assert len(rows) - 1 == len(records)
    else:
        with sqlite3.connect(out) as db:
            table = kinds()[kind].table
            stored = canonical([orjson.loads(r) for (r,) in db.execute(f'SELECT record FROM "{table}"')])
        assert stored == records


def test_api_version_picks_the_path_and_the_digest(sandbox: SandboxThread, tmp_path: Path) -> None:
    out = tmp_path / "a.jsonl"
    result = cli(sandbox, "harvest", "assessments", "--out", str(out), "--api-version", "v1")
    assert result.exit_code == 0, result.output
    requests = seen(sandbox, "/assessments")
    assert requests
    assert all(r.raw_path.startswith("/mettl/v1/assessments") for r in requests)
    assert all(len(base64.b64decode(r.params["asgn"])) == 20 for r in requests)  # HMAC-SHA1
    bad = cli(sandbox, "harvest", "assessments", "--out", str(out), "--api-version", "v4")
    assert bad.exit_code == 2
    assert "v1" in bad.output


def test_candidate_results_pages_in_v3_and_reads_the_whole_list_in_v2(
    sandbox: SandboxThread, tmp_path: Path
) -> None:
    for version in ("v2", "v3"):
        out = tmp_path / f"{version}.jsonl"
        args = ("--email", "cand0@example.com", "--api-version", version, "--page-size", "1")
        result = cli(sandbox, "harvest", "candidate-results", "--out", str(out), *args)
        assert result.exit_code == 0, result.output
    assert jsonl(tmp_path / "v2.jsonl") == jsonl(tmp_path / "v3.jsonl")
    assert len(jsonl(tmp_path / "v2.jsonl")) == 2
    paths = [r.raw_path.split("?")[0].split("/")[2] for r in seen(sandbox, "/candidates/cand0")]
    assert paths[0] == "v2"  # the whole list at once
    assert paths[1:] == ["v3"] * (len(paths) - 1)
    assert len(paths) >= 4  # paged by one (a page may be fetched ahead, past the end)


def test_required_filters_and_filters_of_other_kinds(sandbox: SandboxThread, tmp_path: Path) -> None:
    out = str(tmp_path / "x.jsonl")
    missing = cli(sandbox, "harvest", "schedule-results", "--out", out)
    assert missing.exit_code == 2
    assert "--schedule: is required for schedule-results" in missing.output
    no_email = cli(sandbox, "harvest", "candidate-results", "--out", out)
    assert "--email: is required for candidate-results" in no_email.output
    other = cli(sandbox, "harvest", "assessments", "--out", out, "--schedule", "k")
    assert other.exit_code == 2
    assert "applies to schedule-results only" in other.output
    shared = cli(sandbox, "harvest", "assessments", "--out", out, "--email", "a@b.co")
    assert "applies to results and candidate-results only" in shared.output


def test_email_still_narrows_certicheck_results(
    certicheck_sandbox_factory: StartRest, tmp_path: Path
) -> None:
    certicheck = certicheck_sandbox_factory(SandboxConfig(applicants=30))
    config = certicheck.sandbox.config  # type: ignore[attr-defined]
    env = {
        "METTL_PUBLIC_KEY": config.public_key,
        "METTL_PRIVATE_KEY": config.private_key,
        "METTL_SUBDOMAIN": config.subdomain,
        "METTL_BASE_URL": certicheck.base_url,
    }
    email = next(iter(certicheck.sandbox.world.applicants.values())).email  # type: ignore[attr-defined]
    out = tmp_path / "r.jsonl"
    result = cli(None, "harvest", "results", "--out", str(out), "--email", email, env=env)
    assert result.exit_code == 0, result.output
    assert {orjson.loads(r)["email"] for r in jsonl(out)} == {email}


def test_a_stopped_harvest_resumes_without_loss_or_repeat(sandbox: SandboxThread, tmp_path: Path) -> None:
    rest = platform(sandbox)
    key = biggest_schedule(sandbox)
    honest = rest.authenticate

    def refuse_later_pages(request: Any, params: dict[str, Any]) -> None:
        honest(request, params)
        if int(params.get("offset", 0)) >= 21:
            raise SandboxError("E401", "Authentication failed/Signature mismatch")

    for fmt in ("jsonl", "sqlite"):
        out = tmp_path / f"r.{fmt}"
        rest.authenticate = refuse_later_pages  # type: ignore[method-assign]
        stopped = cli(
            sandbox, "harvest", "schedule-results", "--schedule", key, "--out", str(out), "--page-size", "7"
        )
        assert stopped.exit_code == 3
        assert "interrupted after 21 records" in stopped.output
        rest.authenticate = honest  # type: ignore[method-assign]
        resumed = cli(
            sandbox,
            "harvest",
            "schedule-results",
            "--schedule",
            key,
            "--out",
            str(out),
            "--page-size",
            "7",
            "--resume",
        )
        assert resumed.exit_code == 0, resumed.output
        assert "(resumed at 21)" in resumed.stdout
    records = expected(sandbox, "schedule-results", {"schedule": key})
    assert jsonl(tmp_path / "r.jsonl") == records
    with sqlite3.connect(tmp_path / "r.sqlite") as db:
        stored = canonical([orjson.loads(r) for (r,) in db.execute("SELECT record FROM mettl_results")])
    assert stored == records


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


def test_the_sandbox_command_serves_proctorexam_too(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mettl_async", "sandbox", "--port", "0", "--applicants", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed, exports = read_banner(process.stdout)
        exports = {name: value for name, value in exports.items() if name.startswith("PROCTOREXAM")}
        out = tmp_path / "s.jsonl"
        result = cli(None, "harvest", "proctorexam-sessions", "--out", str(out), env=exports)
        assert result.exit_code == 0, result.output
        assert len(out.read_bytes().splitlines()) == 30
        assert "mettl-async itep sandbox" in printed[-1]
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)


def test_the_sandbox_command_serves_the_rest_api_too(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mettl_async", "sandbox", "--port", "0", "--applicants", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed, exports = read_banner(process.stdout)
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
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


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
