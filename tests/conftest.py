from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mettl_async.redisstore.testing import RedisServer, redis_server_path

DATA = Path(__file__).parent / "data"
#: The API documents, beside the repository in development and CI (``../shared/seeds``).
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.fixture
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("the API documents (../shared/seeds) are not beside this checkout")
    return SEEDS


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real redis-server on a free loopback port for the whole session, nothing persisted."""
    if redis_server_path() is None:
        pytest.skip(
            "redis-server is not installed (apt-get install redis-server); the shared-budget tests need one"
        )
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server
