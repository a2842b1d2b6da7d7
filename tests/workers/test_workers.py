"""A fleet across worker processes on arq, against real redis-server and PostgreSQL: 20 sandbox
accounts x 2 kinds through 3 workers, one SIGKILLed mid-job, equal a clean single-process run; no
account ever above its limit, counted at the sandbox; a wrong key fails alone; the schedule."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mettl_async.cli import main
from mettl_async.platforms import kinds
from tests.harvest.test_warehouse import canonical, query
from tests.support.fleet_support import FLEET_KINDS, Start, accounts_file, fleet_server
from tests.support.pgserver import PostgresServer
from tests.support.redisserver import RedisServer
from tests.support.workers_support import Workers, wait_for

CERTICHECK = [f"partner-{i:02d}" for i in range(10)]
PROCTOREXAM = [f"school-{i:02d}" for i in range(10)]
pytest.importorskip("arq", reason="the workers' tests need arq: python -m nox -s workers")

RATE = 6.0
STARTED = re.compile(r"started (\S+ \S+) \(try (\d+)\)")


def complete_lists(out: str) -> int:
    found = query(
        out, "SELECT count(DISTINCT account || ' ' || kind) FROM mettl_harvest_runs WHERE status = 'complete'"
    )
    return int(found[0][0])


def tables_ready(out: str) -> bool:
    try:
        return complete_lists(out) >= 0
    except Exception:
        return False


def test_twenty_accounts_through_three_workers_one_killed_equal_a_clean_run(
    sandbox_factory: Start, queue_redis: RedisServer, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    server, fleets = fleet_server(sandbox_factory, CERTICHECK, PROCTOREXAM, records=45, rate=RATE)
    env: dict[str, str] = {}
    accounts = accounts_file(tmp_path / "accounts.toml", server, fleets, env, rate=RATE)
    out = postgres_server.create_database()
    queued = CliRunner().invoke(
        main, ["enqueue", *FLEET_KINDS, "--accounts", str(accounts), "--redis", queue_redis.url], env=env
    )
    assert queued.exit_code == 0, queued.output
    assert queued.stdout.strip() == "queued 40 of 40 lists"
    args = ["--accounts", str(accounts), "--out", out, "--redis", queue_redis.url]
    with Workers(tmp_path, env, [*args, "--jobs", "4", "--slice", "2", "--page-size", "5"]) as workers:
        workers.start(3)
        wait_for(lambda: STARTED.search(workers.text(0)) is not None, 60, "worker 0 to start a job")
        wait_for(lambda: tables_ready(out), 30, "the first page")
        killed = STARTED.findall(workers.text(0))
        workers.kill(0)  # mid-job: its lists are paced at 3 requests a second, 9 pages each
        wait_for(lambda: tables_ready(out) and complete_lists(out) == 40, 150, "every list to complete")
    logs = workers.every_log()
    on_killed: dict[str, int] = {}
    for unit, tried in killed:
        on_killed[unit] = max(int(tried), on_killed.get(unit, 0))
    elsewhere = [(unit, int(tried)) for i in (1, 2) for unit, tried in STARTED.findall(workers.text(i))]
    # a job the killed worker was running is run again, from its checkpoint, by another worker
    assert any(unit in on_killed and tried > on_killed[unit] for unit, tried in elsewhere), killed
    assert "Traceback" not in logs
    # the same fleet, harvested clean in one process
    clean = postgres_server.create_database()
    alone = CliRunner().invoke(
        main, ["harvest", *FLEET_KINDS, "--accounts", str(accounts), "--out", clean, "--quiet"], env=env
    )
    assert alone.exit_code == 0, alone.output
    for kind in FLEET_KINDS:
        statement = f'SELECT * FROM "{kinds()[kind].table}"'
        assert canonical(query(out, statement)) == canonical(query(clean, statement)), kind
    # every worker shared each account's budget: not one 429, no second above the limit
    for fleet in fleets.values():
        assert set(fleet.throttled().values()) == {0}
        for label in fleet.accounts:
            assert fleet.busiest_second(label) <= RATE + 1, label


def test_a_wrong_key_fails_alone_on_the_workers(
    sandbox_factory: Start, queue_redis: RedisServer, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    server, fleets = fleet_server(sandbox_factory, CERTICHECK[:2], PROCTOREXAM[:2], records=10)
    env: dict[str, str] = {}
    accounts = accounts_file(tmp_path / "accounts.toml", server, fleets, env, wrong={"school-01"})
    out = postgres_server.create_database()
    runner = CliRunner()
    for _ in range(2):  # the second finds every list already queued
        queued = runner.invoke(
            main, ["enqueue", *FLEET_KINDS, "--accounts", str(accounts), "--redis", queue_redis.url], env=env
        )
        assert queued.exit_code == 0, queued.output
    assert queued.stdout.strip() == "queued 0 of 8 lists (8 already queued)"
    with Workers(
        tmp_path,
        env,
        ["--accounts", str(accounts), "--out", out, "--redis", queue_redis.url, "--attempts", "1"],
    ) as workers:
        workers.start(1)
        wait_for(
            lambda: (
                tables_ready(out)
                and len(query(out, "SELECT 1 FROM mettl_harvest_runs WHERE status IN ('complete', 'failed')"))
                == 8
            ),
            60,
            "8 lists to end",
        )
    runs = query(out, "SELECT account, status FROM mettl_harvest_runs")
    assert {account for account, status in runs if status == "failed"} == {"school-01"}
    assert "failed school-01 proctorexam-sessions: AuthenticationError" in workers.text(0)
    assert "wrong-secret" not in workers.text(0)


def test_a_schedule_queues_every_account_s_lists_once(
    sandbox_factory: Start, queue_redis: RedisServer, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    server, fleets = fleet_server(sandbox_factory, CERTICHECK[:2], PROCTOREXAM[:1], records=10)
    env: dict[str, str] = {}
    accounts = accounts_file(tmp_path / "accounts.toml", server, fleets, env)
    out = postgres_server.create_database()
    at = (datetime.now(UTC) + timedelta(seconds=6)).strftime("%H:%M:%S")
    args = ["--accounts", str(accounts), "--out", out, "--redis", queue_redis.url]
    with Workers(
        tmp_path, env, [*args, "--schedule", at, "--kind", "results", "--kind", "proctorexam-exams"]
    ) as workers:
        workers.start(2)
        wait_for(lambda: tables_ready(out) and complete_lists(out) == 3, 60, "the scheduled lists")
    assert workers.every_log().count("scheduled run: 3 jobs queued") == 1  # one worker of the two
