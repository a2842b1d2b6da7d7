"""One Redis client per process for every budget: counted at the server; a caller's client left
open; closing from synchronous code after a synchronous client used the budget."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable

import pytest
import redis.asyncio as aioredis

from mettl_async import ConfigurationError
from mettl_async.redisstore import BudgetRegistry, shared_budget
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.redisserver import RedisServer

StartSandbox = Callable[..., SandboxThread]


def unique(prefix: str = "acct") -> str:
    return f"{prefix}-{uuid.uuid4()}"


async def connections_named(admin: aioredis.Redis, marker: str) -> int:
    """Clients connected to the server now, but the admin's own connection."""
    listed: list[dict[str, object]] = await admin.client_list()
    return sum(1 for entry in listed if entry.get("name") != marker)


async def test_thirty_budgets_share_one_connection(redis_server: RedisServer) -> None:
    """Thirty accounts' budgets, used one after another: one connection, not thirty pools."""
    admin = aioredis.Redis.from_url(redis_server.url)
    try:
        await admin.client_setname("admin")
        before = await connections_named(admin, "admin")
        budgets = [shared_budget(redis_server.url, unique(), rate=1000.0) for _ in range(30)]
        for budget in budgets:
            await budget.limiter.acquire()
            await budget.uniqueness.nonce()
        opened = await connections_named(admin, "admin") - before
        for budget in budgets:
            await budget.aclose()
        assert opened == 1
        assert await connections_named(admin, "admin") == before  # the last budget closed it
    finally:
        await admin.aclose()  # a failure here leaves no connection for a later test to warn of


async def test_one_budget_per_name_and_the_same_settings_asked(redis_server: RedisServer) -> None:
    async with BudgetRegistry(redis_server.url) as registry:
        name = unique()
        first = registry.budget(name, rate=10.0)
        assert registry.budget(name, rate=10.0) is first
        with pytest.raises(ConfigurationError, match=r"rate 10\.0 \(this call: 20\.0\)") as caught:
            registry.budget(name, rate=20.0)
        assert name not in str(caught.value)  # a name may be a key's id: never said


async def test_a_callers_client_is_used_and_never_closed(redis_server: RedisServer) -> None:
    mine = aioredis.Redis.from_url(redis_server.url)
    registry = BudgetRegistry(mine)
    budget = registry.budget(unique(), rate=100.0)
    await budget.limiter.acquire()
    assert await budget.uniqueness.claim(b"GET /tests", 1) is True
    await budget.aclose()
    await registry.aclose()
    assert await mine.ping() is True  # still open: it is the caller's
    await mine.aclose()


def test_anything_else_is_refused_naming_what_it_takes() -> None:
    with pytest.raises(ConfigurationError, match=r"redis:// URL or a redis\.asyncio\.Redis, got int"):
        BudgetRegistry(6379)  # type: ignore[arg-type]


SYNC_SCRIPT = """
import asyncio, gc, sys, warnings
warnings.simplefilter("always")
from mettl_async import ClientOptions
from mettl_async.redisstore import shared_budget
from mettl_async.sync import CertiCheckClient
from mettl_async.testing.certicheck import SandboxConfig

config = SandboxConfig()
budget = shared_budget(sys.argv[1], sys.argv[2], rate=50.0)
options = ClientOptions(limiter=budget.limiter, uniqueness=budget.uniqueness)
with CertiCheckClient(config.public_key, config.private_key, config.subdomain,
                      base_url=sys.argv[3], options=options) as mettl:
    mettl.tests.list()
    mettl.account.get()
{close}
gc.collect()
print("done")
"""


@pytest.mark.parametrize(
    "close", ["budget.close()", "asyncio.run(budget.aclose())"], ids=["close", "aclose-in-asyncio-run"]
)
def test_a_synchronous_client_s_budget_closes_without_a_word(
    redis_server: RedisServer, certicheck_sandbox_factory: StartSandbox, close: str
) -> None:
    """The budget's connections belong to the synchronous client's loop: they are closed there when
    it closes, so closing the budget afterwards, either way, finds nothing left to complain about
    (before: 'Event loop is closed', and unclosed sockets)."""
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=5))
    script = textwrap.dedent(SYNC_SCRIPT).replace("{close}", close)
    done = subprocess.run(
        [sys.executable, "-X", "dev", "-c", script, redis_server.url, unique(), sandbox.base_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "done"
    assert "Event loop is closed" not in done.stderr
    assert "unclosed" not in done.stderr.lower(), done.stderr
    assert done.stderr.strip() == ""


async def test_closed_then_used_again_opens_anew(redis_server: RedisServer) -> None:
    registry = BudgetRegistry(redis_server.url)
    budget = registry.budget(unique(), rate=100.0)
    await budget.limiter.acquire()
    await registry.aclose()
    await budget.limiter.acquire()  # a new connection, in this loop
    assert budget.link.up
    await registry.aclose()


def test_budgets_move_between_event_loops(redis_server: RedisServer) -> None:
    """A registry kept at module level serves each asyncio.run with a client of its own, closed
    with that loop."""
    registry = BudgetRegistry(redis_server.url)
    budget = registry.budget(unique(), rate=100.0)

    async def use() -> int:
        await budget.limiter.acquire()
        return await budget.uniqueness.nonce()

    first, second = asyncio.run(use()), asyncio.run(use())
    assert first != second
    registry.close()
