"""Killed at any point and run again, an onboarding lands every row exactly once.

CertiCHECK applicants and REST candidates from CSV, through 15 % faults (errors, 5xx, throttles,
dropped connections, answers cut after the server acted) and writes whose answer is lost after
acting, SIGKILLed at chosen and at random points and run again until done: at the end every row
is registered, the report is right for every row, and no row was in two calls the sandbox acted
on (counted at the server, from the requests it carried out).

The soak session (``nox -s soak``, ``METTL_SOAK=1``) runs 2,000 rows of each and more kills.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from mettl_async.testing import AfterActing, FaultConfig, SandboxThread
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig
from mettl_async.testing.mettl_rest import MettlRestConfig, MettlRestSandbox
from tests.support.onboarding import environment, read_report, write_csv

SOAK = bool(os.environ.get("METTL_SOAK"))
ROWS = 2000 if SOAK else 200
KILLS = 8 if SOAK else 3
CRASHING = Path(__file__).parents[1] / "support" / "onboard_crashing.py"
FAULTS = FaultConfig(rate=0.15, seed=18, slow_seconds=0.01, retry_after=0.01)
LOST = AfterActing(count=1, rate=0.05, seed=18)  # the first write, then one in 20


def command(operation: str, sheet: Path, *extra: str) -> list[str]:
    # --rate: the server's limit is known, so a 429 fault does not make the client look for it
    report = str(sheet.with_suffix(".report.csv"))
    return ["onboard", operation, str(sheet), "--report", report, "--rate", "500", *extra]


def run(sandbox: SandboxThread, args: list[str], crash: tuple[str, int] | None = None) -> int:
    head = [sys.executable, "-m", "mettl_async"]
    if crash is not None:
        head = [sys.executable, str(CRASHING), crash[0], str(crash[1]), "--"]
    done = subprocess.run(
        [*head, *args], env=os.environ | environment(sandbox), capture_output=True, text=True, timeout=300
    )
    return done.returncode


def kill_at_random(sandbox: SandboxThread, args: list[str], rng: random.Random) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mettl_async", *args],
        env=os.environ | environment(sandbox),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(rng.uniform(0.4, 1.5))
    process.kill()
    process.wait()


def until_done(sandbox: SandboxThread, args: list[str]) -> None:
    """Run again until the run ends well (a run may stop when a fault outlasts its retries)."""
    for _ in range(12):
        if run(sandbox, args) == 0:
            return
    pytest.fail("the onboarding did not finish in 12 runs")


def acted_per_email(platform: Any, path: str) -> Counter[str]:
    """How many carried-out registration calls held each e-mail address."""
    counts: Counter[str] = Counter()
    for request in platform.requests:
        if request.method == "POST" and request.acted and request.raw_path.split("?")[0].endswith(path):
            for detail in orjson.loads(request.params["rd"])["registrationDetails"]:
                counts[detail["Email Address"].lower()] += 1
    return counts


def people(tmp_path: Path, rows: int) -> tuple[Path, list[str]]:
    emails = [f"person{i}@example.org" for i in range(rows)]
    sheet = write_csv(
        tmp_path / "people.csv", ["email", "First Name"], [[e, e[:8]] for e in emails], bom=True
    )
    return sheet, emails


def check_landed_once(sheet: Path, emails: list[str], acted: Counter[str]) -> None:
    assert acted == Counter(dict.fromkeys(emails, 1))  # each once, in a call the server carried out
    report = read_report(sheet.with_suffix(".report.csv"))
    assert [r["email"] for r in report] == emails
    assert Counter(r["outcome"] for r in report) == Counter({"done": len(emails)})


def onboard_under_kills(sandbox: SandboxThread, args: list[str], seed: str) -> None:
    for point, nth in (("after-sent", 1), ("after-call", 2), ("after-call", 3)):
        assert run(sandbox, args, crash=(point, nth)) == -signal.SIGKILL
    rng = random.Random(seed)
    for _ in range(KILLS):
        kill_at_random(sandbox, args, rng)
    until_done(sandbox, args)


def test_certicheck_applicants_land_once_through_faults_and_kills(
    certicheck_sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(faults=FAULTS, drop_after_acting=LOST))
    platform = sandbox.get(CertiCheckSandbox)
    sheet, emails = people(tmp_path, ROWS)
    onboard_under_kills(sandbox, command("certicheck-register", sheet), "certicheck")
    check_landed_once(sheet, emails, acted_per_email(platform, "/registerApplicant"))
    assert all(email in platform.world.applicants for email in emails)
    assert platform.answers.dropped > 0  # answers were lost after the server acted
    written = sheet.with_suffix(".report.csv").read_bytes() + Path(f"{sheet}.journal.sqlite").read_bytes()
    for secret in (platform.config.private_key, platform.config.public_key):
        assert secret.encode() not in written


def test_rest_candidates_land_once_through_faults_and_kills(
    mettl_rest_sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = mettl_rest_sandbox_factory(MettlRestConfig(faults=FAULTS, drop_after_acting=LOST))
    platform = sandbox.get(MettlRestSandbox)
    key = next(iter(platform.world.schedules))
    sheet, emails = people(tmp_path, ROWS)
    onboard_under_kills(sandbox, command("mettl-register", sheet, "--schedule", key), "rest")
    check_landed_once(sheet, emails, acted_per_email(platform, f"/schedules/{key}/candidates"))
    held = platform.world.schedules[key].candidates
    assert all(email in held for email in emails)
    assert platform.answers.dropped > 0
