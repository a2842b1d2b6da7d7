"""The dlt source into the PostgreSQL server the test run starts, and the same sandbox account
harvested by ``mettl-async harvest KIND --out postgresql://…``: dlt's PostgreSQL destination, its
DuckDB destination and the harvest's PostgreSQL output hold the same rows."""

from __future__ import annotations

from pathlib import Path

import orjson
import psycopg
import pytest
from psycopg import sql

from mettl_async.harvest.kinds import HarvestKind
from mettl_async.platforms import platform
from mettl_async.testing import SandboxThread
from tests.support.dlt_support import (
    Rows,
    destination_rows,
    duckdb_destination,
    filters_for,
    harvest_to,
    normalised,
    pipeline,
)

pytest.importorskip("dlt", reason="the dlt source needs dlt: python -m nox -s dlt")
pytest.importorskip("duckdb", reason="the DuckDB destination needs duckdb: python -m nox -s dlt")
pytest.importorskip("psycopg2", reason="dlt's PostgreSQL destination needs psycopg2: python -m nox -s dlt")

import dlt

from mettl_async.dlt import mettl_source

CERTICHECK = platform("certicheck")
#: The harvest's PostgreSQL output writes numbers and booleans as their JSON text.
AS_JSON_TEXT = ("integer", "number", "boolean")


def harvest_output_rows(url: str, kind: HarvestKind) -> Rows:
    with psycopg.connect(url) as db:
        cursor = db.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(kind.table)))
        names = [column.name for column in cursor.description or ()]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in found:
        for name in kind.columns:
            if kind.types.get(name) in AS_JSON_TEXT and isinstance(row[name], str) and row[name]:
                row[name] = orjson.loads(row[name])
    return normalised(kind, found)


def test_duckdb_postgresql_and_the_harvest_output_hold_the_same_rows(
    certicheck_sandbox: SandboxThread, postgres_url: str, tmp_path: Path
) -> None:
    server = certicheck_sandbox
    filters = filters_for(server, "certicheck")
    for kind in CERTICHECK.kinds:
        harvest_to(server, kind, filters, postgres_url)

    client = server.client()
    into_duckdb = pipeline("duck", tmp_path / "dlt", duckdb_destination(tmp_path / "loaded.duckdb"))
    into_duckdb.run(mettl_source(client, filters=filters))
    into_postgresql = pipeline("pg", tmp_path / "dlt", dlt.destinations.postgres(credentials=postgres_url))
    into_postgresql.run(mettl_source(client, filters=filters))

    for kind in CERTICHECK.kinds:
        in_duckdb = destination_rows(into_duckdb, kind)
        assert in_duckdb, kind.name
        assert in_duckdb == harvest_output_rows(postgres_url, kind), kind.name
        assert destination_rows(into_postgresql, kind) == in_duckdb, kind.name
