"""Figure (9): a fleet of 50 CertiCHECK accounts (each its own data and a 10 requests a second
limit, every answer 20 ms late, as a far server's), two lists each (results, tests).

* One process, every account at once (``harvest results tests --accounts F``), against the same
  accounts one after another (the same command with ``--jobs 1``): wall time, ours / one after
  another (below 1 is faster). The model (docs/SCALING.md) predicts each: a list takes its pages
  at the account's rate, so all at once take as long as the slowest account, and one after
  another the sum over accounts.
* The same fleet on arq's workers: 1 worker against 3 (each ``--jobs 4``), from the jobs queued
  to the last list complete in PostgreSQL. Needs arq (the ``workers`` extra), redis-server and
  PostgreSQL; skipped without them. Redis commands and PostgreSQL commits per second of the
  3-worker runs are printed beside it, for the model's Redis and write rates.

The sandbox serves from a process of its own. Run: ``python -m benchmarks fleet`` (``--quick``:
20 accounts).
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mettl_async.testing.certicheck import CertiCheckSandbox
from tests.support.pgserver import PostgresServer, postgres_bindir
from tests.support.redisserver import RedisServer, redis_server_path

from .common import Result, paired
from .serve import fleet_label

RECORDS, PAGE, RATE, LATENCY = 60, 20, 10.0, 0.02
KINDS = ("results", "tests")
ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def fleet_process(accounts: int) -> Iterator[str]:
    """The fleet's sandbox in its own process; yields its base URL."""
    args = [f"--fleet={accounts}", f"--applicants={RECORDS}", f"--rate={RATE}", f"--latency={LATENCY}"]
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.serve", *args], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        if not base_url:
            raise RuntimeError("the fleet sandbox did not start")
        yield base_url
    finally:
        process.terminate()
        process.communicate()


def accounts_file(directory: Path, accounts: int, base_url: str) -> tuple[Path, dict[str, str]]:
    """The accounts file of the fleet (its secrets in variables) and those variables."""
    env: dict[str, str] = {}
    tables = []
    for index in range(accounts):
        label = fleet_label(index)
        sandbox = CertiCheckSandbox.for_account(label, 1)  # credentials only
        variable = f"BENCH_{index:03d}_PRIVATE"
        env[variable] = sandbox.config.private_key
        tables.append(
            f'[[account]]\nlabel = "{label}"\nplatform = "certicheck"\nrate = {RATE}\n'
            f'subdomain = "{sandbox.config.subdomain}"\npublic_key = "{sandbox.config.public_key}"\n'
            f'private_key_env = "{variable}"\nbase_url = "{base_url}"\n'
        )
    path = directory / "accounts.toml"
    path.write_text("\n".join(tables), encoding="utf-8")
    return path, env


def requests_per_account() -> int:
    """Pages of one account's lists: the model's unit of work."""
    tests = len(CertiCheckSandbox.for_account("x", RECORDS).world.tests)
    return math.ceil(RECORDS / PAGE) + max(1, math.ceil(tests / PAGE))


def command(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mettl_async", *args],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"mettl-async {' '.join(args[:3])}… failed: {done.stderr.strip()[-500:]}")
    return time.perf_counter() - started


def one_process(accounts: int, rounds: int) -> list[Result]:
    with tempfile.TemporaryDirectory() as where, fleet_process(accounts) as base_url:
        directory = Path(where)
        path, env = accounts_file(directory, accounts, base_url)
        runs = iter(range(10_000))

        def harvest(*extra: str) -> float:
            out = directory / f"out-{next(runs)}.sqlite"
            args = ["harvest", *KINDS, "--accounts", str(path), "--out", str(out), "--page-size", str(PAGE)]
            return command(env, *args, "--quiet", "--jobs", str(2 * accounts), *extra)

        together, apart, ratio = paired(rounds, lambda: harvest(), lambda: harvest("--jobs", "1"))
    per_account = requests_per_account() / RATE + LATENCY
    print(
        f"  model: {requests_per_account()} requests an account at {RATE:g}/s: all at once "
        f"{per_account:.2f} s + start, one after another {accounts * per_account:.1f} s + start"
    )
    return [Result(f"fleet: {accounts} accounts at once vs one after another", together, apart, "s", ratio)]


def workers_figure(accounts: int, rounds: int) -> list[Result]:
    if importlib.util.find_spec("arq") is None or redis_server_path() is None or postgres_bindir() is None:
        print("bench_fleet: arq, redis-server or PostgreSQL missing; 1 vs 3 workers skipped")
        return []
    from tests.support.workers_support import Workers, wait_for

    bindir = postgres_bindir()
    assert bindir is not None
    with (
        tempfile.TemporaryDirectory() as where,
        fleet_process(accounts) as base_url,
        PostgresServer(bindir) as postgres,
    ):
        directory = Path(where)
        path, env = accounts_file(directory, accounts, base_url)
        lists = accounts * len(KINDS)
        rates: list[tuple[float, float]] = []

        def fleet(count: int) -> float:
            out = postgres.create_database()
            with RedisServer(directory / f"redis-{time.monotonic_ns()}") as redis:
                args = ["--accounts", str(path), "--out", out, "--redis", redis.url, "--page-size", str(PAGE)]
                with Workers(directory, env, [*args, "--jobs", "4"]) as workers:
                    workers.start(count)
                    time.sleep(2.0)  # the workers' start, not the fleet's work
                    started = time.perf_counter()
                    command(env, "enqueue", *KINDS, "--accounts", str(path), "--redis", redis.url)
                    wait_for(lambda: complete(out) == lists, 600, "every list", every=0.05)
                    elapsed = time.perf_counter() - started
                    if count == 3:
                        rates.append((redis_commands(redis.url) / elapsed, commits(out) / elapsed))
            return elapsed

        three, one, ratio = paired(rounds, lambda: fleet(3), lambda: fleet(1))
    redis_rate = sorted(r for r, _ in rates)[len(rates) // 2]
    commit_rate = sorted(c for _, c in rates)[len(rates) // 2]
    print(
        f"  3 workers: {redis_rate:.0f} Redis commands/s, {commit_rate:.1f} PostgreSQL page commits/s "
        f"({lists} lists, {accounts * requests_per_account()} requests)"
    )
    return [Result(f"fleet: {accounts} accounts on 3 arq workers vs 1", three, one, "s", ratio)]


def complete(out: str) -> int:
    import psycopg

    with contextlib.suppress(psycopg.Error), psycopg.connect(out) as db:
        row = db.execute(
            "SELECT count(DISTINCT account || kind) FROM mettl_harvest_runs WHERE status = 'complete'"
        ).fetchone()
        return int(row[0]) if row else 0
    return 0


def commits(out: str) -> int:
    import psycopg

    with psycopg.connect(out) as db:
        row = db.execute("SELECT coalesce(sum(pages), 0) FROM mettl_harvest_runs").fetchone()
        return int(row[0]) if row else 0


def redis_commands(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        stats: Any = client.info("stats")  # redis-py 5 types it as maybe awaitable
        return int(stats["total_commands_processed"])
    finally:
        client.close()


def run(quick: bool) -> list[Result]:
    accounts = 20 if quick else 50
    rounds = 3
    return [*one_process(accounts, rounds), *workers_figure(accounts, rounds)]


if __name__ == "__main__":
    for result in run("--quick" in sys.argv):
        print(result.line())
