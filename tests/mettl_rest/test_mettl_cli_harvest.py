"""The harvest command with the Mettl REST API: every kind in every format, the API version's path
and digest, paging in v3 and the whole list in v2, required and foreign filters, the shared
--email, and a stopped harvest that resumes without loss or repeat."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest

from mettl_async.platforms import kinds, platform_of
from mettl_async.testing import SandboxError, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.mettl_support import StartRest, biggest_schedule, cli, platform, seen, start


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
