"""Secrets never leave: with DEBUG logging and faults on, every CertiCHECK endpoint and every harvest
kind through the CLI; the private key and every signature the server saw are in no log line,
exception, repr, output file or checkpoint."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from mettl_async import MettlError, RetryPolicy
from mettl_async.certicheck.models import (
    AccountSettings,
    ApplicantRegistration,
    TestAllocation,
    TestRef,
    WeekendSlotSetting,
)
from mettl_async.certicheck.slots import (
    SlotHours,
    SlotWindowSpec,
)
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig

PRIVATE = "PRIV-5ec2e7-never-shown"
PUBLIC = "PUB-a11ce-never-shown"
FAULTS = FaultConfig(rate=0.3, seed=11, kinds="e000,html5xx,drop,429", retry_after=0.01)


@pytest.fixture
def sandbox(certicheck_sandbox_factory: Any) -> SandboxThread:
    config = SandboxConfig(applicants=60, public_key=PUBLIC, private_key=PRIVATE, faults=FAULTS)
    thread: SandboxThread = certicheck_sandbox_factory(config)
    return thread


def secrets_seen_by(sandbox: SandboxThread) -> list[str]:
    signatures = [r.params.get("asgn", "") for r in sandbox.sandbox.requests]
    return [PRIVATE, PUBLIC, *(s for s in signatures if s), *(quote(s, safe="") for s in signatures if s)]


def leaks(secrets: list[str], texts: list[str]) -> list[str]:
    return sorted({secret for secret in secrets for text in texts if secret in text})


async def test_every_endpoint_with_faults_and_debug_logging(
    sandbox: SandboxThread, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mettl_async")
    errors: list[BaseException] = []
    shown: list[str] = []
    window = SlotWindowSpec("W", "14 Jan, 30", "15 Jan, 30", [SlotHours(1, 2)])
    calls: list[Any] = []
    async with sandbox.client(retry=RetryPolicy(attempts=2, backoff_initial=0, jitter=0.01)) as client:
        calls = [
            client.timezones.list(),
            client.timezones.set_account_timezone("Asia/Kolkata"),
            client.account.get(),
            client.account.update(AccountSettings(weekend_slot_setting=WeekendSlotSetting(True))),
            client.applicants.register(
                [ApplicantRegistration("s1@x.org", {"First Name": "S"})], admin_verified=True
            ),
            client.applicants.change_tests([TestAllocation("app1@yopmail.com", add=[TestRef(101)])]),
            client.applicants.login_url("s1@x.org"),
            client.applicants.enrolled(150).to_list(),
            client.results.all(page_size=7).to_list(),
            client.results.of_assessment(101).to_list(),
            client.results.of_applicant("app1@yopmail.com").to_list(),
            client.results.of_applicant_in_assessment(101, "app1@yopmail.com"),
            client.slots.create(window),
            client.slots.windows().to_list(),
            client.slots.details(34561),
            client.slots.candidates(34561).to_list(),
            client.slots.book("app1@yopmail.com", 34561, 67, 101),
            client.slots.release("app1@yopmail.com", 101),
            client.slots.delete_window(152),
            client.tests.list().to_list(),
        ]
        for call in calls:
            try:
                await call
            except MettlError as error:
                errors.append(error)
        shown += [repr(client), repr(client.session), repr(client.session.auth), repr(client.stats)]
    for error in errors:
        shown += [str(error), repr(error), repr(getattr(error, "body", b""))]
    shown += [caplog.text, *(r.getMessage() for r in caplog.records)]
    assert len(sandbox.sandbox.requests) >= len(calls)
    assert any(r.fault is not None for r in sandbox.sandbox.requests)
    assert any("asgn=REDACTED" in r.getMessage() for r in caplog.records)
    assert leaks(secrets_seen_by(sandbox), shown) == []


@contextlib.contextmanager
def no_leaks_in(directory: Path, sandbox: SandboxThread) -> Iterator[list[str]]:
    texts: list[str] = []
    yield texts
    for path in directory.rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    assert leaks(secrets_seen_by(sandbox), texts) == []


@pytest.mark.parametrize(
    ("kind", "args"),
    [
        ("results", []),
        ("tests", ["--status", "UnPublished"]),
        ("slot-windows", []),
        ("enrolled", ["--slot-window", "150"]),
    ],
)
@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_every_kind_through_the_cli_with_debug(
    sandbox: SandboxThread, tmp_path: Path, kind: str, args: list[str], fmt: str
) -> None:
    env = os.environ | {
        "METTL_PUBLIC_KEY": PUBLIC,
        "METTL_PRIVATE_KEY": PRIVATE,
        "METTL_SUBDOMAIN": "sandbox",
        "METTL_BASE_URL": sandbox.base_url,
    }
    out = tmp_path / f"out.{fmt}"
    with no_leaks_in(tmp_path, sandbox) as texts:
        result = subprocess.run(
            [sys.executable, "-m", "mettl_async", "--debug", "harvest", kind, *args, "--out", str(out)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        texts += [result.stdout, result.stderr]
    assert "asgn=REDACTED" in result.stderr  # the debug log ran
    assert result.returncode in (0, 1), result.stderr
