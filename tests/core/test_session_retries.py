"""Session behaviour against the sandbox when requests fail: what is retried and what is not, without
ever reusing a signature; transport errors and timeouts; and a clock that is off, corrected from the
server's Date."""

from __future__ import annotations

import time

import pytest

from mettl_async import (
    CertiCheckClient,
    ClientOptions,
    ConnectError,
    ConnectionLostError,
    MettlError,
    RequestTimeoutError,
    RetryPolicy,
    ServerError,
)
from mettl_async.testing import FakeClock, Fault, FaultConfig
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.loopback import closed_port
from tests.support.session_support import FAST, StartSandbox, fast, faults_starting, person

TWO_DAYS = 2 * 86_400


# -- retries -------------------------------------------------------------------------------------


async def test_faulty_harvest_equals_a_clean_one(certicheck_sandbox_factory: StartSandbox) -> None:
    clean = certicheck_sandbox_factory(SandboxConfig(applicants=120))
    faults = FaultConfig(rate=0.3, seed=7, kinds="e000,html5xx")
    # a retry in the second of the failed try waits for the next one: on a fake clock, at once
    clock = FakeClock()
    faulty = certicheck_sandbox_factory(SandboxConfig(applicants=120, faults=faults, clock=clock.time))

    async with (
        clean.client(retry=FAST) as a,
        # prefetch=1: no page fetched past the end and abandoned with its fault unretried
        # (with no real waits, the walk can end while such a page is still in flight)
        faulty.client(retry=fast(10), prefetch=1, clock=clock.time, sleep=clock.sleep) as b,
    ):
        expected = await a.results.all(page_size=10).to_list()
        got = await b.results.all(page_size=10).to_list()

    assert [r.email for r in got] == [r.email for r in expected]
    assert len({r.email for r in got}) == 120
    assert got == expected
    assert [r.raw for r in got] == [r.raw for r in expected]
    injected = faulty.sandbox.faults.injected
    assert injected[Fault.E000] > 0
    assert injected[Fault.HTML_5XX] > 0
    assert b.session.stats.retries == injected[Fault.E000] + injected[Fault.HTML_5XX]


async def test_get_retried_after_a_dropped_connection(certicheck_sandbox_factory: StartSandbox) -> None:
    faults = faults_starting([Fault.DROP, None], rate=0.5, kinds="drop")
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, faults=faults))
    async with sandbox.client(retry=FAST) as client:
        zones = await client.timezones.list()
    assert zones
    assert [r.fault for r in sandbox.sandbox.requests] == [Fault.DROP, None]


async def test_retries_in_the_same_second_never_reuse_a_signature(
    certicheck_sandbox_factory: StartSandbox,
) -> None:
    faults = FaultConfig(rate=0.5, seed=3, kinds="e000,html5xx")
    clock = FakeClock()
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, faults=faults, clock=clock.time))
    async with sandbox.client(retry=fast(10), clock=clock.time, sleep=clock.sleep) as client:
        for _ in range(4):
            await client.timezones.list()  # the same request again and again
            clock.advance(1.0 - clock.now % 1.0)  # answers are shared within a second

    requests = list(sandbox.sandbox.requests)
    assert client.session.stats.retries > 0
    assert clock.slept  # retries in the same second waited for the next one
    signatures = [r.params["asgn"] for r in requests]
    assert len(set(signatures)) == len(signatures)
    assert all(r.error_code is None for r in requests)  # never "Signature expired"


@pytest.mark.parametrize(
    ("kind", "error"),
    [("e000", ServerError), ("html5xx", ServerError), ("drop", ConnectionLostError)],
)
async def test_post_not_retried_after_a_failure_that_may_have_acted(
    certicheck_sandbox_factory: StartSandbox, kind: str, error: type[MettlError]
) -> None:
    sandbox = certicheck_sandbox_factory(
        SandboxConfig(applicants=30, faults=FaultConfig(rate=1.0, kinds=kind))
    )
    async with sandbox.client(retry=FAST) as client:
        with pytest.raises(error):
            await client.applicants.register([person("once@example.com")])
    assert len(sandbox.sandbox.requests) == 1
    assert client.session.stats.retries == 0


async def test_post_retried_after_429(certicheck_sandbox_factory: StartSandbox) -> None:
    faults = faults_starting([Fault.RATE_LIMIT, None], rate=0.5, kinds="429", retry_after=0.01)
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, faults=faults))
    async with sandbox.client(retry=FAST) as client:
        [done] = await client.applicants.register([person("twice@example.com")])
    assert done.status == "Activation Pending"
    assert [r.fault for r in sandbox.sandbox.requests] == [Fault.RATE_LIMIT, None]
    assert client.session.stats.rate_limited == 1


async def test_state_changing_get_not_retried_after_e000(certicheck_sandbox_factory: StartSandbox) -> None:
    faults = FaultConfig(rate=1.0, kinds="e000")
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, faults=faults))
    async with sandbox.client(retry=FAST) as client:
        with pytest.raises(ServerError) as caught:
            await client.slots.delete_window(150)
    assert caught.value.code == "E000"
    assert len(sandbox.sandbox.requests) == 1


async def test_gets_give_up_after_the_policys_attempts(certicheck_sandbox_factory: StartSandbox) -> None:
    faults = FaultConfig(rate=1.0, kinds="html5xx")
    clock = FakeClock()  # each retry waits for a second of its own
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, faults=faults, clock=clock.time))
    async with sandbox.client(retry=fast(3), clock=clock.time, sleep=clock.sleep) as client:
        with pytest.raises(ServerError) as caught:
            await client.account.get()
    assert caught.value.http_status in (502, 503, 504)
    assert len(sandbox.sandbox.requests) == 3


# -- transport errors ----------------------------------------------------------------------------


async def test_connect_error_on_a_closed_port_is_retried_even_for_post() -> None:
    base_url = f"http://127.0.0.1:{closed_port()}/api/v2"
    clock = FakeClock()  # each retry waits for a second of its own
    options = ClientOptions(retry=fast(3), clock=clock.time, sleep=clock.sleep)
    async with CertiCheckClient("pk", "sk", "acme", base_url=base_url, options=options) as client:
        with pytest.raises(ConnectError) as caught:
            await client.applicants.register([person("never@example.com")])
    assert not caught.value.request_sent
    assert client.session.stats.requests == 3  # the server never saw it: safe to repeat


async def test_a_long_retry_after_is_waited_on_the_clients_clock(
    certicheck_sandbox_factory: StartSandbox,
) -> None:
    """``sleep=`` is how the client waits: a 429's 30 s pause is waited on the fake clock, whole,
    and the retry then passes (the sandbox reads the same clock)."""
    faults = faults_starting([Fault.RATE_LIMIT, None], rate=0.5, kinds="429", retry_after=30.0)
    clock = FakeClock()
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, faults=faults, clock=clock.time))
    async with sandbox.client(retry=FAST, clock=clock.time, sleep=clock.sleep) as client:
        assert await client.timezones.list()
    assert [r.fault for r in sandbox.sandbox.requests] == [Fault.RATE_LIMIT, None]
    assert max(clock.slept) >= 30.0
    assert sandbox.sandbox.requests[1].received_at - sandbox.sandbox.requests[0].received_at >= 30.0


async def test_request_timeout_with_a_slow_server(certicheck_sandbox_factory: StartSandbox) -> None:
    faults = FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.3)
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, faults=faults))
    started = time.monotonic()
    async with sandbox.client(retry=RetryPolicy.never(), timeout=0.05) as client:
        with pytest.raises(RequestTimeoutError, match="TimeoutError: no answer in time"):
            await client.timezones.list()
    assert time.monotonic() - started < 0.25
    assert len(sandbox.sandbox.requests) == 1


async def test_slow_answer_within_the_timeout_succeeds(certicheck_sandbox_factory: StartSandbox) -> None:
    faults = FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.05)
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, faults=faults))
    async with sandbox.client(retry=RetryPolicy.never(), timeout=2.0) as client:
        assert await client.timezones.list()


# -- clock ---------------------------------------------------------------------------------------


async def test_server_clock_ahead_corrected_from_the_date_header(
    certicheck_sandbox_factory: StartSandbox,
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, clock=lambda: time.time() + TWO_DAYS))
    async with sandbox.client(retry=RetryPolicy.never()) as client:
        assert await client.timezones.list()
        assert [r.error_code for r in sandbox.sandbox.requests] == ["E504", None]
        assert client.session.stats.clock_corrections == 1
        assert abs(client.session.clock_offset - TWO_DAYS) < 2

        await client.account.get()  # the corrected clock holds: no second E504
    assert [r.error_code for r in sandbox.sandbox.requests] == ["E504", None, None]
    assert client.session.stats.clock_corrections == 1


async def test_client_clock_ahead_corrected_from_the_date_header(
    certicheck_sandbox_factory: StartSandbox,
) -> None:
    """The corrected ts is behind every ts issued before: it must still be used."""
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, clock=lambda: time.time() - TWO_DAYS))
    async with sandbox.client(retry=RetryPolicy.never()) as client:
        assert await client.timezones.list()
    seen = sandbox.sandbox.requests
    assert [r.error_code for r in seen] == ["E504", None]
    assert int(seen[0].params["ts"]) - int(seen[1].params["ts"]) >= TWO_DAYS - 2
    assert client.session.stats.clock_corrections == 1


async def test_stale_client_clock_corrected_and_post_applied_once(
    certicheck_sandbox_factory: StartSandbox,
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30))
    async with sandbox.client(retry=RetryPolicy.never(), clock=lambda: time.time() - TWO_DAYS) as client:
        [done] = await client.applicants.register([person("late@example.com")])
    assert done.status == "Activation Pending"
    assert [r.error_code for r in sandbox.sandbox.requests] == ["E504", None]
    assert client.session.stats.clock_corrections == 1
    assert sandbox.sandbox.registrations == 1
