"""Defects found by trying what landed the way users and hostile servers would (issue 6), in what
users are told: no key or signature shown through server text, and messages and exit codes that
name the clock, TLS, a busy port or an unknown output. Each test here failed on the code before
its fix."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import pytest
import trustme
from aiohttp import web
from click.testing import CliRunner, Result

from mettl_async import ApiError, CertiCheckClient, ClientOptions, RetryPolicy, TLSVerificationError
from mettl_async.cli import main
from mettl_async.testing import SandboxThread

# -- 7. keys must not leak through server text -----------------------------------------------------


SIGNATURES: list[str] = []


async def echo_app(status: int, template: str) -> web.Application:
    async def echo(request: web.Request) -> web.Response:
        SIGNATURES.append(request.query.get("asgn", ""))
        return web.Response(status=status, text=template.format(url=request.path_qs), headers={"Date": "x"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    return app


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[web.Application], Awaitable[str]]]:
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}/api/v2"

    yield start
    for runner in runners:
        await runner.cleanup()


SECRET = "PRIVATE-9f3b-do-not-show"
PUBLIC = "PUBLIC-77aa-do-not-show"


async def harvest_tests(base_url: str, tmp_path: Path, *options: str) -> Result:
    """``mettl-async harvest tests`` against ``base_url`` with this file's keys, in-process (in a
    thread: the server it talks to runs on this test's loop)."""
    env = {
        "METTL_PUBLIC_KEY": PUBLIC,
        "METTL_PRIVATE_KEY": SECRET,
        "METTL_SUBDOMAIN": "acme",
        "METTL_BASE_URL": base_url,
    }
    out = str(tmp_path / "t.jsonl")
    return await asyncio.to_thread(
        CliRunner().invoke, main, ["harvest", "tests", "--out", out, *options], env=env
    )


@pytest.mark.parametrize(
    ("status", "template"),
    [
        (400, "Bad request: {url}"),
        (200, '{{"status": "ERROR", "error": {{"code": "E401", "message": "bad signature for {url}"}}}}'),
        (500, "<html><body>Internal error at {url}</body></html>"),
    ],
)
async def test_an_error_body_echoing_the_url_shows_no_key_or_signature(
    serve: Callable[[web.Application], Awaitable[str]], status: int, template: str, tmp_path: Path
) -> None:
    """Defect: `HTTP 400: Bad request: /…/tests?ak=…&asgn=…` reached the exception and the CLI line."""
    base_url = await serve(await echo_app(status, template))
    async with CertiCheckClient(
        PUBLIC, SECRET, "acme", base_url=base_url, options=ClientOptions(retry=RetryPolicy.never())
    ) as client:
        with pytest.raises(ApiError) as caught:
            await client.tests.list()
    shown = f"{caught.value} {caught.value!r} {caught.value.body!r}"
    assert SIGNATURES
    for secret in (PUBLIC, SECRET, *SIGNATURES, *(quote(s, safe="") for s in SIGNATURES)):
        assert secret not in shown
    # two attempts: a retried 5xx is shown too, without the default policy's 9 s of backoff
    result = await harvest_tests(base_url, tmp_path, "--attempts", "2")
    assert result.exit_code != 0
    for secret in (PUBLIC, SECRET, *SIGNATURES, *(quote(s, safe="") for s in SIGNATURES)):
        assert secret not in result.output


# -- 8. messages and exit codes ------------------------------------------------------------------


async def test_an_e504_without_a_date_says_the_local_clock_may_be_off(
    serve: Callable[[web.Application], Awaitable[str]], tmp_path: Path
) -> None:
    async def refuse(request: web.Request) -> web.Response:
        response = web.Response(
            body=b'{"status":"ERROR","error":{"code":"E504","message":"Invalid Timestamp"}}'
        )
        response.headers["Date"] = ""  # aiohttp adds one otherwise
        return response

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", refuse)
    base_url = await serve(app)
    result = await harvest_tests(base_url, tmp_path)
    assert result.exit_code == 3
    assert "sent no Date header" in result.output
    assert "local clock may be off" in result.output
    assert "even after correct" not in result.output
    assert not (tmp_path / "t.jsonl").exists()  # nothing fetched: no empty output left behind


@pytest.fixture
async def self_signed() -> AsyncIterator[tuple[str, trustme.CA, list[int]]]:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    hits: list[int] = []

    async def tests(request: web.Request) -> web.Response:
        hits.append(1)
        return web.json_response({"status": "SUCCESS", "tests": [], "paging": {}})

    app = web.Application()
    app.router.add_get("/api/v2/tests", tests)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_context).start()
    yield f"https://127.0.0.1:{runner.addresses[0][1]}/api/v2", ca, hits
    await runner.cleanup()


async def test_a_self_signed_server_is_refused_at_once_and_says_tls(
    self_signed: tuple[str, trustme.CA, list[int]],
) -> None:
    """Defect: a certificate failure was retried 5 times and reported as "network unreachable"."""
    base_url, ca, hits = self_signed
    started = time.monotonic()
    async with CertiCheckClient(PUBLIC, SECRET, "acme", base_url=base_url) as client:
        with pytest.raises(TLSVerificationError, match="TLS verification failed") as caught:
            await client.tests.list()
        assert client.stats.requests == 1  # not retried
        assert client.stats.retries == 0
    assert time.monotonic() - started < 5
    assert SECRET not in str(caught.value)
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    async with CertiCheckClient(
        PUBLIC, SECRET, "acme", base_url=base_url, options=ClientOptions(ssl=trusted)
    ) as client:
        assert len(await client.tests.list()) == 0
    assert hits == [1]


async def test_cli_says_tls_failed_with_exit_4(
    self_signed: tuple[str, trustme.CA, list[int]], tmp_path: Path
) -> None:
    base_url, _, _ = self_signed
    result = await harvest_tests(base_url, tmp_path)
    assert result.exit_code == 4
    assert "TLS verification failed" in result.output
    assert "network unreachable" not in result.output


def test_a_busy_sandbox_port_is_named(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "mettl_async", "sandbox", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 1
    assert f"127.0.0.1:{port}" in result.stderr
    assert "unexpected error" not in result.stderr


def test_an_unknown_output_extension_exits_2(certicheck_sandbox: SandboxThread, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["harvest", "tests", "--out", str(tmp_path / "t.txt")], env=certicheck_sandbox.exports()
    )
    assert result.exit_code == 2
    assert "--format" in result.output
    assert not certicheck_sandbox.sandbox.requests
