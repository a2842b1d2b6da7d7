"""The workers' tests need arq (the workers extra: python -m nox -s workers); the README's test
command (nox -s tests) skips them, saying so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import missing_server
from tests.support.redisserver import RedisServer, redis_server_path


@pytest.fixture
def queue_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A Redis of this test's own: the queue's jobs and the fleet's budgets, shared by nobody else."""
    if redis_server_path() is None:
        missing_server("redis-server (apt-get install redis-server)")
    with RedisServer(tmp_path / "redis") as server:
        yield server
