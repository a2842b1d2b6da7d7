"""Everything that can be checked is checked before anything is sent: the file's form, every row,
duplicates, the account's registration fields; a dry run says what would be sent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mettl_async.cli import main
from mettl_async.core.errors import InputError
from mettl_async.harvest.locking import OutputLock
from mettl_async.onboard import InputFileError, journal_path, read_sheet
from mettl_async.onboard.source import separator_of
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig
from tests.support.onboarding import onboard, write_csv


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_excel_exports_are_read_whatever_their_separator(tmp_path: Path, separator: str) -> None:
    path = write_csv(
        tmp_path / "a.csv",
        ["Email", " First Name "],
        [["a@example.org", " Ann "], ["", ""], ["b@example.org", 'Bob "B", Jr']],
        separator=separator,
        bom=True,
    )
    sheet = read_sheet(path)
    assert sheet.columns == ("Email", "First Name")
    assert [(r.line, r.values) for r in sheet.rows] == [
        (2, {"Email": "a@example.org", "First Name": "Ann"}),
        (4, {"Email": "b@example.org", "First Name": 'Bob "B", Jr'}),
    ]


def test_jsonl_rows_are_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"email": "a@example.org", "test_id": 12}\n\n{"email": "b@example.org", "flag": true}\n')
    sheet = read_sheet(path)
    assert sheet.columns == ("email", "test_id", "flag")
    assert [r.values for r in sheet.rows] == [
        {"email": "a@example.org", "test_id": "12", "flag": ""},
        {"email": "b@example.org", "test_id": "", "flag": "true"},
    ]


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("a.csv", b"email,email\nx@y.zz,x@y.zz\n", "names column 'email' twice"),
        ("a.csv", b"email,\nx@y.zz,1\n", "column 2 of the header has no name"),
        ("a.csv", b"email\nx@y.zz,extra\n", "line 2 has 2 cells but the header names 1"),
        ("a.csv", b"email\n", "holds no rows"),
        ("a.csv", b"email\n\xe9@y.zz\n", "line 2 is not UTF-8 text"),
        ("a.jsonl", b'{"email": "x@y.zz"}\n[1]\n', "line 2 is not a JSON object"),
        ("a.jsonl", b'{"email": {"a": 1}}\n', "line 1, field 'email': must be text"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_naming_the_line(
    tmp_path: Path, name: str, data: bytes, said: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputFileError) as caught:
        read_sheet(path)
    assert said in caught.value.rule


def test_the_separator_is_the_headers_most_frequent() -> None:
    assert separator_of("email;First Name;Last, Name") == ";"
    assert separator_of("email") == ","
    assert separator_of("a\tb\tc,d") == "\t"


def test_bad_rows_duplicates_and_unknown_fields_are_refused_before_anything_is_sent(
    certicheck_sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig())
    platform = sandbox.get(CertiCheckSandbox)
    header = ["email", "First Name"]
    rows = [
        ["a@example.org", "Ann"],
        ["not-an-address", "Bob"],
        ["A@example.org", "Ann again"],
        ["c@example.org", ""],
    ]
    sheet = write_csv(tmp_path / "people.csv", header, rows)
    result = onboard(sandbox, "certicheck-register", str(sheet))
    assert result.exit_code == 2, result.output
    assert "3 problems, nothing was sent" in result.output
    assert "line 3, email: must be an e-mail address, got 'not-an-address'" in result.output
    assert "line 4 repeats line 2 (A@example.org)" in result.output
    assert "line 5, First Name: is required by the account and empty" in result.output
    misspelt = write_csv(tmp_path / "misspelt.csv", ["email", "Frist Name"], [["a@example.org", "Ann"]])
    result = onboard(sandbox, "certicheck-register", str(misspelt))
    assert result.exit_code == 2, result.output
    assert "Frist Name: is not one of the account's registration fields" in result.output
    missing = write_csv(tmp_path / "missing.csv", ["email", "Last Name"], [["a@example.org", "Smith"]])
    result = onboard(sandbox, "certicheck-register", str(missing))
    assert "First Name: is a registration field the account requires" in result.output
    assert not [r for r in platform.requests if r.method == "POST"]
    assert not list(tmp_path.glob("*.journal.sqlite"))


def test_a_dry_run_prints_the_calls_and_sends_nothing(
    certicheck_sandbox_factory: Any, tmp_path: Path
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig())
    platform = sandbox.get(CertiCheckSandbox)
    rows = [[f"p{i}@example.org", f"P {i}"] for i in range(41)]
    sheet = write_csv(tmp_path / "people.csv", ["email", "First Name"], rows)
    result = onboard(sandbox, "certicheck-register", str(sheet), "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(
        "call 1: registerApplicant, 20 rows (lines 2-21): p0@example.org, p1@example.org"
    )
    assert lines[2] == "call 3: registerApplicant, 1 row (line 42): p40@example.org"
    assert lines[3] == "dry run: 41 rows checked, 3 calls would be sent; nothing was sent"
    assert not [r for r in platform.requests if r.method == "POST"]
    assert not list(tmp_path.glob("*.journal.sqlite"))


def test_a_journal_continues_only_its_own_run(certicheck_sandbox_factory: Any, tmp_path: Path) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig())
    sheet = write_csv(tmp_path / "people.csv", ["email", "First Name"], [["a@example.org", "Ann"]])
    assert onboard(sandbox, "certicheck-register", str(sheet)).exit_code == 0
    write_csv(sheet, ["email", "First Name"], [["a@example.org", "Ann"], ["b@example.org", "Bob"]])
    result = onboard(sandbox, "certicheck-register", str(sheet))
    assert result.exit_code == 2, result.output
    assert "records another run (not the same: input)" in result.output
    other = onboard(sandbox, "certicheck-register", str(sheet), "--journal", str(tmp_path / "second.sqlite"))
    assert other.exit_code == 0, other.output


def test_an_id_column_takes_whole_numbers_only() -> None:
    from mettl_async.onboard.cells import identifier

    assert identifier({"Test_ID": "12.0"}, "test_id") == 12
    for bad in ("12.5", "-3", "0", "1" * 30, "١٢"):
        with pytest.raises(InputError):
            identifier({"test_id": bad}, "test_id")


def test_a_dry_run_that_reads_nothing_from_the_account_needs_no_credentials(tmp_path: Path) -> None:
    rows = [["a@example.org", "101"], ["a@example.org", "102"], ["b@example.org", "101"]]
    sheet = write_csv(tmp_path / "tests.csv", ["email", "test_id"], rows)
    result = CliRunner().invoke(
        main,
        ["onboard", "certicheck-allocate", str(sheet), "--dry-run"],
        env={"METTL_PUBLIC_KEY": "", "METTL_PRIVATE_KEY": "", "METTL_SUBDOMAIN": ""},
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "call 1: applicants/certificate, 2 rows (lines 2, 4): a@example.org test 101, b@example.org test 101",
        "call 2: applicants/certificate, 1 row (line 3): a@example.org test 102",
        "dry run: 3 rows checked, 2 calls would be sent; nothing was sent",
    ]


def test_one_run_at_a_time(certicheck_sandbox_factory: Any, tmp_path: Path) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig())
    sheet = write_csv(tmp_path / "people.csv", ["email", "First Name"], [["a@example.org", "Ann"]])
    held = OutputLock.acquire(journal_path(sheet))
    try:
        result = onboard(sandbox, "certicheck-register", str(sheet))
    finally:
        held.release()
    assert result.exit_code == 1, result.output
    assert "is being written by another process" in result.output
    assert not [r for r in sandbox.get(CertiCheckSandbox).requests if r.method == "POST"]


def test_other_commands_never_import_the_operations() -> None:
    # a long-running `webhooks serve` keeps them out of its heap (tests/webhooks/test_bounded_memory.py)
    code = (
        "import sys, mettl_async.cli; "
        "print(sorted(m for m in sys.modules if m.startswith('mettl_async.onboard')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
