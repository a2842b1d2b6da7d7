"""``harvest KIND… --accounts FILE --out DB``: every account x kind in one process, against sandbox
accounts each with its own data and limit: the union of single runs, a wrong key failing alone,
no 429 when told the rate, --resume, and what is refused before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mettl_async.cli import main
from mettl_async.harvest.outputs import shown
from mettl_async.platforms import kinds
from tests.harvest.test_warehouse import FORMATS, canonical, new_output, query
from tests.support.fleet_support import FLEET_KINDS, Start, accounts_file, fleet_server, single_env

CERTICHECK = [f"partner-{i:02d}" for i in range(10)]
PROCTOREXAM = [f"school-{i:02d}" for i in range(10)]


def fleet(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, ["harvest", *args], env=env)


@pytest.mark.parametrize("fmt", FORMATS)
def test_twenty_accounts_two_kinds_each_equal_the_union_of_single_runs(
    request: pytest.FixtureRequest, sandbox_factory: Start, tmp_path: Path, fmt: str
) -> None:
    server, fleets = fleet_server(sandbox_factory, CERTICHECK, PROCTOREXAM, records=30)
    env: dict[str, str] = {}
    accounts = accounts_file(tmp_path / "accounts.toml", server, fleets, env)
    out = new_output(request, tmp_path, fmt, "fleet")
    done = fleet(env, *FLEET_KINDS, "--accounts", str(accounts), "--out", out, "--page-size", "7")
    assert done.exit_code == 0, done.output + done.stderr
    assert done.stdout.strip().endswith(
        f"harvested 40 lists of 20 accounts: {_records(out)} records to {shown(out)}"
    )
    assert "partner-03: results 30 records · tests " in done.stdout
    union = new_output(request, tmp_path, fmt, "union")
    for name, accounts_sandbox in fleets.items():
        for label in accounts_sandbox.accounts:
            for kind in FLEET_KINDS:
                if kinds()[kind].table.startswith("proctorexam") != (name == "proctorexam"):
                    continue
                alone = CliRunner().invoke(
                    main,
                    ["harvest", kind, "--out", union, "--quiet"],
                    env=single_env(accounts_sandbox, label, server),
                )
                assert alone.exit_code == 0, alone.output
    for kind in FLEET_KINDS:
        statement = f'SELECT * FROM "{kinds()[kind].table}"'
        assert canonical(query(out, statement)) == canonical(query(union, statement)), kind
    statuses = query(out, "SELECT status, count(*) FROM mettl_harvest_runs GROUP BY status")
    assert statuses == [("complete", 40)]


def _records(out: str) -> str:
    total = sum(n for (n,) in query(out, "SELECT records FROM mettl_harvest_runs WHERE status = 'complete'"))
    return f"{total:,}"


def test_a_wrong_key_fails_alone_named_in_the_exit_status_and_the_runs_table(
    sandbox_factory: Start, tmp_path: Path
) -> None:
    server, fleets = fleet_server(sandbox_factory, CERTICHECK[:3], PROCTOREXAM[:3], records=12)
    env: dict[str, str] = {}
    wrong = {"partner-01", "school-02"}
    accounts = accounts_file(tmp_path / "accounts.toml", server, fleets, env, wrong=wrong)
    out = str(tmp_path / "fleet.sqlite")
    done = fleet(env, *FLEET_KINDS, "--accounts", str(accounts), "--out", out, "--attempts", "1")
    assert done.exit_code == 3, done.output
    assert "mettl-async: 2 of 6 accounts failed: partner-01, school-02" in done.stderr
    assert "partner-01: results FAILED: authentication failed" in done.stdout
    assert "wrong-secret" not in done.output + done.stderr
    runs = query(out, "SELECT account, status, error FROM mettl_harvest_runs ORDER BY account, kind")
    failed = {account for account, status, _ in runs if status == "failed"}
    assert failed == wrong
    assert {status for account, status, _ in runs if account not in wrong} == {"complete"}
    assert all("wrong-secret" not in (error or "") for _, _, error in runs)
    # the key put right, --resume finishes what failed and asks nothing of the others
    good = accounts_file(tmp_path / "good.toml", server, fleets, env)
    asked_before = {label: len(f.requests_of(label)) for f in fleets.values() for label in f.accounts}
    again = fleet(env, *FLEET_KINDS, "--accounts", str(good), "--out", out, "--resume")
    assert again.exit_code == 0, again.output + again.stderr
    asked_after = {label: len(f.requests_of(label)) for f in fleets.values() for label in f.accounts}
    assert {label for label in asked_after if asked_after[label] != asked_before[label]} == wrong
    latest = query(
        out,
        "SELECT account, kind, status FROM mettl_harvest_runs r WHERE started_at = "
        "(SELECT max(started_at) FROM mettl_harvest_runs s WHERE s.account = r.account AND s.kind = r.kind)",
    )
    assert {status for _, _, status in latest} == {"complete"}


@pytest.mark.parametrize("shared", [False, True], ids=["own-limiters", "redis-budgets"])
def test_told_the_rate_no_account_is_ever_throttled(
    request: pytest.FixtureRequest, sandbox_factory: Start, tmp_path: Path, shared: bool
) -> None:
    """Each sandbox account polices 4 requests a second (4 at once); the accounts file says so: not one
    429, and
    no account's busiest second (counted at the server) above its limit."""
    server, fleets = fleet_server(sandbox_factory, CERTICHECK[:4], PROCTOREXAM[:4], records=20, rate=4.0)
    env: dict[str, str] = {}
    accounts = accounts_file(tmp_path / "accounts.toml", server, fleets, env, rate=4.0)
    out = str(tmp_path / "fleet.sqlite")
    redis = ["--redis", request.getfixturevalue("redis_server").url] if shared else []
    done = fleet(
        env, *FLEET_KINDS, "--accounts", str(accounts), "--out", out, "--page-size", "5", "--quiet", *redis
    )
    assert done.exit_code == 0, done.output + done.stderr
    for accounts_sandbox in fleets.values():
        assert set(accounts_sandbox.throttled().values()) == {0}
        for label in accounts_sandbox.accounts:
            assert len(accounts_sandbox.requests_of(label)) >= 4  # two lists of pages each
            assert accounts_sandbox.busiest_second(label) <= 4 + 1, label


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("proctorexam-sessions", "results", "schedules"),
            "no account in the accounts file is on Mettl REST API",
        ),
        (("results", "enrolled"), "--slot-window"),
        (
            ("results", "--subdomain", "x"),
            "with --accounts, each account's settings come from the accounts file",
        ),
        (("results", "--changes-out", "-"), "--changes-out"),
    ],
)
def test_refused_before_anything_is_sent(
    sandbox_factory: Start, tmp_path: Path, args: tuple[str, ...], said: str
) -> None:
    server, fleets = fleet_server(sandbox_factory, CERTICHECK[:2], PROCTOREXAM[:1], records=5)
    env: dict[str, str] = {}
    accounts = accounts_file(tmp_path / "accounts.toml", server, fleets, env)
    done = fleet(env, *args, "--accounts", str(accounts), "--out", str(tmp_path / "x.sqlite"))
    assert done.exit_code == 2, done.output
    assert said in done.stderr
    assert [r for f in fleets.values() for label in f.accounts for r in f.requests_of(label)] == []


def test_a_file_output_is_refused_and_several_kinds_need_accounts(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.toml"
    accounts.write_text('[[account]]\nlabel = "a"\nplatform = "certicheck"\n', encoding="utf-8")
    done = fleet({}, "results", "--accounts", str(accounts), "--out", str(tmp_path / "x.jsonl"))
    assert done.exit_code == 2
    assert "--accounts needs a database output (SQLite or PostgreSQL)" in done.stderr
    done = fleet({}, "results", "tests", "--out", str(tmp_path / "x.sqlite"))
    assert done.exit_code == 2
    assert "several kinds are harvested together for the accounts of an accounts file" in done.stderr
    assert not (tmp_path / "x.sqlite").exists()
