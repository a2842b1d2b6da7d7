"""``mettl-async onboard`` against the sandboxes: each operation lands every row once, says what
happened to each, and a re-run sends nothing that is settled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mettl_async.testing import AfterActing
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig
from tests.support.onboarding import onboard, read_report, write_csv


def people(count: int, start: int = 0) -> list[list[str]]:
    return [
        [f"new{i}@example.org", f"New {i}", f"Person{i}", f"ref-{i}"] for i in range(start, start + count)
    ]


HEADER = ["Email", "First Name", "last name", "context_data"]


def posts(platform: Any, path: str) -> list[Any]:
    return [r for r in platform.requests if r.method == "POST" and r.raw_path.split("?")[0].endswith(path)]


def test_certicheck_applicants_from_an_excel_export_are_registered_once(
    certicheck_sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig())
    platform = sandbox.get(CertiCheckSandbox)
    sheet = write_csv(tmp_path / "people.csv", HEADER, people(45), separator=";", bom=True)
    report = tmp_path / "report.csv"
    result = onboard(sandbox, "certicheck-register", str(sheet), "--report", str(report), "--no-send-email")
    assert result.exit_code == 0, result.output
    assert "certicheck-register: 45 rows: 45 done, 0 already there, 0 refused, 0 unknown" in result.output
    assert len(posts(platform, "/registerApplicant")) == 3
    rows = read_report(report)
    assert [r["Email"] for r in rows] == [p[0] for p in people(45)]
    assert {r["outcome"] for r in rows} == {"done"}
    assert all(
        r["value"].startswith("http://sandbox.mettl.info/applicant/account/createPassword") for r in rows
    )
    registered = platform.world.applicants["new7@example.org"]
    assert (registered.first_name, registered.last_name, registered.context_data) == (
        "New 7",
        "Person7",
        "ref-7",
    )
    again = onboard(sandbox, "certicheck-register", str(sheet), "--report", str(report), "--no-send-email")
    assert again.exit_code == 0, again.output
    assert "45 done" in again.output
    assert len(posts(platform, "/registerApplicant")) == 3  # nothing sent again


def test_a_lost_answer_is_read_back_and_not_sent_again(
    certicheck_sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(drop_after_acting=AfterActing(count=2)))
    platform = sandbox.get(CertiCheckSandbox)
    sheet = write_csv(tmp_path / "people.csv", HEADER, people(50))
    report = tmp_path / "report.csv"
    result = onboard(sandbox, "certicheck-register", str(sheet), "--report", str(report))
    assert result.exit_code == 0, result.output
    assert "50 rows: 50 done" in result.output
    calls = posts(platform, "/registerApplicant")
    assert len(calls) == 3  # the two calls whose answers were lost were not repeated
    assert all(c.acted for c in calls)
    rows = read_report(report)
    read_back = [r for r in rows if r["message"].startswith("read back")]
    assert len(read_back) == 40
    reads = [r for r in platform.requests if "/getApplicantResults/" in r.raw_path]
    assert len(reads) == 40
