"""Webhook deliveries land under their account: one the receiver's configuration names by path
(``/itep/globex``), the first account at the bare path; an event for two accounts is two rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiohttp
from aiohttp import web
from click.testing import CliRunner

from mettl_async.cli import main
from mettl_async.platforms import webhook_sources
from mettl_async.webhooks.landing import Landing
from mettl_async.webhooks.server import application
from tests.itep.test_itep_webhooks import FORM, GRADED, form


async def test_each_account_is_served_at_a_path_of_its_own_and_lands_under_it(tmp_path: Path) -> None:
    out = tmp_path / "events.sqlite"
    landing = Landing(out, "sqlite", account="acme")
    runner = web.AppRunner(
        application(webhook_sources(), landing, token="T", accounts=("acme", "globex")), access_log=None
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with aiohttp.ClientSession() as http:

            async def post(path: str) -> tuple[int, str]:
                headers = {"Content-Type": FORM}
                async with http.post(f"{base}{path}?token=T", data=form(GRADED), headers=headers) as answer:
                    return answer.status, await answer.text()

            assert await post("/itep") == (200, "received")  # the first account's
            assert await post("/itep/globex") == (200, "received")  # the same event, another account
            assert await post("/itep/acme") == (200, "already received")
            assert (await post("/itep/initech"))[0] == 404  # no such account here
    finally:
        landing.close()
        await runner.cleanup()
    with sqlite3.connect(out) as db:
        rows = db.execute("SELECT account, test_id, status FROM itep_results ORDER BY account").fetchall()
    assert rows == [("acme", "123982B8AP", "Complete"), ("globex", "123982B8AP", "Complete")]
    assert landing.landed == 2


def test_an_account_name_is_checked_before_anything_listens(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["webhooks", "serve", "--out", str(tmp_path / "e.sqlite"), "--no-token", "--account", "not a name"],
    )
    assert result.exit_code == 2
    assert "account must be 1 to 100 letters" in result.stderr
    assert not (tmp_path / "e.sqlite").exists()
