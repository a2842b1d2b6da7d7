from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.pgserver import PostgresServer, postgres_bindir
from tests.support.redisserver import RedisServer, redis_server_path

#: The sandboxes' fixtures, as a user enables them (the plugin is opt-in: no entry point).
pytest_plugins = ["mettl_async.pytest_plugin"]

DATA = Path(__file__).parent / "data"
#: The API documents, beside the repository in development and CI (``../shared/seeds``).
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def missing_server(what: str) -> None:
    """Skip a test whose server is not installed; in CI (``METTL_REQUIRE_SERVERS=1``) fail instead,
    so a missing install step shows there and not on a user's machine."""
    if os.environ.get("METTL_REQUIRE_SERVERS"):
        pytest.fail(f"{what} is not installed, and this run requires it (METTL_REQUIRE_SERVERS)")
    pytest.skip(f"{what} is not installed; the tests that need it are skipped")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Which README blocks were not run, and why (tests/cli/test_readme.py), without needing -rs."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if report.nodeid.startswith("tests/cli/test_readme.py::test_readme_block_runs")
    ]
    if skipped:
        terminalreporter.section(f"README blocks not run: {len(skipped)}")
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            terminalreporter.write_line(reason.removeprefix("Skipped: "))


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections for the whole test: bound and never listening,
    so no other process (a parallel test run's server) can take it meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@pytest.fixture
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("the API documents (../shared/seeds) are not beside this checkout")
    return SEEDS


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port for the whole session, nothing persisted."""
    if redis_server_path() is None:
        missing_server("redis-server (apt-get install redis-server)")
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server (initdb into a temporary directory, a free loopback port, password
    authentication) for the whole session; as root it runs as ``nobody`` (see tests/support/pgserver.py)."""
    bindir = postgres_bindir()
    if bindir is None:
        missing_server("PostgreSQL (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing_server("the PostgreSQL driver (pip install 'mettl-async[postgresql]')")
    assert bindir is not None
    with PostgresServer(bindir) as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL (password included) of a new, empty database on the session's server."""
    return postgres_server.create_database()
