"""The dlt source end to end: every kind of every platform from its sandbox into DuckDB (embedded,
a file of the test's own) holds the rows ``mettl-async harvest KIND --out x.sqlite`` writes, typed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mettl_async.platforms import PLATFORMS, platform
from mettl_async.testing import SandboxThread
from tests.support.dlt_support import (
    accounts,
    destination_rows,
    duckdb_destination,
    filters_for,
    harvest_to,
    pipeline,
    sqlite_rows,
)

pytest.importorskip("dlt", reason="the dlt source needs dlt: python -m nox -s dlt")
pytest.importorskip("duckdb", reason="the DuckDB destination needs duckdb: python -m nox -s dlt")

from mettl_async.dlt import mettl_source

LISTING = [entry.name for entry in PLATFORMS if entry.kinds]
Start = Callable[..., SandboxThread]


@pytest.mark.parametrize("name", LISTING)
def test_duckdb_holds_the_harvest_commands_rows(name: str, sandbox_factory: Start, tmp_path: Path) -> None:
    """Kind by kind (the two Mettl result kinds share a table, where the last writer wins), each
    into a dataset of its own in one DuckDB file."""
    entry = platform(name)
    server = sandbox_factory(entry.load_sandbox()())
    filters = filters_for(server, name)
    client = server.client()
    for kind in entry.kinds:
        out = tmp_path / f"{kind.name}.sqlite"
        harvest_to(server, kind, filters, out)
        dataset = kind.name.replace("-", "_")
        loading = pipeline(dataset, tmp_path / "dlt", duckdb_destination(tmp_path / "loaded.duckdb"), dataset)
        own = {item.name: filters[item.name] for item in kind.filters if item.name in filters}
        loading.run(mettl_source(client, kinds=[kind.name], filters=own))

        found = destination_rows(loading, kind)
        assert found, f"{kind.name}: nothing listed; the sandbox should have rows"
        assert found == sqlite_rows(out, kind), kind.name
        assert accounts(loading, kind) == {client.account_name}


def test_a_second_run_merges_instead_of_adding(certicheck_sandbox: SandboxThread, tmp_path: Path) -> None:
    """Every kind again, complete: pulled in full and merged on the key, no row twice (an
    applicant without certificates too: its key has NULLs)."""
    kind = platform("certicheck").kinds[0]
    loading = pipeline("again", tmp_path / "dlt", duckdb_destination(tmp_path / "again.duckdb"))
    source = mettl_source(certicheck_sandbox.client(), kinds=["results"])
    loading.run(source)
    first = destination_rows(loading, kind)
    assert any(row[kind.columns.index("certification_name")] is None for row in first)
    loading.run(mettl_source(certicheck_sandbox.client(), kinds=["results"]))
    with loading.sql_client() as client:
        total = client.execute_sql(f"SELECT count(*) FROM {client.make_qualified_table_name('results')}")
    assert total[0][0] == len(first)
    assert destination_rows(loading, kind) == first
