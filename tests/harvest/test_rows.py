"""How records become rows (CSV, SQLite, PostgreSQL) when a server sends odd shapes: every
value a flat column holds is text, a number, a boolean or null, and every typed column holds
its own type; what cannot be flattened, and what does not fit its type (an integer beyond 64
bits, an object where text was declared), is kept whole in ``extra``. Nothing is lost, and
only the library's own errors can leave."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mettl_async.core.errors import MettlError
from mettl_async.core.jsoncodec import loads_exact
from mettl_async.harvest.cells import Misfit
from mettl_async.harvest.files import CsvSink
from mettl_async.harvest.kinds import HarvestKind
from mettl_async.harvest.sqlite import SqliteSink
from mettl_async.itep.harvest import RESULTS
from mettl_async.platforms import kinds
from tests.support.examples import examples

#: Keys the kinds flatten (nested objects and lists) or name, across platforms.
KEYS = [
    "email", "certificates", "amountPaid", "slots", "slotWindowId", "slotId", "testId", "status",
    "bookingTimezone", "crf", "access", "scheduleWindow", "accessKey", "testStatus", "result",
    "registration", "id", "name", "sections",
]  # fmt: skip
values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=12,
)
CELLS = (str, int, float, bool, type(None))


@pytest.mark.parametrize("kind", list(kinds().values()), ids=lambda k: k.name)
@settings(max_examples=examples(120), deadline=None, suppress_health_check=list(HealthCheck))
@given(record=st.dictionaries(st.sampled_from(KEYS), values, max_size=10))
def test_any_record_flattens_to_cells_or_a_library_error(kind: HarvestKind, record: dict[str, Any]) -> None:
    try:
        rows = kind.rows(record)
    except MettlError:
        return
    assert rows
    for row in rows:
        assert set(row) >= set(kind.columns)
        assert all(isinstance(value, CELLS) for value in row.values()), row


@pytest.mark.parametrize(
    ("kind", "record", "kept"),
    [
        (
            "results",
            {"email": "a@x.org", "certificates": "none yet"},
            {"applicant": {"certificates": "none yet"}},
        ),
        (
            "results",
            {"email": "a@x.org", "certificates": [1, {"x": 2}]},
            {"applicant": {"certificates": [1, {"x": 2}]}},
        ),
        (
            "results",
            {"email": "a@x.org", "certificates": [{"amountPaid": "99 USD"}]},
            {"certificate": {"amountPaid": "99 USD"}},
        ),
        ("slot-windows", {"slotWindowId": 1, "slots": True}, {"window": {"slots": True}}),
        (
            "enrolled",
            {"email": "a@x.org", "bookingTimezone": "IST"},
            {"applicant": {"bookingTimezone": "IST"}},
        ),
        (
            "schedules",
            {"accessKey": "k", "access": "open", "scheduleWindow": [1]},
            {"schedule": {"access": "open", "scheduleWindow": [1]}},
        ),
        ("schedule-results", {"accessKey": "k", "testStatus": "done"}, {"candidate": {"testStatus": "done"}}),
        ("schedule-results", {"accessKey": "k", "testStatus": {"result": 5}}, {"testStatus": {"result": 5}}),
    ],
)
def test_a_nested_value_of_another_shape_is_kept_whole_in_extra(
    kind: str, record: dict[str, Any], kept: dict[str, Any]
) -> None:
    (row,) = kinds()[kind].rows(record)
    assert orjson.loads(row["extra"]) == kept


@pytest.mark.parametrize("certificates", [[], [{}], None])
def test_no_certificates_is_one_row_with_nothing_in_extra(certificates: Any) -> None:
    (row,) = kinds()["results"].rows({"email": "a@x.org", "certificates": certificates})
    assert (row["email"], row["certificate_index"], row["extra"]) == ("a@x.org", 0, None)


def test_an_object_where_a_value_was_expected_is_written_as_json_text() -> None:
    (row,) = kinds()["tests"].rows({"testId": {"a": [1, 2]}, "testName": [1], "status": "Active"})
    assert (row["test_id"], row["test_name"], row["status"]) == ('{"a":[1,2]}', "[1]", "Active")


ODD = [
    {"testId": 123456789012345678901234567890, "testName": "thirty digits", "status": "Active"},
    {"testId": -(2**63) - 1, "testName": "below int64", "status": "Active"},
    {"testId": 7, "testName": {"en": "an object"}, "status": ["Active"]},
]


def land_odd_tests(sink_type: type[SqliteSink | CsvSink], path: Path) -> Path:
    """The :data:`ODD` tests written by a sink of ``sink_type`` to ``path``."""
    sink = sink_type(path, kinds()["tests"], {"harvest": "odd"}, resume=False)
    try:
        sink.write_page(ODD, None)
    finally:
        sink.close()
    return path


def test_sqlite_keeps_what_does_not_fit_a_typed_column_in_extra_exactly(tmp_path: Path) -> None:
    with sqlite3.connect(land_odd_tests(SqliteSink, tmp_path / "tests.sqlite")) as db:
        found = db.execute("SELECT test_id, test_name, status, extra, record FROM tests").fetchall()
    assert len(found) == 3  # three records, each its own key (the key is the value as sent)
    by_status = {(row[1], row[2]): row for row in found}
    thirty = by_status["thirty digits", "Active"]
    assert thirty[0] is None  # beyond SQLite's 64 bits: not in the integer column...
    assert loads_exact(thirty[3]) == {"test": {"testId": 123456789012345678901234567890}}  # ...but here
    assert '"testId":123456789012345678901234567890' in thirty[4]
    below = by_status["below int64", "Active"]
    assert (below[0], loads_exact(below[3])) == (None, {"test": {"testId": -(2**63) - 1}})
    odd = by_status[None, None]
    assert odd[0] == 7
    assert orjson.loads(odd[3]) == {"test": {"testName": {"en": "an object"}, "status": ["Active"]}}


def test_csv_writes_objects_as_json_text(tmp_path: Path) -> None:
    text = land_odd_tests(CsvSink, tmp_path / "tests.csv").read_text()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["account", "test_id"]
    assert rows[1][1:4] == ["123456789012345678901234567890", "thirty digits", "Active"]
    assert rows[3][1:4] == ["7", '{"en":"an object"}', '["Active"]']


#: What a typed column of each type holds (besides None): ``json`` holds JSON text.
TYPED = {
    "integer": (int,),
    "number": (float,),
    "boolean": (bool,),
    "text": (str,),
    "timestamp": (datetime,),
    "date": (date,),
    "json": (str,),
}


@pytest.mark.parametrize("kind", [*kinds().values(), RESULTS], ids=lambda k: k.name)
@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(record=st.dictionaries(st.sampled_from(KEYS), values, max_size=10))
def test_any_record_splits_into_typed_cells_or_a_library_error(
    kind: HarvestKind, record: dict[str, Any]
) -> None:
    assert kind.split is not None
    try:
        split = kind.split(record)
    except MettlError:
        return
    children = kind.children.types if kind.children else {}
    for row, types in [(split.parent, kind.types), *((child, children) for child in split.children)]:
        for name, value in row.items():
            declared = types.get(name, "text")  # a time's text beside it
            assert value is None or isinstance(value, TYPED[declared]), (name, value)
            assert value.__class__ is not Misfit
            if declared == "integer" and value is not None:
                assert -(2**63) <= value < 2**63
    for column, _ in split.misfits:  # what did not fit is in extra, never lost
        assert split.parent[column] is None if column in split.parent else True
        assert any(row["extra"] for row in [split.parent, *split.children])
