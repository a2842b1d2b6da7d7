"""Each kind's tables and columns, with their types, in words: what ``mettl-async harvest --columns
KIND`` prints and the reference lists. Pure: from the declarations (:mod:`.tables`)."""

from __future__ import annotations

from .cells import companion
from .kinds import HarvestKind
from .tables import ACCOUNT, KEY, POSTGRESQL, SQLITE, Table, design

#: How SQLite holds the types it has no name for.
_SQLITE_NOTES = {
    "timestamp": "ISO 8601 text",
    "date": "ISO 8601 text",
    "boolean": "0 or 1",
    "json": "JSON text",
}
_WHAT = {
    ACCOUNT: "the account (part of the key)",
    KEY: "the natural key's values as sent, JSON (part of the key)",
    "extra": "keys no column names, and values that did not fit their column, by object",
    "record": "the whole record as the API returned it",
    "_hash": "a hash of the record's canonical JSON (what tells a change)",
    "_schema": "the columns the row was written with",
    "_change": "new, changed, unchanged or gone, as the run that last saw it found",
    "_extracted_at": "when the run last wrote or saw it",
    "_run_id": "that run (mettl_harvest_runs)",
    "_gone_at": "when a complete run no longer listed it (never deleted)",
}


def _lines(table: Table, about: str) -> list[str]:
    width = max(len(name) for name in table.columns) + 2
    beside = {companion(n): n for n, kind in table.columns.items() if kind == "timestamp"}
    out = [f"table {table.name}: {about}; key {', '.join(table.key)}"]
    for name, kind in table.columns.items():
        sqlite = _SQLITE_NOTES.get(kind, SQLITE.types[kind])
        what = _WHAT.get(name, "")
        if name in beside:
            what = f"{beside[name]} as sent, when it was a local time with no offset"
        out.append(f"  {name:<{width}}{kind:<10} {POSTGRESQL.types[kind]:<17} {sqlite:<14} {what}".rstrip())
    return out


def columns_text(kind: HarvestKind, title: str = "") -> str:
    """The kind's tables, their columns (type; PostgreSQL's; SQLite's) and its view."""
    made = design(kind)
    head = f"{kind.name}{f' ({title})' if title else ''}: {kind.help}; natural key {', '.join(kind.key)}"
    lines = [
        head,
        "(each column: its type, in PostgreSQL, in SQLite)",
        *_lines(made.records, "a row per record"),
    ]
    if made.children is not None and kind.children is not None:
        lines += _lines(made.children, f"a row per element of {kind.children.name}")
    lines.append(f"view {made.view}: the flat rows (CSV's columns, and the record): " + ", ".join(made.flat))
    return "\n".join(lines)
