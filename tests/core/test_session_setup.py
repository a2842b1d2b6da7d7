"""Session behaviour against the sandbox as it is set up: the shared rate limit and the concurrency
cap, a borrowed or owned aiohttp session, configuration from arguments and the environment, secrets
that never reach logs, reprs or errors, and redirects that are never followed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import web

from mettl_async import (
    ApiError,
    AuthenticationError,
    CertiCheckClient,
    ClientOptions,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    MettlError,
    RetryPolicy,
    ServerError,
)
from mettl_async.testing import FakeClock, Fault, FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.loopback import closed_port
from tests.support.session_support import FAST, StartSandbox, fast, faults_starting, person


def tracing() -> tuple[aiohttp.TraceConfig, list[SimpleNamespace]]:
    """A trace config noting when each request starts and ends (loop time) and its status."""
    events: list[SimpleNamespace] = []
    trace = aiohttp.TraceConfig()

    async def start(session: Any, context: Any, params: Any) -> None:
        events.append(SimpleNamespace(kind="start", at=asyncio.get_running_loop().time(), status=None))

    async def end(session: Any, context: Any, params: Any) -> None:
        at = asyncio.get_running_loop().time()
        events.append(SimpleNamespace(kind="end", at=at, status=params.response.status))

    trace.on_request_start.append(start)
    trace.on_request_end.append(end)
    return trace, events


# -- rate limit and concurrency ------------------------------------------------------------------


async def test_429_retry_after_slows_the_shared_bucket(certicheck_sandbox_factory: StartSandbox) -> None:
    pause, rate = 0.2, 40.0
    faults = faults_starting([Fault.RATE_LIMIT] + [None] * 20, rate=0.1, kinds="429", retry_after=pause)
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, faults=faults))
    trace, events = tracing()
    async with aiohttp.ClientSession(trace_configs=[trace]) as http:
        client = sandbox.client(retry=FAST, rate=rate, burst=1, http=http)

        async def worker(first: int) -> None:
            for size in range(first, first + 4):  # distinct requests (identical ones are shared)
                await client.tests.list(page_size=size)

        await asyncio.gather(worker(1), worker(5), worker(9))

    limiter = client.session.limiter
    assert limiter.rate is not None
    assert limiter.rate < rate
    assert client.session.stats.rate_limited == 1
    hit = next(e.at for e in events if e.kind == "end" and e.status == 429)
    starts = [e.at for e in events if e.kind == "start" and e.at > hit]
    during = [t for t in starts if t < hit + pause - 0.01]
    after = [t for t in starts if t >= hit + pause - 0.01]
    assert during == []  # callers already waiting queued again behind the pause
    assert len(starts) == 12
    # Spaced at the lowered rate: clearly slower than `rate` would allow.
    assert after[-1] - after[0] >= (len(after) - 1) / rate * 1.2


async def test_concurrency_cap(certicheck_sandbox_factory: StartSandbox) -> None:
    faults = FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.05)
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, faults=faults))
    trace, events = tracing()
    async with aiohttp.ClientSession(trace_configs=[trace]) as http:
        client = sandbox.client(retry=FAST, concurrency=2, http=http)
        await asyncio.gather(*(client.tests.list(page_size=size) for size in range(1, 7)))
    in_flight, peak = 0, 0
    for event in sorted(events, key=lambda e: (e.at, e.kind == "start")):
        in_flight += 1 if event.kind == "start" else -1
        peak = max(peak, in_flight)
    assert peak == 2
    assert len(sandbox.sandbox.requests) == 6


# -- the aiohttp session -------------------------------------------------------------------------


async def test_borrowed_http_session_is_left_open(certicheck_sandbox: SandboxThread) -> None:
    async with aiohttp.ClientSession() as http:
        async with certicheck_sandbox.client(http=http) as client:
            await client.timezones.list()
        assert not http.closed
        async with http.get(certicheck_sandbox.base_url + "/getAllTimezones") as response:
            assert response.status == 200  # still usable


async def test_owned_http_session_is_closed(certicheck_sandbox: SandboxThread) -> None:
    client = certicheck_sandbox.client()
    async with client:
        await client.timezones.list()
        http = client.session.http
        assert http is not None
        assert not http.closed
    assert http.closed


# -- configuration -------------------------------------------------------------------------------

ENV = ("METTL_PUBLIC_KEY", "METTL_PRIVATE_KEY", "METTL_SUBDOMAIN", "METTL_BASE_URL")


def test_configuration_error_without_keys_or_subdomain(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match=r"METTL_PUBLIC_KEY.*METTL_PRIVATE_KEY"):
        CertiCheckClient(subdomain="acme")
    with pytest.raises(ConfigurationError, match="METTL_PRIVATE_KEY"):
        CertiCheckClient("pk", subdomain="acme")
    with pytest.raises(ConfigurationError, match="METTL_SUBDOMAIN"):
        CertiCheckClient("pk", "sk")
    with pytest.raises(ConfigurationError, match="base_url"):
        CertiCheckClient("pk", "sk", "acme", base_url="ftp://example.com")


async def test_environment_variables_are_honoured(
    certicheck_sandbox: SandboxThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = certicheck_sandbox.sandbox.config
    monkeypatch.setenv("METTL_PUBLIC_KEY", config.public_key)
    monkeypatch.setenv("METTL_PRIVATE_KEY", config.private_key)
    monkeypatch.setenv("METTL_SUBDOMAIN", config.subdomain)
    monkeypatch.setenv("METTL_BASE_URL", certicheck_sandbox.base_url)
    async with CertiCheckClient(options=ClientOptions(retry=FAST)) as client:
        info = await client.account.get()
    assert info.email == "john.doe@nextbigapp.com"
    [request] = certicheck_sandbox.sandbox.requests
    assert (request.params["ak"], request.params["subdomain"]) == (config.public_key, config.subdomain)


async def test_arguments_win_over_environment_variables(
    certicheck_sandbox: SandboxThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METTL_PUBLIC_KEY", "env-public")
    monkeypatch.setenv("METTL_PRIVATE_KEY", "env-private")
    monkeypatch.setenv("METTL_SUBDOMAIN", "env-subdomain")
    monkeypatch.setenv("METTL_BASE_URL", "http://127.0.0.1:1/api/v2")
    async with certicheck_sandbox.client(retry=FAST) as client:
        assert await client.timezones.list()


# -- secrets -------------------------------------------------------------------------------------


async def test_secrets_never_reach_logs_reprs_or_errors(
    certicheck_sandbox_factory: StartSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mettl_async")
    faults = FaultConfig(rate=0.5, seed=5, kinds="e000,html5xx,drop,429", retry_after=0.01)
    clock = FakeClock()  # the retries' next-second waits take no real time
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=40, faults=faults, clock=clock.time))
    fake_time = {"clock": clock.time, "sleep": clock.sleep}
    wrong_key = "a-wrong-private-key-0123456789"
    errors: list[MettlError] = []

    async def attempt(call: Any) -> None:
        try:
            await call
        except MettlError as error:
            errors.append(error)

    async with sandbox.client(retry=fast(2), **fake_time) as client:
        await attempt(client.results.all(page_size=5).to_list())
        for i in range(6):
            await attempt(client.applicants.register_many([person(f"s{i}@example.com")]))
            await attempt(client.slots.delete_window(150 + i % 3))
    async with CertiCheckClient(
        "sandbox-public-key",
        wrong_key,
        "sandbox",
        base_url=sandbox.base_url,
        options=ClientOptions(retry=fast(1), **fake_time),
    ) as impostor:
        for _ in range(3):
            await attempt(impostor.account.get())
    base_url = f"http://127.0.0.1:{closed_port()}/api/v2"
    async with CertiCheckClient(
        "pk", wrong_key, "acme", base_url=base_url, options=ClientOptions(retry=fast(1))
    ) as offline:
        await attempt(offline.tests.list())

    kinds = {type(e) for e in errors}
    assert {AuthenticationError, ConnectError} <= kinds
    assert any(isinstance(e, ServerError | ConnectionLostError) for e in errors)
    assert any("asgn=REDACTED" in r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG)

    asgns = [r.params["asgn"] for r in sandbox.sandbox.requests]
    secrets = [sandbox.sandbox.config.private_key, wrong_key, *asgns, *(quote(a, safe="") for a in asgns)]
    shown = [caplog.text, *(r.getMessage() for r in caplog.records)]
    for error in errors:
        shown += [str(error), repr(error), str(error.__cause__), repr(error.__cause__)]
        shown += [bytes(getattr(error, "body", b"")).decode("utf-8", "replace")]
    for thing in (client, client.session, client.session.auth, impostor.session.auth):
        shown.append(repr(thing))
    leaks = [secret for secret in secrets for text in shown if secret in text]
    assert not leaks


async def test_two_clients_never_sign_the_same_request_alike(
    certicheck_sandbox_factory: StartSandbox,
) -> None:
    """Same request, same second, separate clients (or runs of a script) in one process."""
    clock = FakeClock()
    sandbox = certicheck_sandbox_factory(SandboxConfig(clock=clock.time))
    for _ in range(3):
        async with sandbox.client(retry=RetryPolicy.never(), clock=clock.time, sleep=clock.sleep) as client:
            await client.tests.list().to_list()
    assert len(clock.slept) == 2  # the second and third each waited for a second of their own
    seen = sandbox.sandbox.requests
    assert len(seen) == 3
    assert len({r.params["asgn"] for r in seen}) == 3
    assert all(r.error_code is None for r in seen)


async def test_debug_log_names_the_error_code(
    certicheck_sandbox: SandboxThread, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mettl_async")
    async with certicheck_sandbox.client() as client:
        with pytest.raises(MettlError):
            await client.slots.delete_window(424242)
    assert any(" -> 200 E039 in " in r.getMessage() for r in caplog.records)


async def serve(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.AppRunner:
    """A one-handler server on a free loopback port (its runner knows the port)."""
    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


async def test_redirects_are_not_followed() -> None:
    """A 3xx would carry ak and an unused signature to a host nobody configured."""
    elsewhere: list[str] = []

    async def record(request: web.Request) -> web.Response:
        elsewhere.append(request.path_qs)
        return web.json_response({"status": "SUCCESS", "timezones": []})

    other = await serve(record)

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://localhost:{other.addresses[0][1]}/steal{request.path_qs}")

    first = await serve(redirect)
    base_url = f"http://127.0.0.1:{first.addresses[0][1]}/api/v2"
    try:
        async with CertiCheckClient(
            "pub", "priv", "s", base_url=base_url, options=ClientOptions(retry=RetryPolicy.never())
        ) as client:
            with pytest.raises(ApiError, match="redirected to localhost; not followed") as caught:
                await client.timezones.list()
    finally:
        await first.cleanup()
        await other.cleanup()
    assert caught.value.http_status == 302
    assert elsewhere == []


def test_base_url_with_credentials_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="user name or password") as caught:
        CertiCheckClient("pub", "priv", "s", base_url="http://proxyuser:s3cr3t@127.0.0.1:9/api/v2")
    assert "s3cr3t" not in str(caught.value)
