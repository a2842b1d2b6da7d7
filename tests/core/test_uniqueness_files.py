"""Signed seconds shared by one user's processes through files (the command's store), and a
request whose second another process took using a recent second nobody used instead of losing
the rest of this one: back-to-back harvests no longer begin with a refused signature."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from mettl_async.core.auth import Stamp
from mettl_async.core.request import Request
from mettl_async.core.stamping import Stamper
from mettl_async.core.uniqueness import LocalUniqueness
from mettl_async.core.uniqueness_files import KEEP_SECONDS, LOOK_BACK, FileUniqueness, claim_name
from mettl_async.mettlfamily.signing import Credentials, MettlSigning
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig

NOW = 1_800_000_000


def store(directory: Path) -> FileUniqueness:
    """One process's view: its own in-process claims, the shared directory."""
    return FileUniqueness(directory, fallback=LocalUniqueness(tag=1))


async def test_a_second_claimed_by_one_process_is_refused_to_another(tmp_path: Path) -> None:
    first, second = store(tmp_path / "s"), store(tmp_path / "s")
    assert await first.claim(b"GET /tests", NOW)
    assert not await second.claim(b"GET /tests", NOW)
    assert not await first.claim(b"GET /tests", NOW)  # nor twice to the same one
    assert await second.claim(b"GET /tests", NOW + 1)
    assert await second.claim(b"GET /other", NOW)
    assert (tmp_path / "s" / claim_name(b"GET /tests", NOW)).exists()
    assert first.look_back == LOOK_BACK


async def test_claims_of_seconds_past_are_removed(tmp_path: Path) -> None:
    one = store(tmp_path / "s")
    assert await one.claim(b"k", NOW)
    assert await one.claim(b"k", NOW + KEEP_SECONDS + 1)
    assert sorted(os.listdir(tmp_path / "s")) == [claim_name(b"k", NOW + KEEP_SECONDS + 1)]


async def test_a_directory_others_may_enter_is_not_used(tmp_path: Path) -> None:
    shared = tmp_path / "s"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    one = store(shared)
    assert one.look_back == 0  # its own claims only: they forget past seconds
    assert await one.claim(b"k", NOW)
    assert os.listdir(shared) == []


class FixedClock:
    def __init__(self) -> None:
        self.now = NOW + 0.2

    def __call__(self) -> float:
        return self.now


async def test_a_request_signed_by_another_process_this_second_takes_a_recent_second(tmp_path: Path) -> None:
    auth = MettlSigning(Credentials("public", "private"))
    request = Request("GET", "/tests", {"limit": "10"})
    earlier_run = store(tmp_path / "s")
    key = auth.unique_key(request, "http://x/api/v2")
    assert key is not None
    assert await earlier_run.claim(key, NOW)  # its last request, in this very second
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    stamper = Stamper(auth, "http://x/api/v2", FixedClock(), store(tmp_path / "s"), lambda e: None, sleep)
    stamp = await stamper.stamp(request)
    assert stamp == Stamp(time=NOW + 0.2, second=NOW - 1)  # never ahead of the clock, and no wait
    assert slept == []
    again = await stamper.stamp(request)  # the same request once more: the next recent second
    assert again.second == NOW - 2


def test_back_to_back_harvests_refuse_no_signature(tmp_path: Path) -> None:
    with SandboxThread(CertiCheckSandbox(SandboxConfig(applicants=5))) as sandbox:
        config = sandbox.sandbox.config
        env = {k: v for k, v in os.environ.items() if not k.startswith("METTL_")} | {
            "METTL_PUBLIC_KEY": config.public_key,
            "METTL_PRIVATE_KEY": config.private_key,
            "METTL_SUBDOMAIN": config.subdomain,
            "METTL_BASE_URL": sandbox.base_url,
            "XDG_RUNTIME_DIR": str(tmp_path / "run"),
        }
        (tmp_path / "run").mkdir(mode=0o700)
        said = []
        for run in range(3):
            out = tmp_path / f"t{run}.jsonl"
            done = subprocess.run(
                [sys.executable, "-m", "mettl_async", "harvest", "tests", "--out", str(out)],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            said.append(done.stdout + done.stderr)
        refused = [r.error_code for r in sandbox.sandbox.requests if r.error_code is not None]
    assert all(re.search(r"· 0 retries ·", text) for text in said), said
    assert "signature already used" not in "".join(said)
    assert refused == []
