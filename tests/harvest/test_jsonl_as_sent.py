"""JSONL holds the bytes the server sent for each record: a 30-digit integer, odd spacing, escapes
and the server's order of keys stay exactly as sent, in a file and on stdout; a record spanning
lines (a pretty-printing server) is made one line without a change inside its strings. The walk
still names each record by its natural key, read from its text."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from click.testing import CliRunner

from mettl_async import CertiCheckClient, PaginationError
from mettl_async.cli import main
from tests.support.loopback import serving

SENT = [
    b'{"email":"big@x.com","id":123456789012345678901234567890,"score":1.50E+2,"certificates":[]}',
    b'{ "zeta" : 1 ,  "email" : "odd@x.com" , "name":"Ren\\u00e9e \\/ \\"q\\" \xc3\xa9", "alpha":[ ] }',
    b'{\n  "email": "pretty@x.com",\n  "nested": {\n    "a": [1, 2],\n    "s": "two\\nlines  kept"\n  }\n}',
]
LINES = [
    SENT[0],
    SENT[1],
    b'{"email":"pretty@x.com","nested":{"a":[1,2],"s":"two\\nlines  kept"}}',
]


def page(records: list[bytes], following: str | None) -> bytes:
    link = b"null" if following is None else b'"' + following.encode() + b'"'
    listed = b" ,\n ".join(records)
    return b'{"status":"SUCCESS","applicants":[ ' + listed + b' ],"paging":{"next":' + link + b"}}"


@pytest.fixture
async def server() -> AsyncIterator[str]:
    async def answer(request: web.Request) -> web.Response:
        if request.query.get("offset", "0") == "0":
            body = page(SENT[:2], "/getAllApplicantResults?offset=2&limit=2")
        else:
            body = page(SENT[2:], None)
        return web.Response(body=body, content_type="application/json")

    async with serving(answer) as url:
        yield url


def harvest(base_url: str, out: str) -> tuple[int, bytes]:
    env = {
        "METTL_PUBLIC_KEY": "pk-000000",
        "METTL_PRIVATE_KEY": "sk-000000",
        "METTL_SUBDOMAIN": "acme",
        "METTL_BASE_URL": base_url,
    }
    args = ["harvest", "results", "--page-size", "2", "--out", out, "--quiet"]
    result = CliRunner().invoke(main, args, env=env)
    return result.exit_code, result.stdout_bytes


async def test_jsonl_holds_each_record_as_the_server_sent_it(server: str, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    status, _ = await asyncio.to_thread(harvest, server, str(out))
    assert status == 0
    assert out.read_bytes().splitlines() == LINES


async def test_jsonl_on_stdout_holds_them_as_sent_too(server: str) -> None:
    status, printed = await asyncio.to_thread(harvest, server, "-")
    assert status == 0
    assert printed.splitlines() == LINES


async def test_the_walk_refuses_a_repeat_read_from_the_text() -> None:
    async def answer(request: web.Request) -> web.Response:
        first = request.query.get("offset", "0") == "0"
        records = [b'{"email":"Dup@x.com"}'] if first else [b'{ "x" : 1, "email" : "dup@x.com" }']
        body = page(records, "/getAllApplicantResults?offset=1&limit=1" if first else None)
        return web.Response(body=body, content_type="application/json")

    given: list[bytes] = []

    async def walk(client: CertiCheckClient) -> None:
        async for found in client.results.all(page_size=1).pages(as_sent=True):
            given.extend(bytes(text) for text in found.records)

    async with (
        serving(answer) as url,
        CertiCheckClient("pk-000000", "sk-000000", "acme", base_url=url) as client,
    ):
        with pytest.raises(PaginationError, match="already given out"):
            await walk(client)
    assert given == [b'{"email":"Dup@x.com"}']
