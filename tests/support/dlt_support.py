"""What tests/dlt/ shares: each platform's filters on its sandbox, the harvest command into SQLite,
a dlt pipeline into a temporary directory, and rows read back from either, normalised so that a
typed destination and SQLite's cells as sent compare equal.

dlt is imported only by the functions that run a pipeline, so the pure tests need none.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner

from mettl_async.cli import main
from mettl_async.core.readers import parse_date, parse_datetime
from mettl_async.harvest.kinds import HarvestKind
from mettl_async.platforms import platform
from mettl_async.testing import SandboxThread

# No usage reports from the test runs (dlt sends them by default): nothing leaves the machine.
os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"

Rows = set[tuple[Any, ...]]
VARIANT = "__v_text"


def filters_for(server: SandboxThread, platform_name: str) -> dict[str, Any]:
    """Filters that let every kind of the platform list something on its default sandbox."""
    sandbox: Any = server.sandbox
    if platform_name == "certicheck":
        world = sandbox.world
        booked = {booking.slot_id for booking in world.bookings}
        window = next(w for w in world.windows.values() if any(s.slot_id in booked for s in w.slots))
        return {"slot_window": window.window_id}
    if platform_name == "mettl_rest":
        return {"schedule": sandbox.demo().filters["schedule"], "email": "cand0@example.com"}
    return {}


def options_of(filters: Mapping[str, Any], kind: HarvestKind) -> list[str]:
    """The command's options for the filters ``kind`` takes."""
    taken = {item.name for item in kind.filters}
    return [
        part
        for name, value in filters.items()
        if name in taken
        for part in ("--" + name.replace("_", "-"), str(value))
    ]


def harvest_to(server: SandboxThread, kind: HarvestKind, filters: Mapping[str, Any], out: Path | str) -> None:
    """``mettl-async harvest KIND --out out`` (a file or a PostgreSQL URL) against the sandbox."""
    env = server.sandbox.exports(server.base_url)
    args = ["harvest", kind.name, "--out", str(out), "--quiet", *options_of(filters, kind)]
    result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output


def pipeline(name: str, where: Path, destination: Any, dataset: str = "mettl") -> Any:
    """A dlt pipeline keeping its working files under ``where`` (never in the home directory)."""
    import dlt

    return dlt.pipeline(name, destination=destination, dataset_name=dataset, pipelines_dir=str(where))


def duckdb_destination(path: Path) -> Any:
    import dlt

    return dlt.destinations.duckdb(str(path))


def normal(kind_of_column: str, value: Any) -> Any:
    """A cell (SQLite's as sent, or a typed destination's) as the comparison sees it: NULL for an
    empty key, instants in UTC, dates, JSON decoded and re-encoded with sorted keys, numbers as
    floats. A naive time (a zone the API does not name) reads as UTC, as dlt stores it."""
    if value is None or value == "":
        return None
    if kind_of_column == "timestamp":
        try:
            moment = value if isinstance(value, datetime) else parse_datetime(value)
        except ValueError:
            return str(value)
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if kind_of_column == "date":
        try:
            return (value if isinstance(value, date) else parse_date(value)).isoformat()
        except ValueError:
            return str(value)
    if kind_of_column == "json":
        try:
            decoded = orjson.loads(value) if isinstance(value, str | bytes) else value
        except orjson.JSONDecodeError:
            return value
        if isinstance(decoded, str):  # text in a json column: its JSON (SQL) or itself (dlt's variant)
            return decoded
        return orjson.dumps(decoded, option=orjson.OPT_SORT_KEYS).decode()
    if kind_of_column == "boolean":
        return bool(value)
    if kind_of_column == "number":
        return float(value)
    return value


def normalised(kind: HarvestKind, rows: Iterable[Mapping[str, Any]]) -> Rows:
    """Rows as a set of tuples of the kind's columns, each cell normalised (a value dlt kept in
    the column's text variant stands in for the column)."""
    return {
        tuple(
            normal(
                kind.types.get(name, "json"), row[name] if row[name] is not None else row.get(name + VARIANT)
            )
            for name in kind.columns
        )
        for row in rows
    }


def sqlite_rows(path: Path, kind: HarvestKind) -> Rows:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        found = [dict(row) for row in db.execute(f'SELECT * FROM "{kind.table}"')]
    return normalised(kind, found)


def destination_rows(pipeline: Any, kind: HarvestKind, *, account: str | None = None) -> Rows:
    """The kind's rows in the pipeline's destination (all its accounts, or ``account``'s)."""
    with pipeline.sql_client() as client:
        table = client.make_qualified_table_name(kind.table)
        with client.execute_query(f"SELECT * FROM {table}") as cursor:
            names = [column[0] for column in cursor.description]
            found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return normalised(kind, [row for row in found if account is None or row["account"] == account])


def accounts(pipeline: Any, kind: HarvestKind) -> set[str]:
    with pipeline.sql_client() as client:
        table = client.make_qualified_table_name(kind.table)
        return {row[0] for row in client.execute_sql(f"SELECT DISTINCT account FROM {table}")}


def platform_kinds(platform_name: str) -> tuple[HarvestKind, ...]:
    return platform(platform_name).kinds
