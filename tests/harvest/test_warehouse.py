"""Outputs a data team runs nightly, in SQLite and in PostgreSQL (a real server, see conftest): several
accounts in one database, a table an earlier version made upgraded in place, and what each run
found new, changed and gone (counts, ``_gone_at`` marks, the change feed, a field the server
starts sending becoming a column on the next run)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from mettl_async.cli import main
from mettl_async.core.paging_styles import PagePosition
from mettl_async.harvest.runner import harvest_fingerprint
from mettl_async.platforms import kinds
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import Drift, SandboxConfig

Factory = Callable[..., SandboxThread]
FORMATS = ["sqlite", "postgresql"]


def cli(sandbox: SandboxThread, *args: str) -> Result:
    result = CliRunner().invoke(main, list(args), env=sandbox.exports(), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def new_output(request: pytest.FixtureRequest, tmp_path: Path, fmt: str, name: str) -> str:
    if fmt == "postgresql":
        return str(request.getfixturevalue("postgres_server").create_database())
    return str(tmp_path / f"{name}.sqlite")


def query(out: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if out.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(out) as db:
            return db.execute(sql.replace("?", "%s").encode(), params).fetchall()
    with sqlite3.connect(out) as lite:
        return lite.execute(sql, params).fetchall()


def canonical(rows: list[tuple[Any, ...]]) -> list[bytes]:
    """Rows as sorted canonical JSON (times, dates and jsonb included): equal lists, equal rows."""
    return sorted(orjson.dumps(list(row), option=orjson.OPT_SORT_KEYS) for row in rows)


# -- accounts ---------------------------------------------------------------------------------------

KINDS = {"results": (), "tests": ("--status", "Published"), "slot-windows": ()}


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_accounts_and_three_kinds_hold_the_union_of_single_account_runs(
    request: pytest.FixtureRequest, certicheck_sandbox_factory: Factory, tmp_path: Path, fmt: str
) -> None:
    # Two CertiCHECK partners' clients: the same e-mails and ids, other records.
    accounts = {
        name: certicheck_sandbox_factory(SandboxConfig(subdomain=name, applicants=60, seed=seed))
        for name, seed in (("acme", 1), ("globex", 2))
    }
    alone = {name: new_output(request, tmp_path, fmt, name) for name in accounts}
    union = new_output(request, tmp_path, fmt, "union")
    for kind, args in KINDS.items():
        for name, sandbox in accounts.items():
            for out in (alone[name], union):
                cli(sandbox, "harvest", kind, "--out", out, "--quiet", *args)
    for kind in KINDS:
        chosen = kinds()[kind]

        def same(statement: str) -> None:
            both = canonical(query(alone["acme"], statement) + query(alone["globex"], statement))
            assert canonical(query(union, statement)) == both, statement

        same(f'SELECT * FROM "{chosen.table}"')  # the flat rows, account first
        if chosen.children is not None:
            child = f"{chosen.table}_{chosen.children.name}"
            same(f'SELECT {_declared(out=union, table=child)} FROM "{child}"')
        keys = [set(query(alone[name], f'SELECT "_key" FROM "{chosen.table}_records"')) for name in accounts]
        assert keys[0] & keys[1], (
            f"{kind}: the accounts share natural keys, so the account must keep them apart"
        )
        counts = query(union, f'SELECT account, count(*) FROM "{chosen.table}_records" GROUP BY account')
        assert sorted(counts) == [("acme", len(keys[0])), ("globex", len(keys[1]))]


def _declared(out: str, table: str) -> str:
    """A child table's columns but what each load writes of itself (when, by which run)."""
    if out.startswith("postgresql://"):
        names = [
            n
            for (n,) in query(
                out,
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY 1",
                (table,),
            )
        ]
    else:
        names = sorted(row[1] for row in query(out, f'PRAGMA table_info("{table}")'))
    return ", ".join(f'"{n}"' for n in names if n not in ("_extracted_at", "_run_id"))


# -- an earlier version's table ---------------------------------------------------------------------

#: The results table as the previous version made it (the columns a kind had then: one fewer).
OLD_COLUMNS = [c for c in kinds()["results"].columns if c != "currency"]
OLD_KEY = ("email", "certification_name", "payment_date")


def old_version_output(out: str, records: list[Any], checkpoint: tuple[str, str, int] | None) -> None:
    """``out`` as the previous version left it: a flat ``results`` table (values as sent: text in
    PostgreSQL, ``extra`` and ``record`` jsonb), and its checkpoint table."""
    kind = kinds()["results"]
    rows = []
    for record in records:
        for row in kind.rows(record):
            values = ["" if row[c] is None and c in OLD_KEY else row[c] for c in OLD_COLUMNS]
            rows.append((*values, orjson.dumps(record).decode()))
    names = ", ".join(f'"{c}"' for c in [*OLD_COLUMNS, "record"])
    key = ", ".join(f'"{c}"' for c in OLD_KEY)
    if out.startswith("postgresql://"):
        import psycopg

        typed = ", ".join(
            f'"{c}" {"jsonb" if c in ("extra", "record") else "text"}' for c in [*OLD_COLUMNS, "record"]
        )
        marks = ", ".join("%s::jsonb" if c in ("extra", "record") else "%s" for c in [*OLD_COLUMNS, "record"])
        texts = [
            tuple(v if v is None or isinstance(v, str) else orjson.dumps(v).decode() for v in r) for r in rows
        ]
        with psycopg.connect(out) as db:
            db.execute(f'CREATE TABLE "results" ({typed}, PRIMARY KEY ({key}))'.encode())
            db.cursor().executemany(f'INSERT INTO "results" ({names}) VALUES ({marks})'.encode(), texts)
            db.execute(
                "CREATE TABLE mettl_harvest_checkpoints "
                "(harvest text PRIMARY KEY, next jsonb, records bigint NOT NULL)"
            )
            if checkpoint:
                db.execute("INSERT INTO mettl_harvest_checkpoints VALUES (%s, %s::jsonb, %s)", checkpoint)
        return
    with sqlite3.connect(out) as lite:
        lite.execute(f'CREATE TABLE "results" ({names}, PRIMARY KEY ({key}))')
        lite.executemany(f'INSERT INTO "results" VALUES ({", ".join("?" for _ in [*OLD_COLUMNS, 0])})', rows)
        lite.execute(
            "CREATE TABLE mettl_harvest_checkpoints "
            "(harvest TEXT PRIMARY KEY, next TEXT, records INTEGER NOT NULL)"
        )
        if checkpoint:
            lite.execute("INSERT INTO mettl_harvest_checkpoints VALUES (?, ?, ?)", checkpoint)


async def first_pages(sandbox: SandboxThread, fmt: str) -> tuple[list[Any], PagePosition, str]:
    """The records of the first two pages of 10, where the third starts, and the harvest's id."""
    async with sandbox.client() as client:
        records: list[Any] = []
        following: PagePosition | None = None
        async for page in client.results.all(page_size=10).pages():
            records += page.records
            following = page.next
            if len(records) == 20:
                break
        account = {"platform": "certicheck", **client.identity()}
    assert following is not None
    fingerprint = harvest_fingerprint(kinds()["results"], {}, account, fmt)
    return records, following, orjson.dumps(fingerprint, option=orjson.OPT_SORT_KEYS).decode()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("how", ["--resume", "--restart"])
def test_a_table_an_earlier_version_made_upgrades_in_place(
    request: pytest.FixtureRequest, certicheck_sandbox_factory: Factory, tmp_path: Path, fmt: str, how: str
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=45))
    clean = new_output(request, tmp_path, fmt, "clean")
    cli(sandbox, "harvest", "results", "--out", clean, "--page-size", "10")
    records, following, harvest = asyncio.run(first_pages(sandbox, fmt))
    old = new_output(request, tmp_path, fmt, "old")  # killed after two pages, by the previous version
    old_version_output(old, records, (harvest, orjson.dumps(following.to_dict()).decode(), 20))
    before = len(sandbox.sandbox.requests)
    result = cli(sandbox, "harvest", "results", "--out", old, "--page-size", "10", how)
    offsets = {int(r.params.get("offset", 0)) for r in list(sandbox.sandbox.requests)[before:]}
    if how == "--resume":  # the pages after the checkpoint only; the first two come from the old table
        assert "harvested 45 records (resumed at 20)" in result.stdout
        assert min(offsets) == 20
    else:
        assert "harvested 45 records" in result.stdout
        assert min(offsets) == 0
    upgraded = canonical(query(old, 'SELECT * FROM "results"'))
    assert upgraded
    assert upgraded == canonical(query(clean, 'SELECT * FROM "results"'))  # as a clean run's
    assert query(old, "SELECT count(*) FROM mettl_harvest_checkpoints") == [(1,)]
    currencies = {c for (c,) in query(old, 'SELECT DISTINCT "currency" FROM "results_certificates"')}
    assert "USD" in currencies  # the column the old table lacked
    again = cli(sandbox, "harvest", "results", "--out", old, "--page-size", "10")
    assert "new 0 · changed 0 · gone 0" in again.stdout  # every record there, under its account


# -- changes between runs ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_run_says_what_is_new_changed_and_gone_and_a_new_field_becomes_a_column(
    request: pytest.FixtureRequest, certicheck_sandbox_factory: Factory, tmp_path: Path, fmt: str
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=40))
    world = sandbox.sandbox.world
    emails = [row.email for row in world.applicants.values()]
    fresh, changed, gone = emails[0], emails[1:4], emails[4:6]
    out = new_output(request, tmp_path, fmt, "r")
    feed = tmp_path / "changes.jsonl"

    world.drift = Drift(removed={fresh})  # listed from the second run on
    first = cli(sandbox, "harvest", "results", "--out", out)
    assert "harvested 39 records" in first.stdout
    assert "new 39 · changed 0 · gone 0" in first.stdout

    world.drift = Drift(
        changed={
            changed[0]: {"applicationStatus": "Reviewed"},
            changed[1]: {"registrationDate": "2020-01-01"},
            changed[2]: {"loyaltyTier": "gold"},  # a field the server starts sending
        },
        removed=set(gone),
    )
    second = cli(sandbox, "harvest", "results", "--out", out, "--changes-out", str(feed))
    assert "new 1 · changed 3 · gone 2" in second.stdout
    lines = [orjson.loads(line) for line in feed.read_bytes().splitlines()]
    found = sorted((line["change"], line["key"]["email"]) for line in lines)
    assert found == sorted([("new", fresh), *(("changed", e) for e in changed), *(("gone", e) for e in gone)])
    by_email = {line["key"]["email"]: line for line in lines}
    assert by_email[changed[0]]["record"]["applicationStatus"] == "Reviewed"  # the record as now listed
    assert {line["account"] for line in lines} == {"sandbox"}
    assert {line["kind"] for line in lines} == {"results"}

    marked = query(out, 'SELECT email FROM "results_records" WHERE "_gone_at" IS NOT NULL')
    assert sorted(e for (e,) in marked) == sorted(gone)  # marked, never deleted:
    assert query(out, 'SELECT count(*) FROM "results_records"') == [(40,)]
    runs = query(
        out,
        'SELECT status, pages, records, "new", changed, unchanged, gone '
        "FROM mettl_harvest_runs ORDER BY started_at",
    )
    assert [r[0] for r in runs] == ["complete", "complete"]
    assert [r[2:] for r in runs] == [(39, 39, 0, 0, 0), (38, 1, 3, 34, 2)]

    third = cli(sandbox, "harvest", "results", "--out", out, "--changes-out", str(feed))
    assert "new 0 · changed 0 · gone 0" in third.stdout
    assert feed.read_bytes() == b""  # nothing changed
    tiers = dict(
        query(out, 'SELECT email, loyalty_tier FROM "results_records" WHERE loyalty_tier IS NOT NULL')
    )
    assert tiers == {changed[2]: "gold"}  # the new field, a column of its own now
    versions = query(out, "SELECT version FROM mettl_schema_versions WHERE table_name = 'results_records'")
    assert len(versions) >= 2


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_changes_out_needs_an_output_that_keeps_runs(
    certicheck_sandbox_factory: Factory, tmp_path: Path, fmt: str
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=5))
    result = CliRunner().invoke(
        main,
        ["harvest", "tests", "--out", str(tmp_path / f"t.{fmt}"), "--changes-out", "-"],
        env=sandbox.exports(),
    )
    assert result.exit_code == 2
    assert "--changes-out: needs an output that keeps runs (SQLite or PostgreSQL)" in result.stderr
    assert len(sandbox.sandbox.requests) == 0


def test_columns_lists_a_kinds_tables_with_their_types() -> None:
    result = CliRunner().invoke(main, ["harvest", "--columns", "slot-windows"])
    assert result.exit_code == 0, result.output
    assert "table slot_windows_records: a row per record; key account, _key" in result.stdout
    assert "table slot_windows_slots: a row per element of slots; key account, _key, _index" in result.stdout
    assert "timestamptz" in result.stdout


def page_of(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {"email": f"a{i}@x.org", "certificates": [{"certificationName": "c"}]}
        for i in range(start, start + count)
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_run_is_recorded_interrupted_and_continued_by_its_resume(
    request: pytest.FixtureRequest, tmp_path: Path, fmt: str
) -> None:
    from mettl_async.harvest import open_sink
    from mettl_async.webhooks.landing import Landing

    out = new_output(request, tmp_path, fmt, "r")
    results = kinds()["results"]
    fingerprint = {"kind": "results", "account": "acme"}
    sink = open_sink(out, fmt, results, fingerprint, resume=False)
    sink.write_page(page_of(0, 2), PagePosition(offset=2, limit=2))
    sink.close()  # stopped (Ctrl-C, an error) before the end
    runs = "SELECT run_id, status, pages, records, \"new\" FROM mettl_harvest_runs WHERE account = 'acme'"
    ((run, status, *counts),) = query(out, runs)
    assert (status, counts) == ("interrupted", [1, 2, 2])
    resumed = open_sink(out, fmt, results, fingerprint, resume=True)
    resumed.write_page(page_of(2, 1), None)
    resumed.close()
    assert query(out, runs) == [(run, "complete", 2, 3, 3)]  # the same run, continued

    async def land() -> None:
        landing = Landing(out, fmt, account="acme")
        try:
            from mettl_async.itep.webhooks import parse
            from tests.itep.test_itep_webhooks import FORM, GRADED, form

            await landing(parse(form(GRADED), FORM))
        finally:
            landing.close()

    asyncio.run(land())
    received = query(
        out, "SELECT status, records, \"new\" FROM mettl_harvest_runs WHERE kind = 'itep-results'"
    )
    assert received == [("closed", 1, 1)]  # a receiver's deliveries are a run of their own
