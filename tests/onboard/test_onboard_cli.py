"""``mettl-async onboard`` against the sandboxes: each operation lands every row once, says what
happened to each, and a re-run sends nothing that is settled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from mettl_async.testing import AfterActing
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig
from mettl_async.testing.itep import ItepSandbox
from mettl_async.testing.itep import SandboxConfig as ItepConfig
from mettl_async.testing.mettl_rest import MettlRestConfig, MettlRestSandbox
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


def test_rest_candidates_each_get_their_own_outcome(mettl_rest_sandbox_factory: Any, tmp_path: Path) -> None:
    sandbox = mettl_rest_sandbox_factory(MettlRestConfig(registration_limit=25))
    platform = sandbox.get(MettlRestSandbox)
    key = next(iter(platform.world.schedules))
    there = next(iter(platform.world.schedules[key].candidates.values())).email
    rows = [[there, "Again", "", ""], *people(30)]
    sheet = write_csv(tmp_path / "candidates.csv", HEADER, rows)
    report = tmp_path / "report.csv"
    result = onboard(sandbox, "mettl-register", str(sheet), "--schedule", key, "--report", str(report))
    # 20 + 5 fit under the limit; the refused second call is sent again one row at a time, so
    # that each row gets the platform's own answer
    assert result.exit_code == 1, result.output
    assert "31 rows: 25 done, 1 already there, 5 refused, 0 unknown" in result.output
    got = {r["Email"]: (r["outcome"], r["message"]) for r in read_report(report)}
    assert got[there] == ("already there", "Already Registered")
    assert got["new0@example.org"][0] == "done"
    assert got["new29@example.org"] == ("refused", "E607: Candidate registration limit exceeded")
    candidates = platform.world.schedules[key].candidates
    assert "new24@example.org" in candidates
    assert "new25@example.org" not in candidates
    assert all(r["value"].startswith("https://") for r in read_report(report) if r["outcome"] == "done")


def test_an_itep_row_whose_answer_was_lost_is_unknown_and_never_sent_again(
    itep_sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = itep_sandbox_factory(ItepConfig(drop_after_acting=1))
    platform = sandbox.get(ItepSandbox)
    header = ["product_code", "email", "assigned_to", "First_Name"]
    rows = [
        ["GTX-Academic-Plus", "", '{"name": "Mary"}', "Mary"],
        ["STX-Business", "joe@example.org", "", "Joe"],
        ["GTX-Academic-Core", "", "", ""],
    ]
    sheet = write_csv(tmp_path / "orders.csv", header, rows)
    report = tmp_path / "report.csv"
    for _ in range(2):
        result = onboard(sandbox, "itep-fulfill", str(sheet), "--report", str(report))
        assert result.exit_code == 1, result.output
        assert "3 rows: 2 done, 0 already there, 0 refused, 1 unknown" in result.output
        assert len(platform.requests) == 3  # the lost one is not sent again, nor the others
    first, second, third = read_report(report)
    assert first["outcome"] == "unknown"
    assert "check the test IDs assigned in iTEP's administration system" in first["message"]
    issued = {t.test_id: t for t in platform.inventory.fulfilled()}
    assert len(issued) == 3  # the lost row did consume one
    assert (second["outcome"], third["outcome"]) == ("done", "done")
    assert issued[second["value"]].email == "joe@example.org"
    assert issued[third["value"]].product_code == "GTX-Academic-Core"
    assert platform.config.api_key not in report.read_text()


def test_tests_are_allocated_and_an_allocated_one_is_already_there(
    certicheck_sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig())
    platform = sandbox.get(CertiCheckSandbox)
    emails = [a.email for a in platform.world.applicants.values() if not a.tests & {102, 103}][:6]
    platform.world.applicants[emails[3]].tests.add(102)
    rows = [[email, "102", "Test 102"] for email in emails] + [[emails[0], "103", ""]]
    sheet = write_csv(tmp_path / "tests.csv", ["email", "test_id", "test_name"], rows)
    report = tmp_path / "report.csv"
    result = onboard(sandbox, "certicheck-allocate", str(sheet), "--report", str(report))
    assert result.exit_code == 0, result.output
    assert "7 rows: 6 done, 1 already there, 0 refused, 0 unknown" in result.output
    outcome = [(r["email"], r["test_id"], r["outcome"]) for r in read_report(report)]
    assert outcome[3] == (emails[3], "102", "already there")
    assert all(102 in platform.world.applicants[email].tests for email in emails)
    assert 103 in platform.world.applicants[emails[0]].tests
    # one e-mail twice cannot go in one call: app0's second row waited for the next
    assert [len(orjson.loads(c.params["atd"])["applicants"]) for c in posts(platform, "/certificate")][
        :2
    ] == [6, 1]


def test_a_slot_booked_before_its_answer_was_lost_is_read_back_and_released(
    certicheck_sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(drop_after_acting=1))
    platform = sandbox.get(CertiCheckSandbox)
    slot = next(s for w in platform.world.windows.values() if w.active for s in w.slots)
    header = ["email", "slot_id", "timezone_id", "assessment_id"]
    rows = [
        ["app0@yopmail.com", str(slot.slot_id), "67", "112"],
        ["app1@yopmail.com", str(slot.slot_id), "67", "102"],
    ]
    booking = write_csv(tmp_path / "book.csv", header, rows)
    result = onboard(sandbox, "certicheck-book", str(booking), "--report", str(tmp_path / "b.csv"))
    assert result.exit_code == 0, result.output
    assert "2 rows: 2 done" in result.output
    assert len(posts(platform, "/bookSlotsForApplicants")) == 2
    assert read_report(tmp_path / "b.csv")[0]["message"].startswith("read back")
    held = {(b.email, b.assessment_id) for b in platform.world.bookings}
    assert {("app0@yopmail.com", 112), ("app1@yopmail.com", 102)} <= held
    releasing = write_csv(tmp_path / "release.csv", ["email", "assessment_id"], [r[::3] for r in rows])
    released = onboard(sandbox, "certicheck-release", str(releasing))
    assert released.exit_code == 0, released.output
    assert "2 rows: 2 done" in released.output
    assert not {("app0@yopmail.com", 112), ("app1@yopmail.com", 102)} & {
        (b.email, b.assessment_id) for b in platform.world.bookings
    }
