"""The dlt rows without dlt: column hints from each kind's declared types, typed cells, values a
column cannot hold kept in its text variant, and a natural key that NULLs cannot break."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mettl_async.core.errors import MettlError
from mettl_async.dlt.rows import (
    DATA_TYPES,
    PRIMARY_KEY,
    VARIANT_TEXT,
    Unfit,
    column_hints,
    dlt_row,
    dlt_rows,
    natural_key,
    typed_cell,
)
from mettl_async.harvest.columns import COLUMN_TYPES
from mettl_async.platforms import kinds
from tests.harvest.test_rows import KEYS, values
from tests.support.examples import examples

RESULTS = kinds()["results"]
#: What each dlt data type holds, as Python values.
HOLDS: dict[str, tuple[type, ...]] = {
    "bigint": (int,),
    "double": (int, float),
    "bool": (bool,),
    "text": (str,),
    "timestamp": (datetime,),
    "date": (date,),
    "json": (dict, list),
}


def test_every_declared_type_has_a_dlt_type() -> None:
    assert set(DATA_TYPES) == {*COLUMN_TYPES.values(), "json"}


@pytest.mark.parametrize("kind", list(kinds().values()), ids=list(kinds()))
def test_hints_name_every_column_with_its_declared_type(kind: Any) -> None:
    hints = column_hints(kind)
    assert list(hints) == [*PRIMARY_KEY, *kind.columns]
    for name in PRIMARY_KEY:
        assert hints[name] == {"data_type": "text", "nullable": False}
    for name in kind.columns:
        assert hints[name] == {"data_type": DATA_TYPES[kind.types[name]], "nullable": True}


def test_timestamps_and_dates_are_read_as_the_models_read_them() -> None:
    assert typed_cell("timestamp", 1556263044217) == datetime(2019, 4, 26, 7, 17, 24, 217000, tzinfo=UTC)
    assert typed_cell("timestamp", "Jan 14, 2019 1:00:00 AM") == datetime(2019, 1, 14, 1, 0, 0)
    assert typed_cell("date", "2019-04-26") == date(2019, 4, 26)


@pytest.mark.parametrize(
    ("declared", "cell", "text"),
    [
        ("timestamp", "soon", "soon"),
        ("date", "", ""),
        ("integer", "12", "12"),
        ("integer", True, "true"),
        ("number", "1.5", "1.5"),
        ("boolean", 1, "1"),
        ("boolean", "true", "true"),
    ],
)
def test_a_value_of_another_type_is_kept_as_text(declared: str, cell: Any, text: str) -> None:
    found = typed_cell(declared, cell)
    assert isinstance(found, Unfit)
    assert found.text == text


def test_numbers_where_text_was_declared_are_their_json_text() -> None:
    assert [typed_cell("text", cell) for cell in (12, 1.5, True, "as is")] == ["12", "1.5", "true", "as is"]


def test_json_cells_are_decoded_objects_and_lists_only() -> None:
    assert typed_cell("json", '{"First Name":"A"}') == {"First Name": "A"}
    assert typed_cell("json", "[1,2]") == [1, 2]
    for cell in ("0", '"text"', "not json", "true"):
        found = typed_cell("json", cell)
        assert isinstance(found, Unfit)
        assert found.text == cell


def test_integers_beyond_64_bits_are_kept_exactly_as_text() -> None:
    assert typed_cell("integer", 2**63 - 1) == 2**63 - 1
    assert typed_cell("integer", -(2**63)) == -(2**63)
    huge = typed_cell("integer", 2**63)
    assert isinstance(huge, Unfit)
    assert huge.text == str(2**63)
    text = '{"id":123456789012345678901234567890}'
    inside = typed_cell("json", text)
    assert isinstance(inside, Unfit)
    assert inside.text == text


def test_a_value_the_column_cannot_hold_moves_to_its_text_variant() -> None:
    kind = kinds()["tests"]
    row = dlt_row(kind, "acme", {"test_id": 10**30, "test_name": "T", "status": "Published", "extra": None})
    assert row["test_id"] is None
    assert row["test_id" + VARIANT_TEXT] == str(10**30)
    assert row["natural_key"] == f"[{10**30}]"


def test_the_natural_key_holds_nulls_as_json() -> None:
    rows = dlt_rows(RESULTS, "acme", [{"email": "a@x.com", "certificates": None}])
    assert [(row["account"], row["natural_key"]) for row in rows] == [("acme", '["a@x.com",null,null]')]
    assert rows[0]["certification_name"] is None
    assert natural_key(RESULTS, {"email": "a@x.com", "certification_name": "c", "payment_date": 5}) == (
        '["a@x.com","c",5]'
    )


def _fits(data_type: str, value: Any) -> bool:
    return value is None or (
        isinstance(value, HOLDS[data_type]) and not (data_type == "bigint" and isinstance(value, bool))
    )


@pytest.mark.parametrize("kind", list(kinds().values()), ids=list(kinds()))
@settings(max_examples=examples(40), deadline=None, suppress_health_check=list(HealthCheck))
@given(record=st.dictionaries(st.sampled_from(KEYS), values, max_size=10))
def test_every_cell_fits_its_column_or_its_text_variant(kind: Any, record: dict[str, Any]) -> None:
    """Any record of any kind (the records of tests/harvest/test_rows.py: the keys the kinds
    read, any JSON in them, integers beyond 64 bits): each cell is of its column's dlt type, or
    NULL with the value as text in the variant: dlt never has to guess."""
    try:
        flat_rows = kind.rows(record)
    except MettlError:
        return
    for flat, row in zip(flat_rows, dlt_rows(kind, "acme", [record]), strict=True):
        for name in kind.columns:
            data_type = DATA_TYPES[kind.types[name]]
            variant = row.get(name + VARIANT_TEXT)
            if variant is not None:
                assert row[name] is None
                assert isinstance(variant, str)
            else:
                assert _fits(data_type, row[name]), (name, row[name])
                assert (row[name] is None) == (flat[name] is None)
        assert orjson.loads(row["natural_key"]) is not None
