"""Mettl's webhooks end to end over loopback: the sandbox posts as candidates start, finish and are
graded; the receiver lands them in the harvest's table; a redelivery is not a second row; bad input
and a wrong token change nothing."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import orjson
import pytest
from aiohttp import web

from mettl_async.cli.harvest import harvest_to
from mettl_async.harvest.locking import OutputBusyError
from mettl_async.mettl_rest.specs import CandidateRegistration, ScheduleSpec
from mettl_async.mettl_rest.webhooks import SOURCE
from mettl_async.platforms import kinds
from mettl_async.testing import SandboxServer
from mettl_async.testing.mettl_rest import MettlRestConfig, MettlRestSandbox
from mettl_async.webhooks import Delivery
from mettl_async.webhooks.landing import Landing
from mettl_async.webhooks.server import aiohttp_handler, application
from tests.support.mettl_webhook_samples import GRADED, TOKEN, body

# -- end to end ---------------------------------------------------------------------------------------


@attrs.frozen
class Receiver:
    url: str
    landing: Landing
    out: Path

    def rows(self) -> list[tuple[Any, ...]]:
        if not self.out.exists():
            return []
        with sqlite3.connect(self.out) as db:
            query = "SELECT access_key, email, status, total_marks FROM mettl_results ORDER BY email"
            return db.execute(query).fetchall()


#: The account the receiver lands deliveries under, and harvests of it name.
ACCOUNT = "acme"


@pytest.fixture
async def receiver(tmp_path: Path) -> AsyncIterator[Receiver]:
    out = tmp_path / "results.sqlite"
    landing = Landing(out, "sqlite", account=ACCOUNT)
    runner = web.AppRunner(application([SOURCE], landing, token=TOKEN), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield Receiver(f"http://127.0.0.1:{runner.addresses[0][1]}/mettl", landing, out)
    landing.close()
    await runner.cleanup()


@pytest.fixture
async def rest() -> AsyncIterator[tuple[SandboxServer, MettlRestSandbox]]:
    sandbox = MettlRestSandbox(MettlRestConfig(candidates=20))
    async with SandboxServer(sandbox) as server:
        yield server, sandbox


async def notified_schedule(server: SandboxServer, url: str, emails: list[str]) -> str:
    """A schedule whose three notification URLs are ``url``, with ``emails`` registered."""
    sandbox = server.sandbox
    assert isinstance(sandbox, MettlRestSandbox)
    spec = ScheduleSpec(
        name="Hooked",
        source_app="hr-suite",
        test_start_notification_url=url,
        test_finish_notification_url=url,
        test_graded_notification_url=url,
    )
    async with server.client() as mettl:
        created = await mettl.schedules.create(next(iter(sandbox.world.assessments)), spec)
        assert created.access_key is not None
        regs = [
            CandidateRegistration(e, {"First Name": e.split("@")[0]}, context_data=f"ref-{e}") for e in emails
        ]
        await mettl.candidates.register(created.access_key, regs)
    return created.access_key


async def test_results_pushed_and_pulled_end_in_one_table(
    receiver: Receiver, rest: tuple[SandboxServer, MettlRestSandbox]
) -> None:
    server, sandbox = rest
    key = await notified_schedule(server, f"{receiver.url}?token={TOKEN}", ["a@example.org", "b@example.org"])
    sent = await sandbox.complete(key, "a@example.org")
    assert [(n.event, n.status) for n in sent] == [("started", 200), ("finished", 200), ("graded", 200)]
    sent_b = await sandbox.start(key, "b@example.org")
    graded = sent[2]
    payload = orjson.loads(graded.body)
    assert payload["assessmentId"] == sandbox.world.schedules[key].assessment_id
    assert isinstance(payload["sectional_scores"], str)
    finished = orjson.loads(sent[1].body)
    assert "assessment_id" in finished  # snake_case in the finish event, camelCase in the graded one
    assert "assessmentId" not in finished
    marks = payload["marks_scored"]
    assert receiver.rows() == [
        (key, "a@example.org", "Completed", marks),
        (key, "b@example.org", "InProgress", None),
    ]
    assert receiver.landing.landed == 4

    # A redelivery is acknowledged and changes nothing.
    again = await sandbox.deliver(graded)
    assert again.status == 200
    assert receiver.landing.landed == 4
    assert len(receiver.rows()) == 2

    # Pulled results land on the same rows (same table, same key), once the receiver has
    # stopped: while it writes the file, a harvest into it is refused (one writer per output).
    async with server.client(account_name=ACCOUNT) as mettl:  # the account the receiver lands under

        async def pull() -> int:
            return await harvest_to(
                mettl,
                kinds()["schedule-results"],
                {"schedule": key},
                receiver.out,
                "sqlite",
                resume=False,
                page_size=None,
                quiet=True,
            )

        with pytest.raises(OutputBusyError, match=f"being written by another process \\(pid {os.getpid()}"):
            await pull()
        receiver.landing.close()
        assert await pull() == 0
    rows = receiver.rows()
    assert [r[:3] for r in rows] == [
        (key, "a@example.org", "Completed"),
        (key, "b@example.org", "InProgress"),
    ]
    assert rows[0][3] == marks
    assert sent_b[0].event == "started"


async def test_bad_input_and_a_wrong_token_write_nothing(receiver: Receiver) -> None:
    async with aiohttp.ClientSession() as http:
        for url, data, status, text in (
            (f"{receiver.url}?token=wrong", body(GRADED), 401, "missing or wrong token"),
            (receiver.url, body(GRADED), 401, "missing or wrong token"),
            (f"{receiver.url}?token={TOKEN}", b"{", 400, "body is not JSON"),
            (
                f"{receiver.url}?token={TOKEN}",
                body(GRADED, email="x"),
                400,
                "email: must be an e-mail address",
            ),
        ):
            async with http.post(url, data=data, headers={"Content-Type": "application/json"}) as response:
                assert (response.status, (await response.text())[: len(text)]) == (status, text)
    assert not receiver.out.exists()
    assert receiver.landing.landed == 0


async def test_the_sandbox_delivers_again_after_a_receiver_failure(
    rest: tuple[SandboxServer, MettlRestSandbox],
) -> None:
    server, sandbox = rest
    got: list[Delivery] = []

    def flaky(delivery: Delivery) -> None:
        got.append(delivery)
        if len(got) == 1:
            raise RuntimeError("database down")

    app = web.Application()
    app.router.add_route("*", "/hook", aiohttp_handler(SOURCE, flaky, token=None))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        key = await notified_schedule(
            server, f"http://127.0.0.1:{runner.addresses[0][1]}/hook", ["c@example.org"]
        )
        (started,) = await sandbox.start(key, "c@example.org")
    finally:
        await runner.cleanup()
    assert (started.status, started.attempts) == (200, 2)
    assert [d.key for d in got] == [got[0].key, got[0].key]


async def test_automatic_completion_posts_every_event(receiver: Receiver) -> None:
    sandbox = MettlRestSandbox(MettlRestConfig(candidates=4, auto_complete=0.01))
    async with SandboxServer(sandbox) as server:
        key = await notified_schedule(
            server, f"{receiver.url}?token={TOKEN}", ["d@example.org", "e@example.org"]
        )
        await asyncio.wait_for(sandbox.idle(), 10)
    assert (
        sorted(n.event for n in sandbox.notifications) == ["finished"] * 2 + ["graded"] * 2 + ["started"] * 2
    )
    assert all(n.delivered for n in sandbox.notifications)
    assert [r[:3] for r in receiver.rows()] == [
        (key, "d@example.org", "Completed"),
        (key, "e@example.org", "Completed"),
    ]
