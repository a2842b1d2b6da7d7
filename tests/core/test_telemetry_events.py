"""What a session tells about itself through its listeners, events and counters: listeners that
subscribe, unsubscribe and fail alone, failures described in a few words, and every counter and
event checked against what the sandbox saw over loopback."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import pytest

from mettl_async import ClientOptions, ConnectError, RetryPolicy
from mettl_async.certicheck import CertiCheckClient
from mettl_async.certicheck.models import ApplicantRegistration
from mettl_async.core.errors import (
    ConnectionLostError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    SignatureExpiredError,
)
from mettl_async.core.telemetry import (
    ClockCorrected,
    RequestDone,
    RetryScheduled,
    SessionEvent,
    SessionEvents,
    SessionStats,
    Throttled,
    WaitingForSecond,
    describe_failure,
)
from mettl_async.testing import FakeClock, Fault, FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.loopback import closed_port

FAST = RetryPolicy(attempts=10, backoff_initial=0.0, jitter=0.0)
StartSandbox = Callable[..., SandboxThread]


# -- the listeners -------------------------------------------------------------------------------


def test_listeners_subscribe_and_unsubscribe() -> None:
    events = SessionEvents()
    seen: list[tuple[str, SessionEvent]] = []
    stop_a = events.subscribe(lambda e: seen.append(("a", e)))
    events.subscribe(lambda e: seen.append(("b", e)))
    first = ClockCorrected(1.0)
    events.emit(first)
    stop_a()
    stop_a()  # a second stop is harmless
    second = ClockCorrected(2.0)
    events.emit(second)
    assert seen == [("a", first), ("b", first), ("b", second)]
    assert len(events.listeners) == 1
    with pytest.raises(TypeError, match="callable"):
        events.subscribe("not a function")  # type: ignore[arg-type]


def test_a_failing_listener_is_logged_and_the_others_still_hear(caplog: pytest.LogCaptureFixture) -> None:
    events = SessionEvents()
    heard: list[SessionEvent] = []

    def broken(event: SessionEvent) -> None:
        raise RuntimeError("listener bug")

    events.subscribe(broken)
    events.subscribe(heard.append)
    with caplog.at_level(logging.ERROR, logger="mettl_async.telemetry"):
        events.emit(ClockCorrected(0.5))
    assert heard == [ClockCorrected(0.5)]
    assert "a session event listener failed on ClockCorrected" in caplog.text
    assert "listener bug" in caplog.text


def test_describe_failure_in_a_few_words() -> None:
    refused = ConnectError(
        "GET http://127.0.0.1:9/api/v2/x?ak=REDACTED: ClientConnectorError: Cannot connect to host "
        "127.0.0.1:9 ssl:default [Connect call failed ('127.0.0.1', 9)]"
    )
    assert describe_failure(refused) == "cannot connect to 127.0.0.1:9: Connect call failed ('127.0.0.1', 9)"
    dns = ConnectError("GET https://nowhere.invalid/x: ClientConnectorDNSError: Name or service not known")
    assert describe_failure(dns) == "cannot connect: Name or service not known"
    lost = ConnectionLostError("GET http://h/x: ServerDisconnectedError: Server disconnected")
    assert describe_failure(lost) == "connection lost: Server disconnected"
    assert describe_failure(RequestTimeoutError("GET http://h/x: TimeoutError: ")) == "no answer in time"
    assert describe_failure(RateLimitedError("slow down", retry_after=2.0, http_status=429)) == (
        "429 too many requests, Retry-After 2 s"
    )
    assert describe_failure(RateLimitedError("", http_status=429)) == "429 too many requests"
    assert describe_failure(SignatureExpiredError("expired", code="E401")).startswith(
        "signature already used"
    )
    assert describe_failure(ServerError("Some Error Occurred", code="E000")) == "E000: Some Error Occurred"
    assert describe_failure(ValueError("odd")) == "ValueError: odd"


def test_mean_latency() -> None:
    assert SessionStats().mean_latency is None
    assert SessionStats(requests=4, request_seconds=2.0).mean_latency == 0.5


# -- events and counters from real requests ------------------------------------------------------


async def test_every_counter_agrees_with_the_events_and_the_server(
    certicheck_sandbox_factory: StartSandbox,
) -> None:
    faults = FaultConfig(rate=0.25, seed=10, kinds="e000,html5xx,drop,429", retry_after=0.05)
    clock = FakeClock()  # retries wait for the next second, 429s pause: on a fake clock
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=120, faults=faults, clock=clock.time))
    events: list[SessionEvent] = []
    # prefetch=1: no page fetched ahead, then cancelled: counts are exact
    async with sandbox.client(retry=FAST, prefetch=1, clock=clock.time, sleep=clock.sleep) as client:
        client.events.subscribe(events.append)
        records = await client.results.all(page_size=10).to_list()
        # Identical GETs at once are coalesced: one request, three answers.
        await asyncio.gather(*(client.tests.list(page_size=7) for _ in range(3)))
    assert len(records) == 120
    stats = client.stats
    seen = sandbox.sandbox.requests
    done = [e for e in events if isinstance(e, RequestDone)]
    retried = [e for e in events if isinstance(e, RetryScheduled)]
    throttled = [e for e in events if isinstance(e, Throttled)]
    injected = sandbox.sandbox.faults.injected
    assert injected[Fault.RATE_LIMIT] > 0
    assert injected[Fault.DROP] > 0

    assert stats.requests == len(done) == len(seen)
    assert stats.retries == len(retried) == sum(injected.values()) - injected[Fault.SLOW]
    assert stats.rate_limited == len(throttled) == injected[Fault.RATE_LIMIT]
    assert stats.coalesced == 2
    assert stats.clock_corrections == 0
    assert stats.bytes_sent == sum(e.bytes_sent for e in done) == 0  # GETs carry no body
    assert stats.bytes_received == sum(e.bytes_received for e in done) > 0
    assert stats.request_seconds == pytest.approx(sum(e.elapsed for e in done))
    assert stats.mean_latency is not None
    assert 0 < stats.mean_latency < 5

    # Each event says what happened; none carries a credential.
    assert [e.status for e in done if e.error is None] == [200] * (len(done) - len(retried))
    dropped = [e for e in done if isinstance(e.error, ConnectionLostError)]
    assert dropped
    assert all(e.status is None and e.bytes_received == 0 for e in dropped)
    assert {e.url for e in done} >= {sandbox.base_url + "/getAllApplicantResults"}
    assert all("?" not in e.url for e in done)
    for event in retried:
        assert event.delay >= 0
        assert abs(event.at - (time.time() - 0)) < 60
        assert event.attempt >= 1
        assert event.reason
    for event in throttled:
        assert event.retry_after == 0.05
        assert 0 < event.delay <= 0.05 + 1e-6  # the limiter's pause: the Retry-After
    secret = sandbox.sandbox.config.private_key
    assert all(secret not in repr(e) for e in events)


async def test_bytes_sent_are_the_bodies_the_server_received(certicheck_sandbox: SandboxThread) -> None:
    people = [ApplicantRegistration(f"bytes{n}@example.com", {"First Name": "Ada"}) for n in range(3)]
    events: list[SessionEvent] = []
    async with certicheck_sandbox.client() as client:
        client.events.subscribe(events.append)
        await client.applicants.register(people)
        await client.timezones.list()
    seen = certicheck_sandbox.sandbox.requests
    done = [e for e in events if isinstance(e, RequestDone)]
    assert [e.method for e in done] == [r.method for r in seen] == ["POST", "GET"]
    assert client.stats.bytes_sent == done[0].bytes_sent == len(seen[0].body) > 100
    assert done[1].bytes_sent == 0
    assert client.stats.bytes_received == sum(e.bytes_received for e in done) > 100


async def test_a_refused_connection_schedules_retries_with_their_reason() -> None:
    port = closed_port()
    clock = FakeClock()
    events: list[SessionEvent] = []
    client = CertiCheckClient(
        "pk",
        "sk",
        "sub",
        base_url=f"http://127.0.0.1:{port}/api/v2",
        # each retry waits for a second of its own: on a fake clock
        options=ClientOptions(
            retry=RetryPolicy(attempts=3, backoff_initial=0.01, jitter=0.0),
            clock=clock.time,
            sleep=clock.sleep,
        ),
    )
    async with client:
        client.events.subscribe(events.append)
        with pytest.raises(ConnectError):
            await client.timezones.list()
    retried = [e for e in events if isinstance(e, RetryScheduled)]
    assert [e.attempt for e in retried] == [1, 2]
    assert all(e.reason.startswith(f"cannot connect to 127.0.0.1:{port}") for e in retried)
    assert [e.status for e in events if isinstance(e, RequestDone)] == [None, None, None]
    assert client.stats.requests == 3
    assert client.stats.retries == 2


async def test_the_clock_correction_and_the_wait_for_the_next_second_are_told(
    certicheck_sandbox_factory: StartSandbox,
) -> None:
    clock = FakeClock()
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=10, clock=lambda: clock.now + 2 * 86_400))
    events: list[SessionEvent] = []
    async with sandbox.client(retry=FAST, clock=clock.time, sleep=clock.sleep) as client:
        client.events.subscribe(events.append)
        await client.timezones.list()
        # Same request, other options: not shared, so the second signs in the next second.
        await asyncio.gather(client.timezones.list(), client.with_options(timeout=30).timezones.list())
    corrected = [e for e in events if isinstance(e, ClockCorrected)]
    assert len(corrected) == 1
    assert abs(corrected[0].offset - 2 * 86_400) < 2
    waits = [e for e in events if isinstance(e, WaitingForSecond)]
    assert len(waits) == 1
    assert 0 < waits[0].delay <= 1.01
    assert clock.slept == [waits[0].delay]
    assert waits[0].url == sandbox.base_url + "/getAllTimezones"


async def test_the_throttle_tells_the_limiters_whole_pause(certicheck_sandbox_factory: StartSandbox) -> None:
    """Without Retry-After the limiter holds callers for one interval of its lowered rate."""
    faults = FaultConfig(rate=1.0, seed=1, kinds="429", retry_after=0.3)
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=10, faults=faults))
    events: list[SessionEvent] = []
    async with sandbox.client(retry=RetryPolicy.never(), rate=5.0) as client:
        client.events.subscribe(events.append)
        with pytest.raises(RateLimitedError):
            await client.timezones.list()
    [throttle] = [e for e in events if isinstance(e, Throttled)]
    assert throttle.retry_after == 0.3
    assert throttle.delay == pytest.approx(0.3, abs=0.05)
    assert throttle.until == pytest.approx(time.time() + throttle.delay, abs=1.0)


async def test_the_counters_and_the_log_are_listeners_of_the_same_events(
    certicheck_sandbox_factory: StartSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """The session's counters and log lines hear what any listener hears: one stream of events
    (retries, clock corrections and shared answers included), counted once each."""
    faults = FaultConfig(rate=0.3, seed=2, kinds="e000,429", retry_after=0.01)
    clock = FakeClock()  # retries wait for the next second: on a fake clock
    sandbox = certicheck_sandbox_factory(
        SandboxConfig(applicants=60, faults=faults, clock=lambda: clock.now + 2 * 86_400)
    )
    events: list[SessionEvent] = []
    caplog.set_level(logging.WARNING, logger="mettl_async.session")
    async with sandbox.client(retry=FAST, clock=clock.time, sleep=clock.sleep) as client:
        client.events.subscribe(events.append)
        assert len(await client.results.all(page_size=10).to_list()) == 60
        await asyncio.gather(client.timezones.list(), client.with_options(timeout=30).timezones.list())
    kinds = [type(event).__name__ for event in events]
    assert client.stats.requests == kinds.count("RequestDone")
    assert client.stats.retries == kinds.count("RetryScheduled") > 0
    assert client.stats.rate_limited == kinds.count("Throttled")
    assert client.stats.clock_corrections == kinds.count("ClockCorrected") == 1
    assert client.stats.coalesced == kinds.count("Shared")
    retried = [r for r in caplog.records if r.getMessage().startswith("retrying GET")]
    assert len(retried) == client.stats.retries


async def test_a_listener_that_raises_does_not_fail_the_request(
    certicheck_sandbox: SandboxThread, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: SessionEvent) -> None:
        raise RuntimeError("metrics backend down")

    async with certicheck_sandbox.client() as client:
        client.events.subscribe(broken)
        with caplog.at_level(logging.ERROR, logger="mettl_async.telemetry"):
            assert await client.timezones.list()
    assert "metrics backend down" in caplog.text
