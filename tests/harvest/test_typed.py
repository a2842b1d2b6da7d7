"""Typed columns, schema growth and change tracking as pure functions: each value read into its
column's type by the field's own reader (a time that names no offset keeps its text beside it, a
value that does not fit is kept in ``extra``), the keys a run promotes to columns, what counts
as a change."""

from __future__ import annotations

from datetime import UTC, date, datetime

import orjson
import pytest

from mettl_async.harvest.cells import Cell, Misfit, read_cell
from mettl_async.harvest.changes import Change, Stored, Tally, classify, content_hash, feed_line
from mettl_async.harvest.reference import columns_text
from mettl_async.harvest.schema import column_for, inferred, promotions
from mettl_async.harvest.tables import POSTGRESQL, SQLITE, Promoted, design
from mettl_async.mettl_rest.models import parse_time
from mettl_async.platforms import kinds

INSTANT = datetime(2019, 4, 26, 7, 17, 24, 217000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kind", "sent", "read"),
    [
        ("integer", 7, Cell(7)),
        ("number", 100, Cell(100.0)),
        ("boolean", "true", Cell(True)),
        ("text", "a", Cell("a")),
        ("date", "2019-04-26", Cell(date(2019, 4, 26))),
        ("timestamp", 1556263044217, Cell(INSTANT)),
        ("timestamp", "1556263044217", Cell(INSTANT)),
        # the account's wall clock, which no response names: shown as it is, its text beside it
        ("timestamp", "Jan 14, 2019 1:00:00 AM", Cell(datetime(2019, 1, 14, 1), "Jan 14, 2019 1:00:00 AM")),
        (
            "timestamp",
            "2019-04-26 12:47:24 IST",
            Cell(datetime(2019, 4, 26, 12, 47, 24), "2019-04-26 12:47:24 IST"),
        ),
        ("timestamp", "2019-04-26T12:47:24+05:30", Cell(datetime(2019, 4, 26, 7, 17, 24, tzinfo=UTC))),
        ("json", {"a": [1]}, Cell('{"a":[1]}')),
        ("json", "text", Cell('"text"')),
        ("text", None, Cell(None)),
    ],
)
def test_a_value_is_read_into_its_column_type(kind: str, sent: object, read: Cell) -> None:
    assert read_cell(kind, sent) == read


def test_the_field_reader_is_the_one_the_client_uses() -> None:
    assert read_cell("timestamp", "Fri, 16 Aug 2024 13:14:21 GMT", parse_time) == Cell(
        datetime(2024, 8, 16, 13, 14, 21, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("kind", "sent"),
    [
        ("integer", 2**63),
        ("integer", 3.5),
        ("integer", True),
        ("number", "5"),
        ("boolean", "yes"),
        ("text", {"a": 1}),
        ("date", "yesterday"),
        ("timestamp", "soon"),
    ],
)
def test_a_value_that_does_not_fit_is_a_misfit(kind: str, sent: object) -> None:
    assert isinstance(read_cell(kind, sent).value, Misfit)


def test_a_record_splits_into_its_row_and_its_elements_keeping_misfits_in_extra() -> None:
    results = kinds()["results"]
    assert results.split is not None
    record = {
        "email": "a@x.org",
        "registrationDate": "2019-04-26",
        "New Key": 1,
        "certificates": [{"certificationName": "c", "paymentDate": 1556263044217, "scorePercentage": "n/a"}],
    }
    split = results.split(record)
    assert split.parent["registration_date"] == date(2019, 4, 26)
    assert orjson.loads(split.parent["extra"]) == {"applicant": {"New Key": 1}}
    (child,) = split.children
    assert (child["certificate_index"], child["payment_date"], child["score_percentage"]) == (
        0,
        INSTANT,
        None,
    )
    # the flat row's extra: the record's unnamed keys and the element's misfit, where a key would be
    assert orjson.loads(child["extra"]) == {
        "applicant": {"New Key": 1},
        "certificate": {"scorePercentage": "n/a"},
    }
    assert split.misfits == (("score_percentage", "not a number: 'n/a'"),)
    assert split.sent["email"] == "a@x.org"


def test_tables_are_typed_per_dialect_with_the_account_first() -> None:
    made = design(kinds()["slot-windows"])
    assert list(made.records.columns)[:3] == ["account", "_key", "slot_window_id"]
    assert made.records.key == ("account", "_key")
    assert made.children is not None
    assert made.children.name == "slot_windows_slots"
    assert made.children.key == ("account", "_key", "_index")
    assert made.records.columns["from_date"] == "timestamp"
    assert made.records.columns["from_date_text"] == "text"
    pg, lite = made.records.create(POSTGRESQL), made.records.create(SQLITE)
    for column in ('"from_date" timestamptz', '"status" boolean', '"capacity" bigint'):
        assert column in pg
    for column in ('"from_date" TEXT', '"status" INTEGER'):
        assert column in lite
    view = made.view_sql(SQLITE)
    assert view.startswith(
        'CREATE VIEW IF NOT EXISTS "slot_windows" AS SELECT p."account", p."slot_window_id"'
    )
    assert 'LEFT JOIN "slot_windows_slots" c' in view


def test_promoted_columns_come_after_the_declared_ones() -> None:
    made = design(kinds()["tests"], [Promoted("tier", "text", "tier"), Promoted("test_id", "integer", "x")])
    names = list(made.records.columns)
    assert names.index("tier") < names.index("extra")
    assert made.promoted == (Promoted("tier", "text", "tier"),)  # a declared name is not taken again


@pytest.mark.parametrize(
    ("key", "name"),
    [("First Name", "first_name"), ("loyaltyTier", "loyalty_tier"), ("9 lives", "x_9_lives"), ("--", None)],
)
def test_a_key_becomes_a_safe_column_name(key: str, name: str | None) -> None:
    assert column_for(key) == name


def test_keys_are_promoted_when_their_values_agree() -> None:
    found = {
        "tier": {"text", "null"},
        "score": {"integer", "number"},
        "mixed": {"text", "integer"},
        "nested": {"json"},
        "Taken": {"text"},
        "a b": {"text"},
        "a-b": {"text"},  # the same column twice: neither
    }
    assert promotions(found, {"taken"}) == [
        Promoted("score", "number", "score"),
        Promoted("tier", "text", "tier"),
    ]
    assert inferred({"null"}) is None


def test_a_change_is_a_change_of_content_not_of_key_order() -> None:
    assert content_hash({"a": 1, "b": [2]}) == content_hash({"b": [2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
    stored = Stored(content_hash({"a": 1}), gone=False, schema="s")
    assert classify(None, "h") is Change.NEW
    assert classify(stored, content_hash({"a": 1})) is Change.UNCHANGED
    assert classify(stored, content_hash({"a": 2})) is Change.CHANGED
    assert classify(Stored(stored.hash, gone=True, schema="s"), stored.hash) is Change.NEW  # back again


def test_the_summary_and_the_feed_say_what_changed() -> None:
    assert Tally(new=12, changed=3, unchanged=100, gone=1).text() == "new 12 · changed 3 · gone 1"
    line = feed_line("gone", "acme", "results", ("email",), '["a@x.org"]', {"email": "a@x.org"})
    assert orjson.loads(line) == {
        "change": "gone",
        "account": "acme",
        "kind": "results",
        "key": {"email": "a@x.org"},
        "record": {"email": "a@x.org"},
    }


def test_the_reference_lists_each_kind_with_its_types() -> None:
    text = columns_text(kinds()["results"])
    assert "table results_records: a row per record; key account, _key" in text
    assert "table results_certificates: a row per element of certificates" in text
    assert "payment_date                timestamp  timestamptz" in text
