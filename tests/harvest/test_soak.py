"""Fault soak: a harvest through 15 % mixed faults equals a fault-free one, record for record.

Faults: E000, HTML 5xx, connections dropped before an answer and cut mid-body,
answers slower than the client's timeout, 429 bursts. The normal suite runs
2,000 records; ``nox -s soak`` runs 50,000 (``METTL_SOAK=1``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig

SOAK = bool(os.environ.get("METTL_SOAK"))
RECORDS = 50_000 if SOAK else 2_000
PAGE_SIZE = "100" if SOAK else "20"
MIXED = FaultConfig(
    rate=0.15, seed=2024, kinds="e000,html5xx,drop,cut,slow,429", slow_seconds=0.6, retry_after=0.1
)


def start_harvest(sandbox: SandboxThread, out: Path) -> subprocess.Popen[str]:
    args = ["harvest", "results", "--out", str(out), "--page-size", PAGE_SIZE, "--timeout", "0.3"]
    return subprocess.Popen(
        [sys.executable, "-m", "mettl_async", *args],
        env=os.environ | sandbox.exports(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def records(out: Path) -> list[bytes]:
    return sorted(
        orjson.dumps(orjson.loads(line), option=orjson.OPT_SORT_KEYS)
        for line in out.read_bytes().splitlines()
    )


@pytest.fixture(scope="module")
def clean_records(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    with SandboxThread(_platform(SandboxConfig(applicants=RECORDS))) as sandbox:
        out = tmp_path_factory.mktemp("clean") / "r.jsonl"
        process = start_harvest(sandbox, out)
        _, stderr = process.communicate(timeout=1800)
        assert process.returncode == 0, stderr
    return records(out)


def _platform(config: SandboxConfig) -> Any:
    from mettl_async.testing.certicheck import CertiCheckSandbox

    return CertiCheckSandbox(config)


@pytest.mark.timeout(3600)
def test_a_harvest_through_mixed_faults_equals_a_clean_one(
    clean_records: list[bytes], certicheck_sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=RECORDS, faults=MIXED))
    out = tmp_path / "r.jsonl"
    process = start_harvest(sandbox, out)
    summary, stderr = process.communicate(timeout=3000)
    assert process.returncode == 0, stderr
    assert records(out) == clean_records
    assert len(clean_records) == RECORDS
    seen = list(sandbox.sandbox.requests)
    injected = sandbox.sandbox.faults.injected
    assert all(count > 0 for count in injected.values()), injected
    assert not [r for r in seen if r.error_code == "E401"]  # no signature ever used twice
    retries = int(summary.split(" · ")[1].split()[0].replace(",", ""))
    assert retries >= sum(injected.values()) - injected[next(k for k in injected if k.value == "slow")]
    faults = {k.value: v for k, v in injected.items()}
    print(f"\nsoak: {RECORDS:,} records, {len(seen):,} requests, faults {faults}, {retries} retries")
    print(f"soak: 0 reused signatures; {summary.strip()}")


@pytest.mark.timeout(3600)
def test_two_concurrent_harvests_of_the_same_list_both_equal_a_clean_one(
    clean_records: list[bytes], certicheck_sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=RECORDS))
    outs = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    processes = [start_harvest(sandbox, out) for out in outs]
    for process in processes:
        _, stderr = process.communicate(timeout=3000)
        assert process.returncode == 0, stderr
    assert [records(out) for out in outs] == [clean_records, clean_records]
