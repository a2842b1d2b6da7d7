"""How the tables grow: the load's own tables, and columns added, never a run failed.

Pure. A table holds what its kind declares (:mod:`.tables`); a declaration that gains a column,
or a table an earlier version made, is brought up to it with ``ALTER TABLE … ADD COLUMN`` on the
next write. Columns are never dropped or retyped.

A key the server starts sending lands in ``extra`` (its record's unnamed keys). When a complete
run ends, every such key its records held at the top level, with one kind of scalar value
(text, integers, numbers, or booleans; integers and numbers together are numbers), is
*promoted*: recorded as a column of the records table (:func:`promotions`), which the next run
adds and fills. ``extra`` keeps the key as well: it is the record's unnamed keys, whatever the
table's columns. Each change of a table's columns is a row of ``mettl_schema_versions``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from .tables import Promoted, Table

RUNS = Table(
    "mettl_harvest_runs",
    {
        "run_id": "text",
        "harvest": "text",
        "account": "text",
        "kind": "text",
        "table_name": "text",
        "started_at": "timestamp",
        "ended_at": "timestamp",
        "status": "text",
        "pages": "integer",
        "records": "integer",
        "new": "integer",
        "changed": "integer",
        "unchanged": "integer",
        "gone": "integer",
        "error": "text",
    },
    ("run_id",),
)
VERSIONS = Table(
    "mettl_schema_versions",
    {"table_name": "text", "version": "integer", "columns": "json", "created_at": "timestamp"},
    ("table_name", "version"),
)
CHECKPOINTS = Table(
    "mettl_harvest_checkpoints",
    {"harvest": "text", "next": "json", "records": "integer", "run_id": "text"},
    ("harvest",),
)
#: The load's own tables, made (and grown) before any kind's.
META = (RUNS, VERSIONS, CHECKPOINTS)

#: Run statuses: ``running`` (or killed while it was), ``complete``, ``interrupted`` (stopped by
#: Ctrl-C or a signal, resumable), ``failed`` (stopped by an error, said in ``error``; resumable),
#: ``receiving`` (a webhook receiver's) and ``closed``.
RUNNING, COMPLETE, INTERRUPTED, FAILED, RECEIVING, CLOSED = (
    "running",
    "complete",
    "interrupted",
    "failed",
    "receiving",
    "closed",
)

_NOT_A_NAME = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
#: Leaves room for the ``_text`` of a companion and within PostgreSQL's 63 bytes.
MAX_NAME = 48


def column_for(key: str) -> str | None:
    """The column a key would become, as the models name fields: camelCase split, lower case,
    runs of anything else as ``_`` (``"First Name"`` is ``first_name``, ``loyaltyTier``
    ``loyalty_tier``); ``None`` for a key with no letter or digit."""
    name = _NOT_A_NAME.sub("_", _CAMEL.sub("_", key).lower()).strip("_")[:MAX_NAME].rstrip("_")
    if not name:
        return None
    return f"x_{name}" if name[0].isdigit() else name


def inferred(seen: Collection[str]) -> str | None:
    """The column type of a key's values across a run (``integer``, ``number``, ``text``,
    ``boolean`` each seen; nulls aside), or ``None`` when they disagree."""
    kinds = set(seen) - {"null"}
    if kinds in ({"integer"}, {"number"}, {"text"}, {"boolean"}):
        return next(iter(kinds))
    return "number" if kinds == {"integer", "number"} else None


def promotions(found: Mapping[str, Collection[str]], taken: Collection[str]) -> list[Promoted]:
    """The columns to make for the keys ``found`` in a run's records (key -> the JSON types of its
    values), leaving out any whose name is ``taken`` or made twice."""
    made: dict[str, Promoted | None] = {}
    for key in sorted(found):
        name, kind = column_for(key), inferred(found[key])
        if name is None or kind is None or name in taken:
            continue
        made[name] = None if name in made else Promoted(name, kind, key)
    return [p for p in made.values() if p is not None]


def version_columns(table: Table, promoted: Sequence[Promoted]) -> list[list[str]]:
    """A schema version's columns: ``[name, type]``, and ``[name, type, key]`` for a promoted one."""
    keys = {p.name: p.key for p in promoted}
    return [[n, t, keys[n]] if n in keys else [n, t] for n, t in table.columns.items()]


def promoted_of(columns: Any) -> list[Promoted]:
    """The promoted columns a schema version records (anything unreadable is left out)."""
    found = []
    for entry in columns if isinstance(columns, list) else ():
        if isinstance(entry, list) and len(entry) == 3 and all(isinstance(x, str) for x in entry):
            found.append(Promoted(*entry))
    return found
