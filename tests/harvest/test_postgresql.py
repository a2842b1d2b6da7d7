"""The PostgreSQL output, against a real server the test run starts (``postgres_server`` in conftest):
the same rows as SQLite in typed columns, upserts, checkpoints in the rows' transaction, landing,
the advisory lock, and a URL's password never shown."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import attrs
import orjson
import psycopg
import pytest
from click.testing import CliRunner, Result

from mettl_async.cli import main
from mettl_async.core.paging_styles import PagePosition
from mettl_async.harvest import HarvestError, open_sink
from mettl_async.harvest.columns import Split
from mettl_async.harvest.kinds import HarvestKind
from mettl_async.harvest.locking import OutputBusyError
from mettl_async.platforms import kinds, platform_of
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import SandboxConfig

Factory = Callable[..., SandboxThread]
CERTICHECK = [k for k in kinds() if platform_of(kinds()[k]).name == "certicheck"]
FINGERPRINT = {"kind": "results", "filters": {}, "base_url": "http://x/api/v2", "subdomain": "s"}


def cli(sandbox: SandboxThread, *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=sandbox.exports(), catch_exceptions=False)


@pytest.fixture
def sandbox(certicheck_sandbox_factory: Factory) -> SandboxThread:
    return certicheck_sandbox_factory(SandboxConfig(applicants=150))


def kind_args(sandbox: SandboxThread, kind: str) -> list[str]:
    if kind == "tests":
        return ["--status", "Published"]
    if kind == "enrolled":
        world = sandbox.sandbox.world
        booked = {b.slot_id for b in world.bookings}
        window = next(w for w in world.windows.values() if any(s.slot_id in booked for s in w.slots))
        return ["--slot-window", str(window.window_id)]
    return []


def canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def plain(value: Any, kind: str) -> Any:
    """A view's value as both outputs can be compared: times as naive ISO text to the millisecond
    (SQLite keeps a naive local time without an offset; PostgreSQL reads it as UTC), JSON
    canonical, booleans as 0 and 1."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds")
    if kind == "timestamp":
        return str(value).removesuffix("+00:00")
    if isinstance(value, date):
        return value.isoformat()
    if kind == "json":
        return canonical(orjson.loads(value) if isinstance(value, str) else value).decode()
    return int(value) if isinstance(value, bool) else value


def view_rows(rows: list[tuple[Any, ...]], kind: HarvestKind) -> list[bytes]:
    types = ["text", *(kind.types[c] for c in kind.columns), "json"]
    return sorted(canonical([plain(v, t) for v, t in zip(row, types, strict=True)]) for row in rows)


@pytest.mark.parametrize("kind", CERTICHECK)
def test_each_kind_lands_in_postgresql_as_in_sqlite(
    sandbox: SandboxThread, postgres_url: str, tmp_path: Path, kind: str
) -> None:
    chosen = kinds()[kind]
    out = tmp_path / "out.sqlite"
    assert cli(sandbox, "harvest", kind, "--out", str(out), *kind_args(sandbox, kind)).exit_code == 0
    result = cli(sandbox, "harvest", kind, "--out", postgres_url, *kind_args(sandbox, kind))
    assert result.exit_code == 0, result.output
    assert "harvested" in result.stdout
    with sqlite3.connect(out) as lite:
        expected = lite.execute(f'SELECT * FROM "{chosen.table}"').fetchall()
    assert expected, "the sandbox has records of every kind"
    with psycopg.connect(postgres_url) as db:
        cursor = db.execute(f'SELECT * FROM "{chosen.table}"')
        assert [d.name for d in cursor.description or ()] == ["account", *chosen.columns, "record"]
        found = cursor.fetchall()
        typed = dict(
            db.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
                (f"{chosen.table}_records",),
            ).fetchall()
        )
    assert view_rows(found, chosen) == view_rows(expected, chosen)  # row for row, value for value
    declared = {"integer": "bigint", "number": "double precision", "boolean": "boolean", "text": "text"}
    declared |= {"timestamp": "timestamp with time zone", "date": "date", "json": "jsonb"}
    own = [c for c in chosen.columns if c in typed]
    assert own, "the record's own columns are in its table"
    assert {c: typed[c] for c in own} == {c: declared[chosen.types[c]] for c in own}
    assert typed["record"] == "jsonb"
    assert typed["_extracted_at"] == "timestamp with time zone"


def test_a_rerun_does_not_duplicate_and_a_finished_harvest_resumes_as_done(
    sandbox: SandboxThread, postgres_url: str
) -> None:
    for _ in range(2):
        result = cli(sandbox, "harvest", "results", "--out", postgres_url, "--page-size", "40")
        assert result.exit_code == 0, result.output
    with psycopg.connect(postgres_url) as db:
        total, distinct = db.execute(
            "SELECT count(*), count(DISTINCT (account, email, certificate_index)) FROM results"
        ).fetchone() or (0, 0)
        checkpoints = db.execute("SELECT records, next FROM mettl_harvest_checkpoints").fetchall()
    assert total == distinct > 150
    assert checkpoints == [(150, None)]
    before = len(sandbox.sandbox.requests)
    again = cli(sandbox, "harvest", "results", "--out", postgres_url, "--resume")
    assert again.exit_code == 0
    assert "already complete: 150 records in postgresql://mettl:***@127.0.0.1:" in again.stdout
    assert len(sandbox.sandbox.requests) == before


def page(start: int, count: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {"email": f"a{i}@x.com", "certificates": [{"certificationName": "c", "paymentDate": i}], **extra}
        for i in range(start, start + count)
    ]


def test_a_page_and_its_checkpoint_commit_together(postgres_url: str) -> None:
    """A page that fails half-way through its rows leaves neither its rows nor its checkpoint."""
    results = kinds()["results"]
    assert results.split is not None
    split = results.split

    def rows(record: Any) -> Split:
        made = split(record)
        if record.get("poison"):  # the server refuses this row, after the page's first rows went in
            made.parent["extra"] = "{not json"
        return made

    kind = attrs.evolve(results, split=rows)
    sink = open_sink(postgres_url, "postgresql", kind, FINGERPRINT, resume=False)
    sink.write_page(page(0, 2), PagePosition(offset=2, limit=2))
    with pytest.raises(
        HarvestError, match=r"cannot write postgresql://mettl:\*\*\*@.*invalid input syntax for type json"
    ):
        sink.write_page([*page(2, 2), *page(4, 1, poison=True)], None)
    sink.close()
    with psycopg.connect(postgres_url) as db:
        assert db.execute("SELECT count(*) FROM results").fetchone() == (2,)  # a2, a3 rolled back
    resumed = open_sink(postgres_url, "postgresql", kind, FINGERPRINT, resume=True)
    assert resumed.resumed is not None
    assert resumed.resumed.next == PagePosition(offset=2, limit=2)
    assert resumed.records == 2
    resumed.write_page(page(2, 3), None)
    resumed.close()
    with psycopg.connect(postgres_url) as db:
        emails = [e for (e,) in db.execute("SELECT email FROM results ORDER BY email")]
        assert db.execute("SELECT records, next FROM mettl_harvest_checkpoints").fetchall() == [(5, None)]
    assert emails == [f"a{i}@x.com" for i in range(5)]


def test_landing_is_idempotent(postgres_url: str) -> None:
    kind = kinds()["results"]
    sink = open_sink(postgres_url, "postgresql", kind, {}, resume=False)
    assert sink.land(page(0, 2)) == 2
    assert sink.land(page(1, 2)) == 1  # a1 again (redelivered) and a2 new
    sink.close()
    again = open_sink(postgres_url, "postgresql", kind, {}, resume=False)
    assert again.land(page(0, 3)) == 0  # all three are there, unchanged
    assert again.land(page(1, 1, applicationStatus="Reviewed")) == 1  # changed: updated in place
    again.close()
    with psycopg.connect(postgres_url) as db:
        rows = db.execute("SELECT email, application_status FROM results ORDER BY email").fetchall()
    assert rows == [("a0@x.com", None), ("a1@x.com", "Reviewed"), ("a2@x.com", None)]


def test_nul_characters_land_as_replacement_characters(postgres_url: str) -> None:
    kind = kinds()["results"]
    sink = open_sink(postgres_url, "postgresql", kind, {}, resume=False)
    record = {"email": "nul\x00@x.com", "certificates": [{"certificationName": "c\x00", "zz": "\x00"}]}
    assert sink.land([record]) == 1
    sink.close()
    with psycopg.connect(postgres_url) as db:
        email, name, extra, stored = db.execute(
            "SELECT email, certification_name, extra, record FROM results"
        ).fetchone() or ("", "", {}, {})
    assert (email, name) == ("nul\ufffd@x.com", "c\ufffd")
    assert extra == {"certificate": {"zz": "\ufffd"}}
    assert stored["certificates"][0]["certificationName"] == "c\ufffd"


def test_one_writer_per_harvest_and_table(postgres_url: str) -> None:
    kind = kinds()["results"]
    first = open_sink(postgres_url, "postgresql", kind, FINGERPRINT, resume=False)
    try:
        with pytest.raises(OutputBusyError) as refused:
            open_sink(postgres_url, "postgresql", kind, FINGERPRINT, resume=True)
        message = str(refused.value)
        assert "postgresql://mettl:***@127.0.0.1" in message
        assert "table results, this harvest" in message
        assert f"being written by another process (pid {os.getpid()}: " in message
        other = open_sink(postgres_url, "postgresql", kind, FINGERPRINT | {"subdomain": "t"}, resume=False)
        other.close()  # another harvest into the same table is not this one
    finally:
        first.close()
    open_sink(postgres_url, "postgresql", kind, FINGERPRINT, resume=True).close()  # released


def test_passwords_are_never_shown(
    sandbox: SandboxThread, postgres_url: str, postgres_server: Any, tmp_path: Path
) -> None:
    password = postgres_server.password
    good = cli(sandbox, "--debug", "harvest", "tests", "--out", postgres_url)
    assert good.exit_code == 0, good.output
    assert "to postgresql://mettl:***@127.0.0.1:" in good.stdout
    wrong = postgres_url.replace(password, "Wr0ng-S3cret")
    bad = cli(sandbox, "--debug", "harvest", "tests", "--out", wrong)
    assert bad.exit_code == 1
    assert "cannot connect to postgresql://mettl:***@127.0.0.1" in bad.stderr
    assert "password authentication failed" in bad.stderr
    malformed = postgres_url.replace(password, "a%zzSecret")  # libpq quotes the token it cannot decode
    odd = cli(sandbox, "--debug", "harvest", "tests", "--out", malformed)
    assert odd.exit_code == 1
    assert "invalid PostgreSQL URL postgresql://mettl:***@" in odd.stderr
    for result in (good, bad, odd):
        for secret in (password, "Wr0ng-S3cret", "zzSecret"):
            assert secret not in result.output
    with psycopg.connect(postgres_url) as db:
        names = [n for (n,) in db.execute("SELECT application_name FROM pg_stat_activity")]
    assert password not in " ".join(names)


def test_format_and_url_disagreements_are_usage_errors(sandbox: SandboxThread, postgres_url: str) -> None:
    mixed = cli(sandbox, "harvest", "tests", "--out", postgres_url, "--format", "csv")
    assert mixed.exit_code == 2
    assert "takes no --format csv" in mixed.stderr
    file_as_db = cli(sandbox, "harvest", "tests", "--out", "t.jsonl", "--format", "postgresql")
    assert file_as_db.exit_code == 2
    assert "--format postgresql needs --out postgresql://" in file_as_db.stderr
    assert len(sandbox.sandbox.requests) == 0


def test_without_the_driver_the_message_says_what_to_install(tmp_path: Path) -> None:
    script = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from mettl_async.cli import main\n"
        "main(['harvest', 'tests', '--out', 'postgres://u:SeCrEt@127.0.0.1:1/db'], prog_name='mettl-async')\n"
    )
    env = {"METTL_PUBLIC_KEY": "p", "METTL_PRIVATE_KEY": "k", "METTL_SUBDOMAIN": "s", "PATH": "/usr/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=tmp_path, check=False
    )
    assert done.returncode == 1
    assert "pip install 'mettl-async[postgresql]'" in done.stderr
    assert "SeCrEt" not in done.stderr


def test_files_never_import_the_driver(sandbox: SandboxThread, tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from mettl_async.cli import main\n"
        f"r = CliRunner().invoke(main, ['harvest', 'tests', '--out', {str(tmp_path / 't.sqlite')!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m.startswith('psycopg')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=sandbox.exports(), check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


async def test_webhook_receivers_share_a_database_with_each_other_and_with_harvests(
    postgres_url: str,
) -> None:
    from mettl_async.itep.webhooks import parse
    from mettl_async.webhooks.landing import Landing
    from tests.itep.test_itep_webhooks import FORM, GRADED, form

    # No lock: events are upserted row by row, so a second receiver lands beside the first.
    landings = [Landing(postgres_url, "postgresql"), Landing(postgres_url, "postgresql")]
    try:
        for landing in landings:
            for data in (GRADED, GRADED, GRADED | {"Status": "Review"}):
                await landing(parse(form(data), FORM))
        assert [landing.landed for landing in landings] == [2, 0]  # the second found them there
        # A harvest is another writer of its own table and checkpoint: PostgreSQL takes both.
        sink = open_sink(postgres_url, "postgresql", kinds()["results"], FINGERPRINT, resume=False)
        sink.write_page(page(0, 1), None)
        sink.close()
    finally:
        for landing in landings:
            landing.close()
    with psycopg.connect(postgres_url) as db:
        statuses = sorted(s for (s,) in db.execute("SELECT status FROM itep_results"))
    assert statuses == ["Complete", "Review"]


def test_a_lost_connection_stops_the_harvest_resumably(postgres_url: str) -> None:
    kind = kinds()["results"]
    sink = open_sink(postgres_url, "postgresql", kind, FINGERPRINT, resume=False)
    try:
        sink.write_page(page(0, 3), PagePosition(offset=3, limit=3))
        with psycopg.connect(postgres_url, autocommit=True) as admin:  # the server ends the session
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name LIKE 'pid %%' AND pid <> pg_backend_pid()"
            )
        with pytest.raises(
            HarvestError, match=r"^cannot write postgresql://mettl:\*\*\*@127\.0\.0\.1:\d+/\w+: "
        ):
            sink.write_page(page(3, 3), None)
    finally:
        sink.close()
    resumed = open_sink(postgres_url, "postgresql", kind, FINGERPRINT, resume=True)  # the lock went too
    assert resumed.resumed is not None
    assert resumed.resumed.next == PagePosition(offset=3, limit=3)
    resumed.write_page(page(3, 3), None)
    resumed.close()
    with psycopg.connect(postgres_url) as db:
        assert db.execute("SELECT count(*) FROM results").fetchone() == (6,)


def test_a_write_that_failed_leaves_the_next_one_able_to_land(postgres_url: str) -> None:
    """The first write's transaction made the temporary table it loads through; when it fails, the
    table goes with it, and the next write (a redelivery, say) makes it again."""
    results = kinds()["results"]
    assert results.split is not None
    split = results.split

    def rows(record: Any) -> Split:
        made = split(record)
        if record.get("poison"):
            made.parent["extra"] = "{not json"
        return made

    sink = open_sink(
        postgres_url, "postgresql", attrs.evolve(results, split=rows), {}, resume=False, lock=False
    )
    try:
        with pytest.raises(HarvestError, match="invalid input syntax for type json"):
            sink.land(page(0, 1, poison=True))
        assert sink.land(page(0, 1)) == 1
    finally:
        sink.close()
    with psycopg.connect(postgres_url) as db:
        assert db.execute("SELECT email FROM results").fetchall() == [("a0@x.com",)]
