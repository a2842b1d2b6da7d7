"""What a session tells about itself through aiohttp trace configs, for every platform's client:
every request and failed attempt seen, a borrowed session refused, responses captured with their
status and headers, and options overridden for one call, checked against the sandboxes over loopback."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from mettl_async import ClientOptions, ConfigurationError, ConnectError, RetryPolicy
from mettl_async.certicheck import CertiCheckClient
from mettl_async.testing import FakeClock, SandboxThread
from tests.support.loopback import closed_port

# -- aiohttp trace configs, for every platform ---------------------------------------------------


def counting_trace() -> tuple[aiohttp.TraceConfig, dict[str, int]]:
    """A real trace config counting requests, and adding a header on the way out as
    OpenTelemetry's aiohttp instrumentation adds ``traceparent``."""
    counts = {"start": 0, "end": 0, "exception": 0, "chunks": 0}
    trace = aiohttp.TraceConfig()

    async def start(session: Any, context: Any, params: aiohttp.TraceRequestStartParams) -> None:
        counts["start"] += 1
        params.headers["traceparent"] = f"00-{counts['start']:032x}-{1:016x}-01"

    async def end(session: Any, context: Any, params: aiohttp.TraceRequestEndParams) -> None:
        counts["end"] += 1

    async def exception(session: Any, context: Any, params: aiohttp.TraceRequestExceptionParams) -> None:
        counts["exception"] += 1

    async def chunk(session: Any, context: Any, params: aiohttp.TraceResponseChunkReceivedParams) -> None:
        counts["chunks"] += 1

    trace.on_request_start.append(start)
    trace.on_request_end.append(end)
    trace.on_request_exception.append(exception)
    trace.on_response_chunk_received.append(chunk)
    return trace, counts


async def _certicheck(client: Any) -> None:
    await client.timezones.list()
    await client.results.all(page_size=50).to_list()


async def _mettl(client: Any) -> None:
    await client.account.get()
    await client.assessments.list().to_list()


async def _proctorexam(client: Any) -> None:
    await client.institutes.list().to_list()
    await client.exams.list().to_list()


async def _itep(client: Any) -> None:
    await client.fulfill("GTX-Academic-Plus")
    await client.fulfill("GTX-Business")


PLATFORMS = {
    "certicheck": ("certicheck_sandbox", _certicheck),
    "mettl": ("mettl_rest_sandbox", _mettl),
    "proctorexam": ("proctorexam_sandbox", _proctorexam),
    "itep": ("itep_sandbox", _itep),
}


@pytest.mark.parametrize("platform", list(PLATFORMS))
async def test_trace_configs_see_every_request_of_every_client(
    platform: str, request: pytest.FixtureRequest
) -> None:
    fixture, calls = PLATFORMS[platform]
    sandbox: SandboxThread = request.getfixturevalue(fixture)
    trace, counts = counting_trace()
    # prefetch=1: no page fetched ahead, then cancelled: counts are exact
    async with sandbox.client(trace_configs=[trace], prefetch=1) as client:
        await calls(client)
    seen = sandbox.sandbox.requests
    assert len(seen) >= 2
    assert counts["start"] == counts["end"] == client.stats.requests == len(seen)
    assert counts["exception"] == 0
    assert counts["chunks"] >= len(seen)
    # The header a tracer adds reaches the server and does not break the signature.
    assert [r.headers.get("traceparent") for r in seen] == [
        f"00-{n:032x}-{1:016x}-01" for n in range(1, len(seen) + 1)
    ]
    assert all(r.error_code is None for r in seen)


async def test_trace_configs_see_failed_attempts_too() -> None:
    trace, counts = counting_trace()
    clock = FakeClock()  # the retry waits for the next second: on a fake clock
    client = CertiCheckClient(
        "pk",
        "sk",
        "sub",
        base_url=f"http://127.0.0.1:{closed_port()}/api/v2",
        options=ClientOptions(
            retry=RetryPolicy(attempts=2, backoff_initial=0.0, jitter=0.0),
            trace_configs=[trace],
            clock=clock.time,
            sleep=clock.sleep,
        ),
    )
    async with client:
        with pytest.raises(ConnectError):
            await client.timezones.list()
    assert counts["start"] == counts["exception"] == client.stats.requests == 2


async def test_trace_configs_with_a_borrowed_http_session_are_refused() -> None:
    trace, _ = counting_trace()
    async with aiohttp.ClientSession() as http:
        with pytest.raises(ConfigurationError, match=r"aiohttp.ClientSession\(trace_configs=...\)"):
            CertiCheckClient("pk", "sk", "sub", options=ClientOptions(http=http, trace_configs=[trace]))


async def test_capture_responses_keeps_the_typed_result_and_gives_status_and_headers(
    certicheck_sandbox: SandboxThread,
) -> None:
    from mettl_async import capture_responses
    from mettl_async.certicheck.models import AccountInfo

    async with certicheck_sandbox.client() as client:
        with capture_responses() as responses:
            info = await client.account.get()
            zones = await client.timezones.list()
        outside = await client.tests.list()
    assert isinstance(info, AccountInfo)
    assert zones
    assert outside is not None
    assert [r.status for r in responses] == [200, 200]  # the calls inside the block only
    assert all(r.headers.get("Date") for r in responses)
    assert responses[0].payload["accountInfo"]["email"] == info.email


async def test_with_options_overrides_timeout_and_retry_for_one_call(certicheck_sandbox_factory: Any) -> None:
    from mettl_async import RequestTimeoutError
    from mettl_async.testing import FaultConfig
    from mettl_async.testing.certicheck import SandboxConfig

    slow = certicheck_sandbox_factory(
        SandboxConfig(applicants=10, faults=FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.5))
    )
    async with slow.client(timeout=5) as client:
        assert await client.timezones.list()  # the client's own 5 s: the slow answer arrives
        hurried = client.with_options(timeout=0.1, retry=RetryPolicy.never())
        with pytest.raises(RequestTimeoutError):
            await hurried.account.get()
        assert client.stats.retries == 0  # the view shares the session and its counters
        assert hurried.session is client.session
