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

Flat rows (:meth:`Layout.rows`: CSV, the tables' views) hold the API's values as sent (epoch
milliseconds stay numbers); objects and lists in a value column become JSON text. A list of
objects named by the kind's ``explode`` gives one row per element, its fields inlined. Keys no
column names go to the ``extra`` column as JSON, by the object they came from, and an object (or
list) that arrived in another shape is kept whole there: a row loses nothing.

Typed rows (:meth:`Layout.split`: the SQLite and PostgreSQL tables) hold each value read into its
column's type by the field's own reader (:mod:`.cells`), the record's row apart from one row per
element of the exploded list (a child table); a value that does not fit its type stays in
``extra``, where an unknown key would be.
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
from .cells import Cell, Misfit, Reader, companion, converter

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
    #: The field's own reader (``metadata={"parse": …}``), else its type's (:mod:`.cells`).
    read: Reader | None = attrs.field(default=None, eq=False, repr=False)
    #: Where ``extra`` keeps a value that does not fit: its object's label (``applicant``…).
    label: str = ""
    #: The value read into the column's type (:func:`.cells.converter`).
    convert: Callable[[Any], Any] = attrs.field(init=False, eq=False, repr=False)
    #: The key of a value at the top of its object (most are), else ``None``.
    _key: str | None = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "convert", converter(self.type, self.read))
        object.__setattr__(self, "_key", self.path[0] if len(self.path) == 1 else None)

    def sent(self, source: Mapping[str, Any]) -> Any:
        """The value as sent (normalized when the field says so)."""
        value = source.get(self._key) if self._key is not None else _dig(source, self.path)
        if value is not None and self.normalize is not None:
            return self.normalize(value)
        return value


@attrs.frozen
class Children:
    """The child table of a layout: a row per element of the exploded list."""

    #: The list's field name (``certificates``, ``slots``): the child table's suffix.
    name: str
    #: The column holding the element's position (the declared index, else ``_index``).
    index: str
    #: The element's columns (with their types), ``extra`` last.
    types: Mapping[str, str]


@attrs.frozen
class Split:
    """A record as typed rows: its own, and one per element of its exploded list (``extra`` in each
    is that flat row's, so the view's ``extra`` is the child's, else the record's)."""

    parent: Row
    children: list[Row]
    #: The record's own columns' values as sent (its key is read from them).
    sent: Row
    #: ``(column, reason)`` for each value that did not fit its column (kept in ``extra``).
    misfits: tuple[tuple[str, str], ...] = ()


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
    #: The child table (the exploded list's), if any.
    children: Children | None = None
    #: The columns and objects of the record itself, and of an element (derived: read millions of times).
    _own: tuple[tuple[Column, ...], tuple[Part, ...]] = attrs.field(init=False, eq=False, repr=False)
    _of_element: tuple[tuple[Column, ...], tuple[Part, ...]] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        for name, element in (("_own", False), ("_of_element", True)):
            columns = tuple(c for c in self.columns if c.element is element)
            object.__setattr__(self, name, (columns, tuple(p for p in self.parts if p.element is element)))

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
    def label(self) -> str:
        """What ``extra`` calls the record's own unnamed keys."""
        return next(p.label for p in self.parts if not p.element and not p.path)

    @property
    def readers(self) -> dict[str, Reader]:
        """The columns whose field declares its own reader, and that reader."""
        return {c.name: c.read for c in self.columns if c.read is not None}

    @property
    def types(self) -> dict[str, str]:
        found = {c.name: c.type for c in self.columns}
        return {name: found.get(name, "integer" if name == self.index else "json") for name in self.names}

    def split(self, record: Mapping[str, Any]) -> Split:
        """The record's typed rows: its own (``extra``: the record's unnamed keys) and one per
        element of the exploded list (``extra``: the flat row's); a value that does not fit its
        column is ``None`` there and kept in ``extra``, under its object's label."""
        misfits: list[tuple[str, str]] = []
        unfit: dict[str, dict[str, Any]] = {}
        parent: Row = {}
        sent: Row = {}
        columns, parts = self._own
        for column in columns:
            sent[column.name] = value = column.sent(record)
            _put(parent, column, value, misfits, unfit)
        unnamed = _extra_parts(parts, record, {})
        parent["extra"] = _json(unnamed, unfit)
        children: list[Row] = []
        if self.explode is not None and self.children is not None:
            listed = record.get(self.explode)
            columns, parts = self._of_element
            for position, element in enumerate(listed if listed and _is_objects(listed) else ()):
                child: Row = {self.children.index: position}
                own: dict[str, dict[str, Any]] = {}
                for column in columns:
                    _put(child, column, column.sent(element), misfits, own)
                child["extra"] = _json(unnamed, _extra_parts(parts, record, element), unfit, own)
                children.append(child)
        return Split(parent, children, sent, tuple(misfits))

    def rows(self, record: Mapping[str, Any]) -> list[Row]:
        """The record's rows (one, or one per element of the exploded list)."""
        elements = [None] if self.explode is None else _objects_of(record.get(self.explode))
        rows = []
        for index, element in enumerate(elements):
            row: Row = {}
            for column in self.columns:
                value = column.sent((element or {}) if column.element else record)
                if value is not None and column.type == "json" and not isinstance(value, str):
                    value = dumps(value).decode()  # a nested value in one column: its JSON text
                row[column.name] = value
            if self.index:
                row[self.index] = index if element is not None else 0
            row["extra"] = _json(_extra_parts(self.parts, record, element or {}))
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
    children: Children | None = None
    for field in _fields(model):
        if field.name == explode:
            listed = _listed_record(_bare(field.type))
            if listed is None:
                raise TypeError(f"{model.__name__}.{field.name} is not a list of records: cannot explode it")
            exploded = wire_key(field)
            children = Children(field.name, index or "_index", {})
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
    if children is not None:
        types = {c.name: c.type for c in columns if c.element}
        children = attrs.evolve(children, types={children.index: "integer", **types, "extra": "json"})
    return Layout(
        tuple(columns), tuple(ordered), exploded, index, children, (element or explode) if exploded else None
    )


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
        made = Column(name, (*path, key), column_type(field.type), element, meta.get("normalize"))
        columns.append(attrs.evolve(made, read=meta.get("parse"), label=label))


def _dig(source: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = source
    for key in path:
        if value.__class__ is not dict and not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _is_objects(value: Any) -> bool:
    return isinstance(value, list) and all(
        item.__class__ is dict or isinstance(item, Mapping) for item in value
    )


def _objects_of(value: Any) -> list[Mapping[str, Any] | None]:
    """The elements to give a row each; one row of nothing when there are none, or when the
    value is not a list of objects (``extra`` keeps it then)."""
    return list(value) if value and _is_objects(value) else [None]


def _put(
    row: Row, column: Column, value: Any, misfits: list[tuple[str, str]], unfit: dict[str, dict[str, Any]]
) -> None:
    """Put ``value`` read into ``column``'s type in ``row`` (a time's text beside it); a value that
    does not fit goes to ``unfit`` (for ``extra``), and its column to ``misfits``."""
    text = None
    read = None if value is None else column.convert(value)
    if read.__class__ is Cell:
        read, text = read.value, read.text
        if read.__class__ is Misfit:
            misfits.append((column.name, read.reason))
            unfit.setdefault(column.label, {})[column.path[-1]] = value
            read = None
    row[column.name] = read
    if column.type == "timestamp":
        row[companion(column.name)] = text


def _json(*found: Mapping[str, Mapping[str, Any]]) -> str | None:
    """``extra`` as JSON text: the unnamed keys (and values that did not fit) by object label."""
    merged: dict[str, dict[str, Any]] = {}
    for parts in found:
        for label, values in parts.items():
            merged.setdefault(label, {}).update(values)
    return dumps(merged).decode() if merged else None


def _extra_parts(
    parts: tuple[Part, ...], record: Mapping[str, Any], element: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for part in parts:
        source = _dig(element if part.element else record, part.path)
        if source.__class__ is not dict and not isinstance(source, Mapping):
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
    return found
