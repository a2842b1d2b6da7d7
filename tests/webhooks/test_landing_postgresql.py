"""The receiver landing in PostgreSQL (a real server, see conftest): it outlives a database
restart by itself, says so while the database is away, and a stalled write holds up nothing
else."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import psycopg
import pytest
from aiohttp import web

from mettl_async.harvest.outputs import mask_url
from mettl_async.itep.webhooks import SOURCE as ITEP
from mettl_async.mettl_rest.webhooks import SOURCE as METTL
from mettl_async.webhooks.landing import Landing
from mettl_async.webhooks.server import application
from tests.itep.test_itep_webhooks import FORM, GRADED, form
from tests.support.mettl_webhook_samples import FINISHED, body
from tests.support.pgserver import PostgresServer
from tests.support.serving import serving


def itep_event(number: int) -> bytes:
    return form(GRADED | {"TestID": f"T{number:05d}AP"})


async def post(http: aiohttp.ClientSession, url: str, data: bytes, kind: str = FORM) -> int:
    async with http.post(url, data=data, headers={"Content-Type": kind}) as answer:
        return answer.status


def landed_test_ids(url: str) -> list[str]:
    with psycopg.connect(url) as db:
        return [test_id for (test_id,) in db.execute("SELECT test_id FROM itep_results ORDER BY test_id")]


async def test_the_receiver_outlives_a_database_restart_and_says_so_meanwhile(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    with serving(postgres_url) as served:
        url = f"{served.base}/itep?token=T"
        async with aiohttp.ClientSession() as http:
            assert await post(http, url, itep_event(1)) == 200
            with postgres_server.stopped():
                assert await post(http, url, itep_event(2)) == 500  # not stored: delivered again later
            assert await post(http, url, itep_event(2)) == 200  # the first delivery once it is back
            assert await post(http, url, itep_event(3)) == 200
        log = served.stop()
    assert landed_test_ids(postgres_url) == ["T00001AP", "T00002AP", "T00003AP"]
    # the failed landings (the line per answer, its 500 included, is tests/webhooks/test_serve_log.py's)
    warnings = [line for line in log.splitlines() if " WARNING " in line and ".deliveries:" not in line]
    assert warnings, log  # without --debug
    assert all(mask_url(postgres_url) in line for line in warnings), warnings
    assert postgres_server.password not in log


@contextlib.asynccontextmanager
async def receiver(url: str, **options: Any) -> AsyncIterator[Callable[[str], str]]:
    """``application()`` landing in ``url``, in this process; yields ``address(path) -> URL``."""
    landing = Landing(url, "postgresql", **options)
    runner = web.AppRunner(application([ITEP, METTL], landing, token="T"), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield lambda path: f"http://127.0.0.1:{runner.addresses[0][1]}{path}"
    finally:
        await runner.cleanup()
        landing.close()


@contextlib.contextmanager
def table_locked(url: str) -> Any:
    """``itep_results`` locked by another session until the block ends: every write to it waits."""
    with psycopg.connect(url) as other:
        other.execute("LOCK TABLE itep_results IN ACCESS EXCLUSIVE MODE")
        yield
        other.rollback()


async def test_a_write_waiting_for_a_locked_table_holds_up_nothing_else(postgres_url: str) -> None:
    async with receiver(postgres_url) as address, aiohttp.ClientSession() as http:
        itep = address("/itep?token=T")
        assert await post(http, itep, itep_event(1)) == 200  # the table exists
        with table_locked(postgres_url):
            waiting = asyncio.create_task(post(http, itep, itep_event(2)))
            refused = post(http, address("/itep?token=wrong"), itep_event(3))
            assert await asyncio.wait_for(refused, timeout=5) == 401
            mettl = post(http, address("/mettl?token=T"), body(FINISHED), "application/json")
            assert await asyncio.wait_for(mettl, timeout=5) == 200  # another table, another writer
            assert not waiting.done()
        assert await asyncio.wait_for(waiting, timeout=10) == 200  # landed once the lock went
    assert landed_test_ids(postgres_url) == ["T00001AP", "T00002AP"]


async def test_a_write_that_waits_too_long_is_a_5xx_and_the_redelivery_lands(postgres_url: str) -> None:
    async with receiver(postgres_url, statement_timeout=0.2) as address, aiohttp.ClientSession() as http:
        itep = address("/itep?token=T")
        assert await post(http, itep, itep_event(1)) == 200
        with table_locked(postgres_url):
            assert await asyncio.wait_for(post(http, itep, itep_event(2)), timeout=10) == 500
        assert await post(http, itep, itep_event(2)) == 200
    assert landed_test_ids(postgres_url) == ["T00001AP", "T00002AP"]


@pytest.mark.parametrize("lock", [True, False])
def test_only_a_sink_without_a_lock_reconnects(postgres_url: str, lock: bool) -> None:
    from mettl_async.harvest.checkpoint import HarvestError
    from mettl_async.harvest.postgresql import PostgresSink
    from mettl_async.itep.harvest import RESULTS
    from mettl_async.itep.webhooks import parse

    sink = PostgresSink(postgres_url, RESULTS, {"kind": "itep-results"}, resume=False, lock=lock)
    try:
        assert sink.land([parse(itep_event(1), FORM).record]) == 1
        with psycopg.connect(postgres_url, autocommit=True) as admin:  # the server ends the session
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        record = parse(itep_event(2), FORM).record
        if lock:  # its lock went with the session: it stops (a harvest resumes)
            with pytest.raises(HarvestError, match=r"^cannot write postgresql://mettl:\*\*\*@"):
                sink.land([record])
        else:
            assert sink.land([record]) == 1
    finally:
        sink.close()
