"""How the REST sandbox refuses, and what the client makes of it, over loopback: signatures per
version (SHA-1 for v1), keys, time, reuse, rate, routing, and the REST API's own E-codes."""

from __future__ import annotations

import base64
import time
from datetime import datetime, timedelta

import aiohttp
import pytest

from mettl_async import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    SignatureExpiredError,
    ValidationError,
)
from mettl_async.core.auth import Stamp
from mettl_async.core.request import Placement, Request
from mettl_async.mettl_rest.specs import CandidateRegistration, ScheduleSpec, Window
from mettl_async.mettlfamily.codes import decode_rest
from mettl_async.mettlfamily.signing import Algorithm, Credentials, MettlSigning
from mettl_async.testing import FakeClock, FaultConfig
from tests.support.mettl_support import StartRest, biggest_schedule, client, platform, seen, start

KEYS = Credentials("sandbox-public-key", "sandbox-private-key")


def digest_size(asgn: str) -> int:
    return len(base64.b64decode(asgn))


async def test_v1_is_signed_with_sha1_and_v2_v3_with_sha256(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    for version in ("v1", "v2", "v3"):
        async with client(sandbox, api_version=version) as mettl:
            assert (await mettl.account.get()).first_name == "Sandbox"
    sizes = {r.raw_path.split("/")[2]: digest_size(r.params["asgn"]) for r in seen(sandbox, "/account")}
    assert sizes == {"v1": 20, "v2": 32, "v3": 32}


async def test_a_v1_request_signed_with_sha256_is_refused(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    base = sandbox.base_url + "/v1"
    now = int(time.time())
    wire = (
        MettlSigning(KEYS, Algorithm.HMAC_SHA256).sign(Request("GET", "/account"), base, Stamp(now, now)).wire
    )
    async with aiohttp.ClientSession() as http, http.get(wire.url) as response:
        body = await response.read()
    with pytest.raises(AuthenticationError, match="E401"):
        decode_rest(response.status, response.headers, body, "json")


async def test_unknown_key_and_wrong_private_key(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    async with sandbox.client(public_key="someone-else", retry=None) as stranger:
        with pytest.raises(PermissionDeniedError) as unknown:
            await stranger.account.get()
    async with sandbox.client(private_key="not-the-key") as wrong:
        with pytest.raises(AuthenticationError) as mismatch:
            await wrong.account.get()
    assert unknown.value.code == "E403"
    assert mismatch.value.code == "E401"
    assert "not-the-key" not in str(mismatch.value)


async def test_a_clock_two_days_off_is_corrected_from_the_date_header(
    mettl_rest_sandbox_factory: StartRest,
) -> None:
    sandbox = start(mettl_rest_sandbox_factory, clock=lambda: time.time() + 2 * 86_400)
    async with client(sandbox) as mettl:
        assert (await mettl.account.get()).first_name == "Sandbox"
        assert mettl.stats.clock_corrections == 1
    assert [r.error_code for r in seen(sandbox, "/account")] == ["E504", None]


async def test_a_reused_signature_is_e422(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    now = int(time.time())
    wire = MettlSigning(KEYS).sign(Request("GET", "/pbts"), sandbox.base_url + "/v2", Stamp(now, now)).wire
    answers = []
    async with aiohttp.ClientSession() as http:
        for _ in range(2):
            async with http.get(wire.url) as response:
                answers.append((response.status, response.headers, await response.read()))
    assert decode_rest(*answers[0], "json")["status"] == "SUCCESS"
    with pytest.raises(SignatureExpiredError) as reused:
        decode_rest(*answers[1], "json")
    assert reused.value.code == "E422"
    assert reused.value.retryable


async def test_above_the_servers_rate_e509_is_waited_out(mettl_rest_sandbox_factory: StartRest) -> None:
    fake = FakeClock()  # the server's rate and the client's waits, on one fake clock
    sandbox = start(mettl_rest_sandbox_factory, rate=4.0, burst=1, clock=fake.time)
    # prefetch=1: with no real waits, a page past the end would be fetched too (and counted)
    async with client(sandbox, clock=fake.time, sleep=fake.sleep, prefetch=1) as mettl:
        keys = [s.access_key async for s in mettl.schedules.all(page_size=2)]
        assert len(keys) == 12
        assert mettl.stats.rate_limited >= 1
    assert fake.waited >= 1.0  # E509's Retry-After, waited out
    codes = [r.error_code for r in seen(sandbox, "/schedules")]
    assert "E509" in codes
    assert codes.count(None) == 6


async def test_no_such_endpoint_and_no_such_method(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    async with client(sandbox) as mettl:
        with pytest.raises(NotFoundError) as path:
            await mettl.session.request(Request("GET", "/nothing-here"))
        with pytest.raises(ValidationError) as method:
            await mettl.session.request(Request("DELETE", "/account"))
    assert (path.value.code, path.value.http_status) == ("E404", 404)
    assert (method.value.code, method.value.http_status) == ("E405", 405)


async def test_registering_into_a_closed_fixed_schedule_is_e028(
    mettl_rest_sandbox_factory: StartRest,
) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    assessment = next(iter(platform(sandbox).world.assessments))
    past = datetime(2020, 1, 1, 9)
    spec = ScheduleSpec(
        name="Closed",
        schedule_type="Fixed",
        schedule_window=Window(open_time=past, close_time=past + timedelta(days=1)),
    )
    async with client(sandbox) as mettl:
        created = await mettl.schedules.create(assessment, spec)
        assert created.access_key is not None
        with pytest.raises(ConflictError) as closed:
            await mettl.candidates.register(created.access_key, [CandidateRegistration("late@example.org")])
    assert closed.value.code == "E028"
    assert "expired" in closed.value.message


async def test_too_many_candidates_reaching_the_server_is_e010(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    key = next(iter(platform(sandbox).world.schedules))
    details = ",".join(f'{{"Email Address":"x{i}@example.org"}}' for i in range(21))
    request = Request(
        "POST",
        f"/schedules/{key}/candidates",
        {"rd": f'{{"registrationDetails":[{details}]}}'},
        placement=Placement.FORM,
    )
    async with client(sandbox) as mettl:
        with pytest.raises(ValidationError) as big:
            await mettl.session.request(request)
    assert big.value.code == "E010"


async def test_a_harvest_through_faults_loses_and_repeats_nothing(
    mettl_rest_sandbox_factory: StartRest,
) -> None:
    faults = FaultConfig(rate=0.3, seed=3, kinds="e000,html5xx,drop")
    sandbox = start(mettl_rest_sandbox_factory, candidates=80, faults=faults)
    key = biggest_schedule(sandbox)
    expected = sorted(c.email for c in platform(sandbox).world.schedules[key].candidates.values())
    async with client(sandbox) as mettl:
        # Each retry waits for the next second: the failed attempt used this second's signature.
        got = [r.email async for r in mettl.candidates.results(key, page_size=10)]
        assert mettl.stats.retries > 0
    assert sorted(got) == expected  # type: ignore[type-var]
    injected = platform(sandbox).faults.injected
    assert sum(injected.values()) > 0
