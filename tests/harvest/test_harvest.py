"""Harvest pieces without a server: flattening, checkpoints, sinks, progress."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest

from mettl_async.core.errors import InputError
from mettl_async.core.paging_styles import PagePosition
from mettl_async.harvest import Checkpoint, HarvestError, format_for, open_sink
from mettl_async.harvest.progress import Counts, format_duration, render
from mettl_async.platforms import kinds

# Each kind's rows, as its model's fields declare them.
rows_of_result = kinds()["results"].flatten
rows_of_test = kinds()["tests"].flatten
rows_of_slot_window = kinds()["slot-windows"].flatten
rows_of_enrolled = kinds()["enrolled"].flatten

# Section 4.5 of the CertiCHECK document (its applicant, with a second certificate added).
APPLICANT = {
    "email": "applicant1@yopmail.com",
    "First Name": "Applicant1",
    "registration": {"First Name": "Applicant1"},
    "registrationDate": "2019-04-26",
    "certificates": [
        {
            "certificationName": "xxxxxx",
            "paymentDate": 1556263044217,
            "paymentDateString": "2019-04-26 12:47:24 IST",
            "testDate": 1556263070000,
            "testDateString": "2019-04-26 12:47:50 IST",
            "scorePercentage": 100.0,
            "certificationPassed": True,
            "amountPaid": {"amountPaid": 0.0, "currency": "USD"},
            "discountCoupon": None,
            "performanceCategory": None,
            "certificateCustomMessage": "",
        },
        {"certificationName": "yyyy", "paymentDate": 1556264508393, "newField": 7},
    ],
    "applicationStatus": None,
}
FINGERPRINT = {
    "kind": "results",
    "filters": {},
    "base_url": "http://x/api/v2",
    "subdomain": "s",
    "format": "jsonl",
}


def page(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {"email": f"a{i}@x.com", "certificates": [{"certificationName": "c", "paymentDate": i}]}
        for i in range(start, start + count)
    ]


def test_results_flatten_one_row_per_certificate_and_keep_unknown_keys() -> None:
    rows = rows_of_result(APPLICANT)
    assert [r["certification_name"] for r in rows] == ["xxxxxx", "yyyy"]
    assert [r["certificate_index"] for r in rows] == [0, 1]
    first = rows[0]
    assert first["payment_date"] == 1556263044217
    assert first["amount_paid"] == 0.0
    assert first["currency"] == "USD"
    assert first["certification_passed"] is True
    assert orjson.loads(first["registration"]) == {"First Name": "Applicant1"}
    assert orjson.loads(first["extra"]) == {"applicant": {"First Name": "Applicant1"}}
    assert orjson.loads(rows[1]["extra"])["certificate"] == {"newField": 7}
    assert tuple(first) == kinds()["results"].columns


def test_applicant_without_certificates_still_has_a_row() -> None:
    rows = rows_of_result({"email": "a@x.com", "certificates": None})
    assert len(rows) == 1
    assert rows[0]["email"] == "a@x.com"
    assert rows[0]["certification_name"] is None


def test_slot_windows_flatten_per_slot() -> None:
    window = {
        "slotWindowId": 154,
        "name": "W",
        "fromDate": "Jan 14, 2019 1:00:00 AM",
        "slots": [{"slotId": 1, "fromTime": "Jan 14, 2019 1:00:00 AM"}, {"slotId": 2}],
    }
    rows = rows_of_slot_window(window)
    assert [(r["slot_window_id"], r["slot_id"]) for r in rows] == [(154, 1), (154, 2)]
    assert rows[0]["from_date"] == "Jan 14, 2019 1:00:00 AM"
    assert rows[0]["extra"] is None


def test_enrolled_keeps_crf_as_sent() -> None:
    as_text = '{"Email Address":"app1000@yopmail.com"}'
    row = rows_of_enrolled(
        {"email": "e@x.com", "crf": as_text, "bookingTimezone": {"id": 67, "name": "India"}}
    )[0]
    assert row["crf"] == as_text
    assert row["booking_timezone_id"] == 67
    obj = rows_of_enrolled({"crf": {"a": "b"}})[0]
    assert orjson.loads(obj["crf"]) == {"a": "b"}


def test_tests_rows() -> None:
    assert rows_of_test({"testId": 124, "testName": "Whatever", "status": "Published"}) == [
        {"test_id": 124, "test_name": "Whatever", "status": "Published", "extra": None}
    ]


def test_format_from_extension() -> None:
    assert format_for(Path("a.jsonl"), None) == "jsonl"
    assert format_for(Path("a.CSV"), None) == "csv"
    assert format_for(Path("a.db"), None) == "sqlite"
    assert format_for(Path("a.txt"), "csv") == "csv"
    with pytest.raises(InputError, match="--format") as caught:
        format_for(Path("a.txt"), None)
    assert caught.value.field == "--out"


def test_checkpoint_round_trip() -> None:
    checkpoint = Checkpoint(FINGERPRINT, PagePosition(offset=40, limit=20), 40, 1234)
    again = Checkpoint.from_json(checkpoint.to_json())
    assert again == checkpoint
    assert not again.complete
    assert Checkpoint.from_json(Checkpoint(FINGERPRINT, None, 50, 9).to_json()).complete


def test_jsonl_resume_cuts_what_came_after_the_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    sink = open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=False)
    sink.write_page(page(0, 3), PagePosition(offset=3, limit=3))
    sink.close()
    with open(out, "ab") as f:  # a crash half-way through the next page
        f.write(b'{"email":"a3@x.com","certif')
    resumed = open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=True)
    assert resumed.resumed is not None
    assert resumed.resumed.next == PagePosition(offset=3, limit=3)
    assert resumed.records == 3
    resumed.write_page(page(3, 2), None)
    resumed.close()
    lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert lines == page(0, 5)
    assert Checkpoint.from_json(out.with_name("r.jsonl.checkpoint.json").read_bytes()).complete


def test_resume_of_another_harvest_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    sink = open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=False)
    sink.write_page(page(0, 1), PagePosition(offset=1, limit=1))
    sink.close()
    with pytest.raises(HarvestError, match="another harvest") as refused:
        open_sink(out, "jsonl", kinds()["results"], FINGERPRINT | {"subdomain": "other"}, resume=True)
    # said as text, not a Python dict
    assert f"subdomain {FINGERPRINT['subdomain']} (this run: other)" in str(refused.value)
    assert "{" not in str(refused.value)


def test_resume_refuses_an_output_shorter_than_its_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    sink = open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=False)
    sink.write_page(page(0, 2), PagePosition(offset=2, limit=2))
    sink.close()
    out.write_bytes(b"")
    with pytest.raises(HarvestError, match="shorter"):
        open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=True)


def test_fresh_run_replaces_old_output_and_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    for _ in range(2):
        sink = open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=False)
        sink.write_page(page(0, 2), None)
        sink.close()
    assert len(out.read_bytes().splitlines()) == 2


def test_csv_has_documented_header_and_one_row_per_certificate(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    sink = open_sink(out, "csv", kinds()["results"], FINGERPRINT | {"format": "csv"}, resume=False)
    sink.write_page([APPLICANT], None)
    sink.close()
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert tuple(rows[0]) == ("account", *kinds()["results"].columns)
    assert len(rows) == 3
    assert rows[1][0] == ""  # the fingerprint names no account
    assert rows[1][rows[0].index("certification_passed")] == "true"
    assert rows[1][rows[0].index("performance_category")] == ""
    assert sink.records == 1


def test_sqlite_upserts_on_the_natural_key(tmp_path: Path) -> None:
    out = tmp_path / "r.sqlite"
    fingerprint = FINGERPRINT | {"format": "sqlite"}
    for _ in range(2):  # a re-run without --resume
        sink = open_sink(out, "sqlite", kinds()["results"], fingerprint, resume=False)
        sink.write_page([APPLICANT, *page(0, 2)], PagePosition(offset=3, limit=3))
        sink.write_page(page(2, 1), None)
        sink.close()
    with sqlite3.connect(out) as db:
        assert db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 5
        record = db.execute("SELECT record FROM results WHERE certification_name = 'yyyy'").fetchone()[0]
        assert orjson.loads(record) == APPLICANT
        assert db.execute("SELECT records, next FROM mettl_harvest_checkpoints").fetchall() == [(4, None)]
    resumed = open_sink(out, "sqlite", kinds()["results"], fingerprint, resume=True)
    assert resumed.resumed is not None
    assert resumed.resumed.complete
    resumed.close()


def test_sqlite_checkpoint_and_rows_commit_together(tmp_path: Path) -> None:
    out = tmp_path / "r.sqlite"
    fingerprint = FINGERPRINT | {"format": "sqlite"}
    sink = open_sink(out, "sqlite", kinds()["results"], fingerprint, resume=False)
    sink.write_page(page(0, 2), PagePosition(offset=2, limit=2))
    with pytest.raises(TypeError):
        sink.write_page([{"email": "bad", "certificates": [object()]}], None)  # fails mid-page
    sink.close()
    resumed = open_sink(out, "sqlite", kinds()["results"], fingerprint, resume=True)
    assert resumed.resumed is not None
    assert resumed.resumed.next == PagePosition(offset=2, limit=2)
    assert resumed.records == 2
    resumed.close()


def test_format_duration() -> None:
    assert format_duration(7.4) == "0:07"
    assert format_duration(754) == "12:34"
    assert format_duration(3723) == "1:02:03"


def test_render_line_with_and_without_total() -> None:
    line = render(Counts(records=12345, pages=247, retries=3), elapsed=10.0)
    assert line == "12,345 records · 247 pages · 1,234 rec/s · 3 retries · 0:10"
    with_total = render(Counts(records=100, pages=1, total=300), elapsed=20.0, recent=10.0)
    assert with_total.endswith("ETA 0:20")  # at the recent pace, once ETA_AFTER has passed
    resumed = render(Counts(records=150, resumed_at=100), elapsed=10.0)
    assert "5 rec/s" in resumed
    assert render(Counts(records=1, pages=1, retries=1), elapsed=1.0).startswith(
        "1 record · 1 page · 1 rec/s · 1 retry"
    )


def test_an_unwritable_output_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HarvestError, match=r"cannot write .*No such file or directory"):
        open_sink(tmp_path / "missing" / "r.jsonl", "jsonl", kinds()["results"], FINGERPRINT, resume=False)


@pytest.mark.parametrize("content", [b"[]", b"{}", b"not json", b'{"fingerprint": 1}'])
def test_an_unreadable_checkpoint_is_a_harvest_error(tmp_path: Path, content: bytes) -> None:
    out = tmp_path / "r.jsonl"
    out.write_bytes(b"")
    (tmp_path / "r.jsonl.checkpoint.json").write_bytes(content)
    with pytest.raises(HarvestError, match=r"unreadable|another harvest"):
        open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=True)


def test_a_fresh_run_will_not_truncate_an_unfinished_harvest(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    sink = open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=False)
    sink.write_page(page(0, 2), PagePosition(offset=2, limit=2))
    sink.close()
    before = out.read_bytes()
    with pytest.raises(HarvestError, match=r"unfinished harvest.*--resume.*--restart"):
        open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=False)
    assert out.read_bytes() == before
    fresh = open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=False, restart=True)
    fresh.close()
    assert out.read_bytes() == before  # nothing is touched until a first page arrives
    fresh = open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=False, restart=True)
    fresh.write_page(page(5, 1), None)
    fresh.close()
    assert [orjson.loads(line) for line in out.read_bytes().splitlines()] == page(5, 1)


# -- crash points and resumes (defects 6 and 8) -----------------------------------------------


def finished_harvest(out: Path) -> bytes:
    sink = open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=False)
    sink.write_page(page(0, 3), PagePosition(offset=3, limit=3))
    sink.write_page(page(3, 2), None)
    sink.close()
    return out.read_bytes()


@pytest.mark.parametrize("damage", ["truncated", "deleted", "grown"])
def test_resume_never_calls_a_damaged_output_complete(tmp_path: Path, damage: str) -> None:
    """Defect: a crash between truncation and checkpoint removal left 0 bytes that --resume
    called "already complete: 500 records"; likewise a deleted output."""
    out = tmp_path / "r.jsonl"
    finished_harvest(out)
    if damage == "truncated":
        out.write_bytes(b"")
    elif damage == "deleted":
        out.unlink()
    else:
        with open(out, "ab") as f:
            f.write(b'{"email":"stray@x.com"}\n')
    with pytest.raises(HarvestError, match=r"run without --resume"):
        open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=True)


def test_a_fresh_run_removes_the_old_checkpoint_before_it_truncates(tmp_path: Path) -> None:
    """Every crash point of a fresh run over a finished one leaves no checkpoint that lies."""
    out = tmp_path / "r.jsonl"
    checkpoint = out.with_name("r.jsonl.checkpoint.json")
    finished_harvest(out)
    sink = open_sink(out, "jsonl", kinds()["results"], FINGERPRINT, resume=False, restart=True)
    assert checkpoint.exists()  # untouched until the first page
    seen: list[tuple[bool, int]] = []
    real_open = os.open

    def watching_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> Any:
        if Path(path) == out and flags & os.O_TRUNC:
            seen.append((checkpoint.exists(), out.stat().st_size))
        return real_open(path, flags, *args, **kwargs)

    os.open = watching_open
    try:
        sink.write_page(page(0, 1), None)
    finally:
        os.open = real_open
        sink.close()
    assert seen
    assert seen[0][0] is False  # the checkpoint was gone before the output was truncated


def test_a_run_that_fails_before_its_first_record_leaves_no_output(tmp_path: Path) -> None:
    for fmt, name in (("jsonl", "r.jsonl"), ("csv", "r.csv"), ("sqlite", "r.sqlite")):
        out = tmp_path / name
        sink = open_sink(out, fmt, kinds()["results"], FINGERPRINT | {"format": fmt}, resume=False)
        sink.close()
        assert not out.exists(), fmt


def test_an_unwritable_sqlite_output_names_the_path(tmp_path: Path) -> None:
    out = tmp_path / "r.sqlite"
    out.write_bytes(b"this is not a database, it is text" * 10)
    sink = open_sink(out, "sqlite", kinds()["results"], FINGERPRINT, resume=False)
    with pytest.raises(HarvestError, match=r"cannot write .*r\.sqlite"):
        sink.write_page(page(0, 1), None)
    sink.close()


# -- landing pushed events ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "sqlite"])
def test_landing_upserts_and_a_redelivery_is_not_a_second_record(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"events.{fmt}"
    kind = kinds()["results"]
    sink = open_sink(out, fmt, kind, {}, resume=False)
    assert sink.land(page(0, 2)) == 2
    assert sink.land(page(1, 2)) == 1  # a1 again (redelivered) and a2 new
    sink.close()
    again = open_sink(out, fmt, kind, {}, resume=False, restart=True)
    assert again.land(page(0, 3)) == 0  # the file already holds all three (read back at open)
    again.close()
    if fmt == "jsonl":
        assert sorted(orjson.loads(line)["email"] for line in out.read_bytes().splitlines()) == [
            "a0@x.com",
            "a1@x.com",
            "a2@x.com",
        ]
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read_text())))
        assert [r["email"] for r in rows] == ["a0@x.com", "a1@x.com", "a2@x.com"]
    else:
        with sqlite3.connect(out) as db:
            assert db.execute("SELECT count(*) FROM results").fetchone() == (3,)
