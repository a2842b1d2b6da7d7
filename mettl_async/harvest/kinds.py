"""What can be harvested: each kind names its platform, its list, its columns and natural key.

Platforms declare their kinds in their own folder (``certicheck/harvest.py``,
…) and the registry (:mod:`mettl_async.platforms`) gathers them; this module
holds the shapes and the helpers they share. JSONL keeps every
record exactly as the API returned it. CSV flattens: one row per record, except
that nested lists become one row per element, values as sent. SQLite and
PostgreSQL hold typed rows (:meth:`HarvestKind.split`): a row per record, a child
row per element of the nested list, and a view of the flat rows. Keys the columns
do not name go to the ``extra`` column as JSON, so a row loses nothing either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import attrs

from ..core.jsoncodec import dumps
from ..core.paginator import Paginator
from .columns import Children, Split

Row = dict[str, Any]


def json_text(value: Any) -> str | None:
    """A value as compact JSON text (``None`` stays ``None``)."""
    return None if value is None else dumps(value).decode()


#: What a column holds as it is; anything else (an object or a list) is written as JSON text.
_CELL_TYPES = frozenset({str, int, float, bool, type(None)})


def extra_keys(
    record: Mapping[str, Any],
    known: frozenset[str],
    *,
    objects: tuple[str, ...] = (),
    lists: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The keys the columns do not name, and the known ``objects`` (and ``lists`` of objects)
    that arrived in another shape: those cannot be flattened, so they are kept here whole."""
    extra = {k: v for k, v in record.items() if k not in known}
    for name in objects:
        value = record.get(name)
        if value is not None and not isinstance(value, Mapping):
            extra[name] = value
    for name in lists:
        value = record.get(name)
        if value is not None and not _objects(value):
            extra[name] = value
    return extra


def _objects(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, Mapping) for item in value)


def objects_of(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a nested list to flatten, one row each; ``[{}]`` (one row) when there are
    none or the value is not a list of objects (:func:`extra_keys` keeps it then)."""
    return value if value and _objects(value) else [{}]


def extra_column(parts: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The ``extra`` column: each part's unnamed keys, as JSON, or ``None`` when there are none."""
    present = {name: values for name, values in parts.items() if values}
    return json_text(present) if present else None


def as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@attrs.frozen
class Filter:
    """An option that narrows a list (``--assessment ID``). ``kind`` is ``int`` (a positive id),
    ``str``, or a tuple of the values allowed. Kinds of several platforms may share a filter
    name (``--email``) when it takes the same kind of value; the command shows each one's help."""

    name: str
    help: str
    kind: Any = str


class RowLayout(Protocol):
    """How a kind's records become rows (:class:`~.columns.Layout` derives one from a model)."""

    @property
    def names(self) -> tuple[str, ...]: ...

    @property
    def types(self) -> dict[str, str]: ...

    @property
    def children(self) -> Children | None: ...

    @property
    def readers(self) -> Mapping[str, Callable[[Any], Any]]: ...

    @property
    def label(self) -> str: ...

    def rows(self, record: Mapping[str, Any]) -> list[Row]: ...

    def split(self, record: Mapping[str, Any]) -> Split: ...

    @property
    def element(self) -> str | None: ...


@attrs.frozen
class HarvestKind:
    """One list that can be harvested, and how its records become rows (make one with
    :meth:`declared`, from the layout its model's fields declare)."""

    name: str
    table: str
    columns: tuple[str, ...]
    #: Columns that identify a row; a re-run or resume updates instead of duplicating.
    key: tuple[str, ...]
    #: The flattening of one record; :meth:`rows` gives what sinks write.
    flatten: Callable[[Mapping[str, Any]], list[Row]]
    #: ``open(client, filters, page_size)`` -> the paginator of the records.
    open: Callable[[Any, Mapping[str, Any], int | None], Paginator[Any]]
    #: The page size asked for when the user names none (``None``: the server's default).
    default_page_size: int | None
    help: str
    #: The filters this kind takes.
    filters: tuple[Filter, ...] = ()
    #: What each column holds (``integer``, ``number``, ``boolean``, ``text``, ``timestamp``,
    #: ``date``, ``json``), from the fields' types.
    types: Mapping[str, str] = attrs.field(factory=dict)
    #: A record as typed rows, its own and its children's (the tables').
    split: Callable[[Mapping[str, Any]], Split] | None = attrs.field(default=None, repr=False)
    #: The child table, when a nested list gives a row per element.
    children: Children | None = None
    #: The columns whose field reads its values with a reader of its own (the REST API's
    #: RFC 1123 times), and that reader: typed outputs read them so.
    readers: Mapping[str, Callable[[Any], Any]] = attrs.field(factory=dict, repr=False)
    #: What ``extra`` calls the record's own unnamed keys (``applicant``…).
    label: str = "record"
    #: When a record is several rows: what one row is (``certificate``: a row per certificate).
    row_per: str | None = None

    def __attrs_post_init__(self) -> None:
        unknown = [name for name in self.key if name not in self.columns]
        if unknown:
            raise TypeError(f"kind {self.name!r}: its key names no column {unknown[0]!r}")
        if not self.record_key:
            raise TypeError(f"kind {self.name!r}: its key names no column of the record itself")

    @classmethod
    def declared(cls, layout: RowLayout, **fields: Any) -> HarvestKind:
        """A kind whose columns, types and rows come from ``layout``."""
        return cls(
            columns=layout.names,
            types=layout.types,
            flatten=layout.rows,
            split=layout.split,
            row_per=layout.element,
            children=layout.children,
            readers=layout.readers,
            label=layout.label,
            **fields,
        )

    @property
    def record_key(self) -> tuple[str, ...]:
        """The key's columns of the record itself (not of an element of its nested list): what
        identifies a row of the record's table."""
        element = self.children.types if self.children else {}
        return tuple(name for name in self.key if name not in element)

    def rows(self, record: Mapping[str, Any]) -> list[Row]:
        """The record's rows, each value one a column holds (text, a number, a boolean or
        ``None``): an object or list where the kind expects a value is written as JSON text."""
        return [
            {
                name: value if value.__class__ in _CELL_TYPES else json_text(value)
                for name, value in row.items()
            }
            for row in self.flatten(record)
        ]
