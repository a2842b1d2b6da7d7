"""A warning redis-py printed on every link a user made is a failure here."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _redis_py_warnings_fail() -> Iterator[None]:
    # A synchronous redis.retry.Retry given to the asyncio client: redis-py converts it and warns.
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="A synchronous redis.retry.Retry", category=UserWarning)
        yield
