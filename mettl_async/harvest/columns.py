"""How a model's records become rows: columns derived from the fields the model declares.

A field is declared once, on its model (``certicheck/models.py``…): its wire key,
its type, and how it lands (``metadata``):

* ``column``: the column's name (default: the field's name); ``False``: no column (the
  value stays in ``extra``).
* ``prefix``: for a nested object (a :class:`~mettl_async.core.records.Record` field), what
  its fields' columns are prefixed with when they are inlined into the row (default: the
  field's name and ``_``, so ``booking_timezone.id`` is ``booking_timezone_id``); for the
  exploded list, its elements' prefix (default none). A name that already starts with
  the prefix keeps it once (``slot_`` + ``slot_id`` is ``slot_id``).
* ``json``: keep a nested object as JSON text in one column instead of inlining it.
* ``normalize``: a function applied to the value as sent (a key that must compare alike).

Values are the API's as sent (epoch milliseconds stay numbers); objects and lists in a
value column become JSON text. A list of objects named by the kind's ``explode`` gives one
row per element, its fields inlined. Keys no column names go to the ``extra`` column as
JSON, by the object they came from, and an object (or list) that arrived in another shape
is kept whole there: a row loses nothing.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Union, get_args, get_origin

import attrs

from ..core.jsoncodec import dumps
from ..core.records import Record, wire_key

Row = dict[str, Any]

#: What a column holds, from its field's type (for typed outputs and the reference).
COLUMN_TYPES: dict[Any, str] = {
    int: "integer",
    float: "number",
    bool: "boolean",
    str: "text",
    datetime: "timestamp",
    date: "date",
}


@attrs.frozen
class Column:
    """One column: its name, where its value is (wire keys from the object of its level), its type."""

    name: str
    path: tuple[str, ...]
    type: str
    #: Whether the value comes from the exploded element rather than the record.
    element: bool = False
    normalize: Callable[[Any], Any] | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Part:
    """An object whose keys the columns name (``extra`` keeps the others under ``label``)."""

    label: str
    path: tuple[str, ...]
    known: frozenset[str]
    #: Keys of nested objects (and the exploded list) that must be objects (lists of objects).
    objects: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    element: bool = False


def _bare(kind: Any) -> Any:
    """``X | None`` -> ``X``; several types -> ``Any``."""
    if get_origin(kind) in (Union, types.UnionType):
        options = [a for a in get_args(kind) if a is not type(None)]
        return options[0] if len(options) == 1 else Any
    return kind


def _record_type(kind: Any) -> type[Record] | None:
    return kind if isinstance(kind, type) and issubclass(kind, Record) else None


def _listed_record(kind: Any) -> type[Record] | None:
    if get_origin(kind) is list and (args := get_args(kind)):
        return _record_type(_bare(args[0]))
    return None


def column_type(kind: Any) -> str:
    """The column type of a field's type: a scalar's own, ``text`` for a set of texts, else ``json``."""
    kind = _bare(kind)
    if get_origin(kind) is typing.Literal:
        return "text"
    return COLUMN_TYPES.get(kind, "json")


def _column_name(prefix: str, name: str) -> str:
    return name if name.startswith(prefix) else prefix + name


@attrs.frozen
class Layout:
    """The rows of one model's records: columns, the objects they read, the list exploded."""

    columns: tuple[Column, ...]
    parts: tuple[Part, ...]
    #: The wire key of the list that gives a row per element, and the index column, if any.
    explode: str | None = None
    index: str | None = None
    #: What one element of that list is, in words (``certificate``): a row is one of them.
    element: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Every column, ``extra`` last (and the element index before the element's columns)."""
        names = [c.name for c in self.columns if not c.element]
        if self.index:
            names.append(self.index)
        return (*names, *(c.name for c in self.columns if c.element), "extra")

    @property
    def types(self) -> dict[str, str]:
        found = {c.name: c.type for c in self.columns}
        return {name: found.get(name, "integer" if name == self.index else "json") for name in self.names}

    def rows(self, record: Mapping[str, Any]) -> list[Row]:
        """The record's rows (one, or one per element of the exploded list)."""
        elements = [None] if self.explode is None else _objects_of(record.get(self.explode))
        rows = []
        for index, element in enumerate(elements):
            row: Row = {}
            for column in self.columns:
                source = (element or {}) if column.element else record
                value = _dig(source, column.path)
                if value is not None and column.normalize is not None:
                    value = column.normalize(value)
                elif value is not None and column.type == "json" and not isinstance(value, str):
                    value = dumps(value).decode()  # a nested value in one column: its JSON text
                row[column.name] = value
            if self.index:
                row[self.index] = index if element is not None else 0
            row["extra"] = _extra(self.parts, record, element or {})
            rows.append(row)
        return [{name: row[name] for name in self.names} for row in rows]


def layout(
    model: type[Record],
    *,
    label: str,
    explode: str | None = None,
    element: str = "",
    index: str | None = None,
) -> Layout:
    """The layout of ``model``'s records. ``explode`` names the field (of a list of records) that
    gives one row per element, ``element`` labels its unnamed keys in ``extra``, ``index`` names a
    column holding the element's position."""
    columns: list[Column] = []
    parts: list[Part] = []
    exploded: str | None = None
    for field in _fields(model):
        if field.name == explode:
            listed = _listed_record(_bare(field.type))
            if listed is None:
                raise TypeError(f"{model.__name__}.{field.name} is not a list of records: cannot explode it")
            exploded = wire_key(field)
            prefix = str(field.metadata.get("prefix", ""))
            _collect(listed, (), prefix, element or field.name, columns, parts, element=True)
    _collect(model, (), "", label, columns, parts, element=False, skip=explode)
    if explode is not None and exploded is None:
        raise TypeError(f"{model.__name__} has no field {explode!r} to explode")
    names = [c.name for c in columns]
    twice = sorted({name for name in names if names.count(name) > 1 or name == index})
    if twice:
        raise TypeError(f"{model.__name__}: two fields make the column {twice[0]!r}; declare a column name")
    # The record's objects first, then the element's, as ``extra`` has always listed them.
    ordered = sorted(parts, key=lambda p: p.element)
    return Layout(tuple(columns), tuple(ordered), exploded, index, (element or explode) if exploded else None)


def _fields(model: type[Record]) -> list[attrs.Attribute[Any]]:
    attrs.resolve_types(model)
    return [f for f in attrs.fields(model) if f.name != "raw"]


def _collect(
    model: type[Record],
    path: tuple[str, ...],
    prefix: str,
    label: str,
    columns: list[Column],
    parts: list[Part],
    *,
    element: bool,
    skip: str | None = None,
) -> None:
    """Add ``model``'s columns (at ``path``, names prefixed) and the objects they read."""
    fields = [f for f in _fields(model) if f.metadata.get("column") is not False]
    nested = {f.name: _record_type(_bare(f.type)) for f in fields if not f.metadata.get("json")}
    objects = tuple(wire_key(f) for f in fields if nested.get(f.name) and f.name != skip)
    lists = tuple(wire_key(f) for f in fields if f.name == skip)
    parts.append(Part(label, path, frozenset(wire_key(f) for f in fields), objects, lists, element))
    for field in fields:
        key, meta, inner = wire_key(field), field.metadata, nested.get(field.name)
        if field.name == skip:
            continue
        if inner is not None:
            _collect(
                inner,
                (*path, key),
                prefix + str(meta.get("prefix", f"{field.name}_")),
                key,
                columns,
                parts,
                element=element,
            )
            continue
        name = _column_name(prefix, str(meta.get("column") or field.name))
        columns.append(Column(name, (*path, key), column_type(field.type), element, meta.get("normalize")))


def _dig(source: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = source
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _is_objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, Mapping) for item in value)


def _objects_of(value: Any) -> list[Mapping[str, Any] | None]:
    """The elements to give a row each; one row of nothing when there are none, or when the
    value is not a list of objects (``extra`` keeps it then)."""
    return list(value) if value and _is_objects(value) else [None]


def _extra(parts: tuple[Part, ...], record: Mapping[str, Any], element: Mapping[str, Any]) -> str | None:
    found: dict[str, dict[str, Any]] = {}
    for part in parts:
        source = _dig(element if part.element else record, part.path)
        if not isinstance(source, Mapping):
            continue
        unnamed = {k: v for k, v in source.items() if k not in part.known}
        for key in part.objects:
            value = source.get(key)
            if value is not None and not isinstance(value, Mapping):
                unnamed[key] = value
        for key in part.lists:
            value = source.get(key)
            if value is not None and not _is_objects(value):
                unnamed[key] = value
        if unnamed:
            found[part.label] = unnamed
    return dumps(found).decode() if found else None
