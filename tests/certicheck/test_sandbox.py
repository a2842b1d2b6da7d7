"""The sandbox server itself, driven with plain aiohttp and hand-signed requests (section 8)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import aiohttp
import orjson
import pytest
from yarl import URL

from mettl_async import ConflictError, RateLimitedError, RetryPolicy, ServerError
from mettl_async.certicheck.models import ApplicantRegistration
from mettl_async.core.request import Request
from mettl_async.testing import Fault, FaultConfig, SandboxServer
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig, build_world
from mettl_async.testing.faults import FaultInjector
from mettl_async.testing.mettl_request_check import expected_signature

ONE_DAY = 86_400


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    async with SandboxServer(CertiCheckSandbox(SandboxConfig(applicants=30))) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


def signed(
    server: SandboxServer,
    method: str,
    path: str,
    params: dict[str, str] | None = None,
    *,
    key: str | None = None,
    ts: float | None = None,
    **auth: str,
) -> str:
    """The encoded query (or form body) of a request signed as section 8.2 says."""
    config = server.sandbox.config
    values = {"ak": config.public_key, "subdomain": config.subdomain, **auth, **(params or {})}
    values["ts"] = str(int(time.time() if ts is None else ts))
    values["asgn"] = expected_signature(key or config.private_key, method, server.base_url + path, values)
    return urlencode(values, quote_via=quote, safe="")


async def send(http: aiohttp.ClientSession, server: SandboxServer, method: str, path: str, query: str) -> Any:
    """Send an encoded query exactly as given; return the decoded JSON body."""
    if method == "GET":
        request = http.get(URL(f"{server.base_url}{path}?{query}", encoded=True))
    else:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        request = http.post(URL(server.base_url + path, encoded=True), data=query, headers=headers)
    async with request as response:
        assert response.status == 200
        return orjson.loads(await response.read())


def error(code: str, message: str) -> dict[str, Any]:
    return {"status": "ERROR", "error": {"code": code, "message": message}}


# -- section 8.4: authentication -----------------------------------------------------------------


async def test_a_correctly_signed_get_and_post_are_served(
    server: SandboxServer, http: aiohttp.ClientSession
) -> None:
    body = await send(http, server, "GET", "/tests", signed(server, "GET", "/tests", {"limit": "2"}))
    assert body["status"] == "SUCCESS"
    assert len(body["tests"]) == 2
    settings = orjson.dumps({"weekendSlotSetting": {"disableWeekendSlotting": True}}).decode()
    query = signed(server, "POST", "/accountSettings", {"as": settings})
    assert await send(http, server, "POST", "/accountSettings", query) == {"status": "Success"}
    assert server.sandbox.world.settings == {"weekendSlotSetting": {"disableWeekendSlotting": True}}


async def test_bad_signature_is_e401(server: SandboxServer, http: aiohttp.ClientSession) -> None:
    query = signed(server, "GET", "/tests", key="not-the-private-key")
    body = await send(http, server, "GET", "/tests", query)
    assert body == error("E401", "Authentication failed/Signature mismatch")


async def test_signature_covers_the_path_exactly_as_sent(
    server: SandboxServer, http: aiohttp.ClientSession
) -> None:
    query = signed(server, "GET", "/getApplicantResults/app+5@yopmail.com")
    body = await send(http, server, "GET", "/getApplicantResults/app%2B5%40yopmail.com", query)
    assert body == error("E401", "Authentication failed/Signature mismatch")
    body = await send(http, server, "GET", "/getApplicantResults/app+5@yopmail.com", query)
    assert body["applicants"][0]["email"] == "app+5@yopmail.com"


@pytest.mark.parametrize("skew", [-ONE_DAY - 5, ONE_DAY + 5])
async def test_timestamp_more_than_a_day_off_is_e504(
    server: SandboxServer, http: aiohttp.ClientSession, skew: int
) -> None:
    query = signed(server, "GET", "/tests", ts=time.time() + skew)
    assert await send(http, server, "GET", "/tests", query) == error("E504", "Invalid Timestamp")


async def test_timestamp_checked_before_the_signature(
    server: SandboxServer, http: aiohttp.ClientSession
) -> None:
    query = signed(server, "GET", "/tests", key="wrong", ts=time.time() - 2 * ONE_DAY)
    assert (await send(http, server, "GET", "/tests", query))["error"]["code"] == "E504"


async def test_timestamp_within_a_day_is_accepted(server: SandboxServer, http: aiohttp.ClientSession) -> None:
    query = signed(server, "GET", "/tests", ts=time.time() - ONE_DAY + 60)
    assert (await send(http, server, "GET", "/tests", query))["status"] == "SUCCESS"


async def test_a_replayed_request_is_signature_expired(
    server: SandboxServer, http: aiohttp.ClientSession
) -> None:
    query = signed(server, "GET", "/accountSettings")
    first = await send(http, server, "GET", "/accountSettings", query)
    second = await send(http, server, "GET", "/accountSettings", query)
    assert first["status"] == "SUCCESS"
    assert second == error("E401", "Signature expired")
    assert [r.error_code for r in server.sandbox.requests] == [None, "E401"]


async def test_unknown_access_key_is_e002(server: SandboxServer, http: aiohttp.ClientSession) -> None:
    query = signed(server, "GET", "/tests", ak="somebody-else")
    assert await send(http, server, "GET", "/tests", query) == error("E002", "Invalid Access Key")


async def test_empty_subdomain_is_e118(server: SandboxServer, http: aiohttp.ClientSession) -> None:
    query = signed(server, "GET", "/tests", subdomain="")
    assert await send(http, server, "GET", "/tests", query) == error("E118", "subdomain param is empty/null")


async def test_unknown_subdomain_is_e117(server: SandboxServer, http: aiohttp.ClientSession) -> None:
    query = signed(server, "GET", "/tests", subdomain="elsewhere")
    body = await send(http, server, "GET", "/tests", query)
    assert body == error("E117", "Certification Client does not exist")


async def test_the_client_signs_as_the_server_expects(server: SandboxServer) -> None:
    async with server.client() as client:
        session = client.session
        request = Request("GET", "/tests", {"limit": "5"})
        signed = session.auth.sign(request, session.base_url, await session.stamper.stamp(request))
    url, _, query = signed.wire.url.partition("?")
    params = dict(parse_qsl(query))
    assert next(iter(params)) == "ak"  # "the first parameter … is the value of 'ak'"
    assert params["asgn"] == expected_signature(server.sandbox.config.private_key, "GET", url, params)


# -- the wire ------------------------------------------------------------------------------------


async def test_json_is_escaped_like_gson(server: SandboxServer, http: aiohttp.ClientSession) -> None:
    query = signed(server, "GET", "/getAllSlotWindows", {"limit": "1"})
    async with http.get(URL(f"{server.base_url}/getAllSlotWindows?{query}", encoded=True)) as response:
        raw = await response.read()
    raw_next_url = raw.split(b'"nextUrl":"')[1].split(b'"')[0]
    assert raw_next_url.endswith(b"/getAllSlotWindows?offset\\u003d1\\u0026limit\\u003d1")
    assert orjson.loads(raw)["nextUrl"] == "http://localhost:8092/api/v1//getAllSlotWindows?offset=1&limit=1"


async def test_errors_are_http_200_envelopes_with_a_date(
    server: SandboxServer, http: aiohttp.ClientSession
) -> None:
    query = signed(server, "GET", "/getAllCandidateEnrolledInSlotWindow", {"sid": "424242"})
    url = f"{server.base_url}/getAllCandidateEnrolledInSlotWindow?{query}"
    async with http.get(URL(url, encoded=True)) as response:
        assert response.status == 200
        body = orjson.loads(await response.read())
        date = parsedate_to_datetime(response.headers["Date"])
    assert body["error"]["code"] == "E022"
    assert abs(date.timestamp() - time.time()) < 2


async def test_date_header_follows_the_server_clock(http: aiohttp.ClientSession) -> None:
    config = SandboxConfig(applicants=30, clock=lambda: time.time() + 2 * ONE_DAY)
    async with SandboxServer(CertiCheckSandbox(config)) as server:
        query = signed(server, "GET", "/tests")
        async with http.get(URL(f"{server.base_url}/tests?{query}", encoded=True)) as response:
            body = orjson.loads(await response.read())
            date = parsedate_to_datetime(response.headers["Date"])
    assert body == error("E504", "Invalid Timestamp")
    assert abs(date.timestamp() - time.time() - 2 * ONE_DAY) < 2


async def test_login_answers_plain_text(server: SandboxServer, http: aiohttp.ClientSession) -> None:
    query = signed(server, "POST", "/loginApplicant", {"email": "app0@yopmail.com"})
    async with http.post(
        URL(server.base_url + "/loginApplicant", encoded=True),
        data=query,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ) as response:
        assert response.content_type == "text/plain"
        text = await response.text()
    assert text.startswith("http://sandbox.mettl.xyz/applicant/dashboard?ssoToken=")


async def test_requests_are_recorded(server: SandboxServer, http: aiohttp.ClientSession) -> None:
    query = signed(server, "GET", "/tests", {"status": "Nope"})
    assert (await send(http, server, "GET", "/tests", query))["error"]["code"] == "E026"
    [seen] = server.sandbox.requests
    assert (seen.method, seen.raw_path.split("?")[0], seen.host) == (
        "GET",
        "/api/v2/tests",
        f"127.0.0.1:{server.port}",
    )
    assert (seen.params["status"], seen.error_code, seen.fault) == ("Nope", "E026", None)


# -- faults and limits ---------------------------------------------------------------------------


def test_the_same_fault_seed_gives_the_same_sequence() -> None:
    config = FaultConfig(rate=0.4, seed=11)
    first, second = FaultInjector(config), FaultInjector(config)
    picks = [first.pick() for _ in range(200)]
    assert picks == [second.pick() for _ in range(200)]
    assert set(picks) == {None, *Fault}
    other = FaultInjector(FaultConfig(rate=0.4, seed=12))
    assert [other.pick() for _ in range(200)] != picks


async def test_the_same_seed_gives_the_same_faults_on_the_server() -> None:
    faults = FaultConfig(rate=0.4, seed=5, kinds="e000,html5xx,429", retry_after=0.01)
    runs = []
    for _ in range(2):
        async with SandboxServer(CertiCheckSandbox(SandboxConfig(applicants=30, faults=faults))) as server:
            async with server.client(retry=RetryPolicy.never()) as client:
                for size in range(1, 26):  # 25 different requests (identical ones are shared)
                    with contextlib.suppress(ServerError, RateLimitedError):
                        await client.tests.list(page_size=size)
            runs.append([r.fault for r in server.sandbox.requests])
    assert runs[0] == runs[1]
    assert {Fault.E000, Fault.HTML_5XX, Fault.RATE_LIMIT} <= set(runs[0])


async def test_faults_strike_before_the_endpoint_acts() -> None:
    faults = FaultConfig(rate=1.0, kinds="e000")
    people = [ApplicantRegistration("x@example.com", {"First Name": "X"})]
    async with SandboxServer(CertiCheckSandbox(SandboxConfig(applicants=30, faults=faults))) as server:
        client = server.client(retry=RetryPolicy.never())
        async with client:
            with pytest.raises(ServerError):
                await client.applicants.register(people)
    assert "x@example.com" not in server.sandbox.world.applicants
    assert server.sandbox.faults.injected[Fault.E000] == 1


async def test_server_rate_limit_answers_429_with_retry_after(http: aiohttp.ClientSession) -> None:
    async with SandboxServer(CertiCheckSandbox(SandboxConfig(applicants=30, rate=2.0))) as server:
        statuses, retry_after = [], None
        for limit in range(1, 4):
            query = signed(server, "GET", "/tests", {"limit": str(limit)})
            async with http.get(URL(f"{server.base_url}/tests?{query}", encoded=True)) as response:
                statuses.append(response.status)
                retry_after = response.headers.get("Retry-After")
    assert statuses == [200, 200, 429]
    assert [r.error_code for r in server.sandbox.requests] == [None, None, "429"]
    assert retry_after is not None
    assert int(retry_after) >= 1


async def test_registration_limit_is_e607() -> None:
    people = [ApplicantRegistration(f"r{i}@example.com", {"First Name": "R"}) for i in range(2)]
    async with SandboxServer(CertiCheckSandbox(SandboxConfig(applicants=30, registration_limit=1))) as server:
        client = server.client(retry=RetryPolicy.never())
        async with client:
            with pytest.raises(ConflictError) as caught:
                await client.applicants.register(people)
            await client.applicants.register(people[:1])
    assert caught.value.code == "E607"
    assert server.sandbox.registrations == 1


async def test_json_of_the_wrong_shape_is_e105_not_a_500(
    server: SandboxServer, http: aiohttp.ClientSession
) -> None:
    for name, value in (
        ("rd", {"registrationDetails": [{"Email Address": 5, "First Name": "X"}]}),
        ("atd", {"applicants": ["not an object"]}),
    ):
        path = "/registerApplicant" if name == "rd" else "/applicants/certificate"
        body = signed(server, "POST", path, {name: orjson.dumps(value).decode()})
        answer = await send(http, server, "POST", path, body)
        assert answer == error("E105", "Bad Request, Please provide data in requested format.")


# -- the world -----------------------------------------------------------------------------------


def test_the_world_is_deterministic() -> None:
    one, again, other = build_world(50, seed=1), build_world(50, seed=1), build_world(50, seed=2)
    assert one == again
    assert one != other
    assert list(one.applicants.values()) == list(again.applicants.values())
    assert list(one.applicants.values()) != list(other.applicants.values())
    assert one.bookings == again.bookings


def test_the_world_has_the_documented_quirks() -> None:
    world = build_world(60, seed=1)
    emails = list(world.applicants)
    assert "app+5@yopmail.com" in emails
    deleted = [e for e, a in world.applicants.items() if a.status == "Deleted"]
    assert deleted == [emails[13], emails[42]]
    assert {t.test_id for t in world.tests.values() if not t.published} == {105, 111}
