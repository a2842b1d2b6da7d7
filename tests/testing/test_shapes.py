"""A shape writes a model's records under the keys the model declares (issue 15, item 2)."""

from __future__ import annotations

import attrs
import pytest

from mettl_async.core.records import Record, parse
from mettl_async.testing.shapes import OMIT, Shape, shapes


@attrs.frozen(kw_only=True)
class Inner(Record):
    total_marks: float | None = None


@attrs.frozen(kw_only=True)
class Outer(Record):
    slot_id: int | None = None
    name: str | None = None
    registration_fields: list[Inner] = attrs.field(factory=list, metadata={"key": "applicatnFields"})


@attrs.frozen(kw_only=True)
class Plain(Record):
    id: int | None = None
    status: str | None = None


INNER = Shape(Inner)
OUTER = Shape(Outer, extras=("First Name",), unsent=("name",))
PLAIN = Shape(Plain)


def test_a_field_s_key_is_its_declared_key_or_its_camel_case() -> None:
    assert OUTER.keys == {"slot_id": "slotId", "name": "name", "registration_fields": "applicatnFields"}
    assert OUTER.key("registration_fields") == "applicatnFields"
    assert OUTER.wire_keys == {"slotId", "name", "applicatnFields", "First Name"}
    with pytest.raises(KeyError, match="Outer has no field 'slotId'"):
        OUTER.key("slotId")  # a field is named by its name, not its key


def test_make_writes_the_fields_given_in_the_model_s_order() -> None:
    record = OUTER.make(name="Ann", slot_id=7)
    assert list(record) == ["slotId", "name"]
    assert OUTER.make(slot_id=None, name=OMIT) == {"slotId": None}  # None is null, OMIT is no key
    assert OUTER.make({"First Name": "Ann"}, slot_id=1) == {"slotId": 1, "First Name": "Ann"}
    nested = OUTER.make(registration_fields=[INNER.make(total_marks=2.5)])
    assert parse(Outer, nested) == Outer(registration_fields=[Inner(total_marks=2.5)])  # the model reads it


def test_make_refuses_what_the_model_does_not_declare() -> None:
    with pytest.raises(TypeError, match="slotId"):
        OUTER.make(slotId=1)
    with pytest.raises(KeyError, match="'Last Name' is not a declared extra"):
        OUTER.make({"Last Name": "Lee"})


def test_record_maps_field_names_in_the_order_given() -> None:
    record = OUTER.record({"First Name": "Ann", "registration_fields": [], "slot_id": 3})
    assert list(record.items()) == [("First Name", "Ann"), ("applicatnFields", []), ("slotId", 3)]
    with pytest.raises(KeyError, match="Outer has no field 'colour', nor is it a declared extra"):
        OUTER.record({"colour": "red"})


def test_where_every_key_is_its_field_s_name_a_mapping_is_its_own_record() -> None:
    values = {"id": 1, "status": "open"}
    assert PLAIN.record(values) is values


def test_each_model_has_one_shape_and_its_lists_are_checked() -> None:
    assert shapes()[Outer] is OUTER
    with pytest.raises(ValueError, match="Outer already has a shape"):
        Shape(Outer)

    @attrs.frozen(kw_only=True)
    class Other(Record):
        slot_id: int | None = None

    with pytest.raises(ValueError, match=r"Other declares \['slotId'\]: not an extra"):
        Shape(Other, extras=("slotId",))
    with pytest.raises(ValueError, match="Other has no field 'slotId' \\(unsent\\)"):
        Shape(Other, unsent=("slotId",))
    with pytest.raises(TypeError, match="not an attrs class"):
        Shape(dict)
