"""Columns come from the fields a model declares: names, prefixes, types, the exploded list, and
what lands in ``extra``; a declaration that cannot make rows is refused when the kind is made."""

from __future__ import annotations

from typing import Any

import attrs
import orjson
import pytest

from mettl_async.core.records import Record
from mettl_async.harvest.columns import layout
from mettl_async.platforms import PLATFORMS


@attrs.frozen(kw_only=True)
class Money(Record):
    amount: float | None = None
    currency: str | None = None


@attrs.frozen(kw_only=True)
class Item(Record):
    item_id: int | None = None
    price: Money | None = None


@attrs.frozen(kw_only=True)
class Order(Record):
    id: int | None = attrs.field(default=None, metadata={"column": "order_id"})
    code: str | None = attrs.field(default=None, metadata={"normalize": str.upper})
    total: Money | None = attrs.field(default=None, metadata={"prefix": ""})
    shipping: Money | None = None
    notes: dict[str, Any] | None = None
    secret: str | None = attrs.field(default=None, metadata={"column": False})
    items: list[Item] = attrs.field(factory=list, metadata={"prefix": "item_"})


def test_columns_are_the_declared_fields_with_their_types() -> None:
    made = layout(Order, label="order", explode="items", element="item", index="item_index")
    assert made.names == (
        "order_id", "code", "amount", "currency", "shipping_amount", "shipping_currency", "notes",
        "item_index", "item_id", "item_price_amount", "item_price_currency", "extra",
    )  # fmt: skip
    assert made.types["order_id"] == "integer"
    assert made.types["amount"] == "number"
    assert made.types["notes"] == "json"
    assert made.types["item_index"] == "integer"


def test_rows_read_values_as_sent_one_per_element_and_keep_the_rest() -> None:
    made = layout(Order, label="order", explode="items", element="item", index="item_index")
    record = {
        "id": 7,
        "code": "ab",
        "total": {"amount": 1.5, "currency": "EUR", "rate": 1},
        "notes": {"a": [1]},
        "secret": "s",
        "items": [{"itemId": 1}, {"itemId": 2, "price": {"amount": 3}, "color": "red"}],
    }
    first, second = made.rows(record)
    assert first["order_id"] == 7
    assert first["code"] == "AB"
    assert (first["amount"], first["currency"]) == (1.5, "EUR")
    assert first["notes"] == '{"a":[1]}'
    assert (first["item_index"], second["item_index"]) == (0, 1)
    assert second["item_price_amount"] == 3
    assert orjson.loads(first["extra"]) == {"order": {"secret": "s"}, "total": {"rate": 1}}
    assert orjson.loads(second["extra"])["item"] == {"color": "red"}


def test_a_list_of_another_shape_is_one_row_and_kept_whole() -> None:
    made = layout(Order, label="order", explode="items", element="item")
    (row,) = made.rows({"id": 1, "items": "none", "shipping": 5})
    assert row["item_id"] is None
    assert orjson.loads(row["extra"]) == {"order": {"items": "none", "shipping": 5}}


def test_two_fields_making_one_column_are_refused() -> None:
    @attrs.frozen(kw_only=True)
    class Clash(Record):
        amount: float | None = None
        total: Money | None = attrs.field(default=None, metadata={"prefix": ""})

    with pytest.raises(TypeError, match="two fields make the column 'amount'"):
        layout(Clash, label="clash")


def test_exploding_what_is_not_a_list_of_records_is_refused() -> None:
    with pytest.raises(TypeError, match=r"Order\.code is not a list of records"):
        layout(Order, label="order", explode="code")
    with pytest.raises(TypeError, match="Order has no field 'nothing'"):
        layout(Order, label="order", explode="nothing")


@pytest.mark.parametrize("kind", [k for p in PLATFORMS for k in p.kinds], ids=lambda k: k.name)
def test_every_kind_types_every_column_and_keys_on_columns(kind: Any) -> None:
    assert tuple(kind.types) == kind.columns
    assert set(kind.types.values()) <= {"integer", "number", "boolean", "text", "timestamp", "date", "json"}
    assert set(kind.key) <= set(kind.columns)
