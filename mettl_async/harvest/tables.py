"""The tables a kind lands in (SQLite and PostgreSQL), derived from its declaration: pure SQL text.

For a kind whose table is ``results``:

* ``results_records``: a row per record, keyed on ``(account, _key)`` (``_key``: the record's
  natural key as sent, JSON text), its typed columns, ``extra``, the whole ``record`` once, and
  what the loads know of it (:data:`RECORD_META`);
* ``results_certificates`` (a kind with a nested list): a row per element, keyed on
  ``(account, _key, certificate_index)``;
* ``results``: a view of the flat rows a kind always had (``account``, the kind's columns,
  ``record``), the element's columns from the child row, the record's from its parent.

Identifiers come from the declarations, or from :mod:`.schema` (names it made safe); every one is
quoted. Values are always bound, never written into the text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from .cells import companion
from .kinds import HarvestKind

#: What every record row knows of its load: its key, its content's hash, the layout that wrote it,
#: the change its last run saw, when and by which run, and when it stopped being listed.
RECORD_META = {
    "_hash": "text",
    "_schema": "text",
    "_change": "text",
    "_extracted_at": "timestamp",
    "_run_id": "text",
    "_gone_at": "timestamp",
}
CHILD_META = {"_extracted_at": "timestamp", "_run_id": "text"}
ACCOUNT = "account"
KEY = "_key"


@attrs.frozen
class Dialect:
    """What differs between SQLite and PostgreSQL in the statements made here."""

    name: str
    #: The SQL type of each column type.
    types: Mapping[str, str]
    placeholder: str
    #: How a value is written into a ``json`` column (``%s::jsonb``).
    json_value: str
    #: The first words of a statement that (re)defines a view.
    create_view: str


SQLITE = Dialect(
    "sqlite",
    {
        "integer": "INTEGER",
        "number": "REAL",
        "boolean": "INTEGER",
        "text": "TEXT",
        "timestamp": "TEXT",
        "date": "TEXT",
        "json": "TEXT",
    },
    "?",
    "?",
    "CREATE VIEW IF NOT EXISTS",
)
POSTGRESQL = Dialect(
    "postgresql",
    {
        "integer": "bigint",
        "number": "double precision",
        "boolean": "boolean",
        "text": "text",
        "timestamp": "timestamptz",
        "date": "date",
        "json": "jsonb",
    },
    "%s",
    "%s::jsonb",
    "CREATE OR REPLACE VIEW",
)


def quote(name: str) -> str:
    """An identifier, quoted (a quote inside is doubled)."""
    return '"' + name.replace('"', '""') + '"'


def _names(names: Iterable[str], prefix: str = "") -> str:
    return ", ".join(prefix + quote(n) for n in names)


def with_companions(types: Mapping[str, str]) -> dict[str, str]:
    """``types`` with, after each timestamp column, the text column beside it (:func:`companion`)."""
    out: dict[str, str] = {}
    for name, kind in types.items():
        out[name] = kind
        if kind == "timestamp":
            out[companion(name)] = "text"
    return out


@attrs.frozen
class Table:
    """One table: its columns (name -> column type), in order, and its primary key."""

    name: str
    columns: Mapping[str, str]
    key: tuple[str, ...]

    def create(self, dialect: Dialect) -> str:
        defined = ", ".join(f"{quote(n)} {dialect.types[t]}" for n, t in self.columns.items())
        return f"CREATE TABLE IF NOT EXISTS {quote(self.name)} ({defined}, PRIMARY KEY ({_names(self.key)}))"

    def add_column(self, name: str, dialect: Dialect) -> str:
        return f"ALTER TABLE {quote(self.name)} ADD COLUMN {quote(name)} {dialect.types[self.columns[name]]}"

    def upsert(self, dialect: Dialect, names: Iterable[str] | None = None, source: str | None = None) -> str:
        """Insert rows (``source``: from a query, else bound values), updating on the key."""
        names = tuple(names or self.columns)
        values = ", ".join(
            dialect.json_value if self.columns[n] == "json" else dialect.placeholder for n in names
        )
        updates = ", ".join(f"{quote(n)} = excluded.{quote(n)}" for n in names if n not in self.key)
        return (
            f"INSERT INTO {quote(self.name)} ({_names(names)}) "  # noqa: S608  # quoted names, bound values
            # WHERE true: SQLite would read ON CONFLICT as a join's constraint after a FROM
            + (f"SELECT {_names(names)} FROM {source} WHERE true" if source else f"VALUES ({values})")  # noqa: S608
            + f" ON CONFLICT ({_names(self.key)}) DO UPDATE SET {updates}"
        )

    def index(self, suffix: str, columns: tuple[str, ...]) -> str:
        name = f"{self.name}_{suffix}"[:63]
        return f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(self.name)} ({_names(columns)})"


@attrs.frozen
class Promoted:
    """A column made for a key the server started sending (:mod:`.schema`): read from ``key``."""

    name: str
    type: str
    key: str


@attrs.frozen
class Design:
    """The tables and the view of one kind (and the columns promoted from ``extra`` so far)."""

    view: str
    records: Table
    children: Table | None
    #: The view's columns: ``account``, the kind's flat columns, ``record``.
    flat: tuple[str, ...]
    #: Which flat columns are the child's (the rest are the record's).
    elements: frozenset[str]
    #: The declared element index, shown as 0 for a record without elements (as flat rows were).
    index: str | None
    #: The record's natural key (its columns, as the kind declares them).
    natural: tuple[str, ...] = ()
    promoted: tuple[Promoted, ...] = ()

    def view_sql(self, dialect: Dialect) -> str:
        """The statement that defines the flat view."""
        if self.children is None:
            body = f"SELECT {_names(self.flat)} FROM {quote(self.records.name)}"  # noqa: S608
        else:
            columns = []
            for name in self.flat:
                if name == self.index:
                    columns.append(f"COALESCE(c.{quote(name)}, 0) AS {quote(name)}")
                elif name == "extra":  # the flat row's: the element's row holds it whole
                    columns.append('COALESCE(c."extra", p."extra") AS "extra"')
                else:
                    columns.append(("c." if name in self.elements else "p.") + quote(name))
            body = (
                f"SELECT {', '.join(columns)} FROM {quote(self.records.name)} p "  # noqa: S608
                f"LEFT JOIN {quote(self.children.name)} c "
                f'ON c."account" = p."account" AND c."_key" = p."_key"'
            )
        return f"{dialect.create_view} {quote(self.view)} AS {body}"

    @property
    def tables(self) -> tuple[str, ...]:
        """The tables' names, the records' first."""
        return tuple(t.name for t in self.tables_of())

    def tables_of(self) -> tuple[Table, ...]:
        return (self.records, self.children) if self.children else (self.records,)

    def indexes(self) -> list[str]:
        """The index beside the primary keys: the natural key's columns, per account (what queries
        look records up by). Not the run that last saw a record: every run rewrites it, and only
        the end of a run reads it (gone marks, the change feed), once."""
        return [self.records.index("natural", (ACCOUNT, *self.natural))]


def records_table_name(kind: HarvestKind) -> str:
    return f"{kind.table}_records"


def design(kind: HarvestKind, promoted: Iterable[Promoted] = ()) -> Design:
    """The tables and view of ``kind``, with the columns promoted so far."""
    element_types = dict(kind.children.types) if kind.children else {}
    own = {n: t for n, t in kind.types.items() if n not in element_types and n != "extra"}
    clash = sorted((set(own) | set(element_types)) & {ACCOUNT, KEY, "record", *RECORD_META})
    if clash:
        raise TypeError(f"kind {kind.name!r}: the column {clash[0]!r} is the loads' own")
    kept = tuple(p for p in promoted if p.name not in own and p.name not in RECORD_META)
    records = Table(
        records_table_name(kind),
        {
            ACCOUNT: "text",
            KEY: "text",
            **with_companions(own),
            **{p.name: p.type for p in kept},
            "extra": "json",
            "record": "json",
            **RECORD_META,
        },
        (ACCOUNT, KEY),
    )
    children = None
    if kind.children is not None:
        columns = {ACCOUNT: "text", KEY: "text", **with_companions(element_types), **CHILD_META}
        children = Table(f"{kind.table}_{kind.children.name}", columns, (ACCOUNT, KEY, kind.children.index))
    declared_index = kind.children.index if kind.children and kind.children.index in kind.columns else None
    return Design(
        view=kind.table,
        records=records,
        children=children,
        flat=(ACCOUNT, *kind.columns, "record"),
        elements=frozenset(element_types),
        index=declared_index,
        promoted=kept,
        natural=kind.record_key,
    )
