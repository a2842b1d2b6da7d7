"""The defects found by trying what landed the way users and hostile servers would (issue 6).

Each test here failed on the code before its fix.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
import pytest
import trustme
from aiohttp import web
from click.testing import CliRunner

from mettl_async import (
    ApiError,
    CertiCheckClient,
    ClientOptions,
    InputError,
    MalformedResponseError,
    RetryPolicy,
    TimestampError,
    TLSVerificationError,
    ValidationError,
)
from mettl_async.certicheck.models import ApplicantRegistration, Test, TestAllocation, TestRef
from mettl_async.cli import main
from mettl_async.core.records import parse
from mettl_async.core.request import Request
from mettl_async.core.responses import parse_http_date, parse_retry_after
from mettl_async.core.uniqueness import LocalUniqueness
from mettl_async.mettlfamily.codes import decode_certicheck
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import SandboxConfig

StartSandbox = Callable[..., SandboxThread]
FAST = RetryPolicy(backoff_initial=0.0, jitter=0.05)


def sent_ts(sandbox: SandboxThread) -> list[tuple[int, float]]:
    return [(int(r.params["ts"]), r.received_at) for r in sandbox.sandbox.requests]


# -- 1. single-use signatures must not poison other processes ---------------------------------


async def test_no_ts_is_ever_ahead_of_the_clock(certicheck_sandbox_factory: StartSandbox) -> None:
    """Defect: 100 repeats got ts values up to ~90 s ahead, which other processes then collided with."""
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=20))
    async with sandbox.client() as client:
        for _ in range(100):
            await client.tests.list()
        request = Request("GET", "/getAllTimezones", safe_to_repeat=False)  # not shared: waits instead
        for _ in range(3):
            await client.session.request(request)
    stamps = sent_ts(sandbox)
    assert all(ts <= received for ts, received in stamps)
    timezone_ts = [int(r.params["ts"]) for r in sandbox.sandbox.requests if "Timezones" in r.raw_path]
    assert len(set(timezone_ts)) == 3  # each identical request in a second of its own
    assert all(r.error_code is None for r in sandbox.sandbox.requests)


async def test_identical_gets_in_flight_or_in_the_same_second_are_sent_once(
    certicheck_sandbox: SandboxThread,
) -> None:
    """A web backend calling account.get() a thousand times a second sends it once a second."""
    async with certicheck_sandbox.client() as client:
        answers = await asyncio.gather(*(client.account.get() for _ in range(1000)))
        coalesced = client.stats.coalesced
    sent = [r for r in certicheck_sandbox.sandbox.requests if "accountSettings" in r.raw_path]
    assert 1 <= len(sent) <= 2  # two only when the burst straddles a second
    assert coalesced == 1000 - len(sent)
    assert all(a == answers[0] for a in answers)


async def test_a_signature_another_process_used_is_retried_in_the_next_second(
    certicheck_sandbox: SandboxThread,
) -> None:
    """Two stores stand for two processes: same request, same second, same signature."""
    clients = [certicheck_sandbox.client(uniqueness=LocalUniqueness(), retry=FAST) for _ in range(2)]
    try:
        await asyncio.sleep(1.0 - time.time() % 1.0 + 0.05)  # both start early in one second
        results = await asyncio.gather(*(c.tests.list() for c in clients))
    finally:
        for client in clients:
            await client.close()
    assert [len(page) for page in results] == [len(results[0])] * 2
    requests = list(certicheck_sandbox.sandbox.requests)
    refused = [r for r in requests if r.error_code == "E401"]
    assert len(refused) == 1
    accepted = [r for r in requests if r.error_code is None]
    assert len(accepted) == 2
    assert int(accepted[1].params["ts"]) == int(refused[0].params["ts"]) + 1  # re-signed the next second


def test_two_real_processes_sending_identical_requests_both_finish(certicheck_sandbox: SandboxThread) -> None:
    config = certicheck_sandbox.sandbox.config
    script = textwrap.dedent(
        f"""
        import asyncio, time
        from mettl_async import CertiCheckClient, ClientOptions, RetryPolicy

        async def main():
            async with CertiCheckClient({config.public_key!r}, {config.private_key!r}, {config.subdomain!r},
                                        base_url={certicheck_sandbox.base_url!r},
                                        options=ClientOptions(retry=RetryPolicy(backoff_initial=0,
                                                                                jitter=0.05))) as client:
                deadline = time.time() + 3
                while time.time() < deadline:
                    await client.tests.list()
                    await client.account.get()

        asyncio.run(main())
        """
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outcomes = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outcomes
    requests = list(certicheck_sandbox.sandbox.requests)
    refused = [r for r in requests if r.error_code == "E401"]
    accepted = [r for r in requests if r.error_code is None]
    # Each process sends each request at most once a second; a collision costs one refusal, re-signed.
    assert len(accepted) <= 2 * 2 * 5
    assert len(refused) <= len(accepted)


# -- 4. 429s with no client-side rate ---------------------------------------------------------


async def test_500_concurrent_calls_under_429s_all_finish(certicheck_sandbox_factory: StartSandbox) -> None:
    """Defect: with rate=None, 45-77 % of 500 concurrent calls failed within 5 s."""
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=20, rate=200.0, burst=20))
    started = time.monotonic()
    async with sandbox.client(retry=RetryPolicy(attempts=3, max_elapsed=60)) as client:
        pages = await asyncio.gather(*(client.tests.list(page_size=size) for size in range(1, 501)))
        throttled = client.stats.rate_limited
    assert len(pages) == 500
    assert throttled > 0  # the server did push back
    assert time.monotonic() - started < 30


# -- 5. only the library's own exceptions leave the decoding layer ------------------------------


@pytest.mark.parametrize(
    "value",
    ["Mon, 01 Jan 99999999999 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 +9999", "Mon, 99 Zzz 2024 99:99:99"],
)
def test_impossible_http_dates_read_as_none(value: str) -> None:
    assert parse_http_date(value) is None
    assert parse_retry_after(value, "Mon, 01 Jan 2024 00:00:00 GMT") is None


def test_an_e504_with_an_impossible_date_is_still_a_timestamp_error() -> None:
    body = b'{"status": "ERROR", "error": {"code": "E504", "message": "Invalid Timestamp"}}'
    with pytest.raises(TimestampError) as caught:
        decode_certicheck(200, {"Date": "Mon, 01 Jan 99999999999 00:00:00 GMT"}, body, "json")
    assert caught.value.server_time is None


@pytest.mark.parametrize(
    "value", ["Jan 0, 2147483648 1:0:0 AM", 10**30, "Jan 14, 99999 1:00:00 AM", -(10**20)]
)
def test_impossible_model_dates_are_malformed_responses(value: Any) -> None:
    from mettl_async.certicheck.models import Certificate

    with pytest.raises(MalformedResponseError, match="testDate"):
        parse(Certificate, {"testDate": value})


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
    result = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        # two attempts: a retried 5xx is shown too, without the default policy's 9 s of backoff
        ["harvest", "tests", "--out", str(tmp_path / "t.jsonl"), "--attempts", "2"],
        env={
            "METTL_PUBLIC_KEY": PUBLIC,
            "METTL_PRIVATE_KEY": SECRET,
            "METTL_SUBDOMAIN": "acme",
            "METTL_BASE_URL": base_url,
        },
    )
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
    result = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["harvest", "tests", "--out", str(tmp_path / "t.jsonl")],
        env={
            "METTL_PUBLIC_KEY": PUBLIC,
            "METTL_PRIVATE_KEY": SECRET,
            "METTL_SUBDOMAIN": "acme",
            "METTL_BASE_URL": base_url,
        },
    )
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
    result = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["harvest", "tests", "--out", str(tmp_path / "t.jsonl")],
        env={
            "METTL_PUBLIC_KEY": PUBLIC,
            "METTL_PRIVATE_KEY": SECRET,
            "METTL_SUBDOMAIN": "acme",
            "METTL_BASE_URL": base_url,
        },
    )
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
    config = certicheck_sandbox.sandbox.config
    env = {
        "METTL_PUBLIC_KEY": config.public_key,
        "METTL_PRIVATE_KEY": config.private_key,
        "METTL_SUBDOMAIN": config.subdomain,
        "METTL_BASE_URL": certicheck_sandbox.base_url,
    }
    result = CliRunner().invoke(main, ["harvest", "tests", "--out", str(tmp_path / "t.txt")], env=env)
    assert result.exit_code == 2
    assert "--format" in result.output
    assert not certicheck_sandbox.sandbox.requests


# -- 9. wrong types are clear errors, never silently different values ---------------------------


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ApplicantRegistration("z@x.org", ["First Name"]), "fields"),  # type: ignore[arg-type]
        (lambda: TestAllocation("e@x.org", add=[5]), "add[0]"),  # type: ignore[list-item]
        (lambda: TestAllocation("e@x.org", add=[TestRef("5")]), "test_id"),  # type: ignore[arg-type]
        (lambda: ApplicantRegistration("z@x.org", {"First Name": 5}), "fields['First Name']"),  # type: ignore[dict-item]
    ],
)
def test_wrong_input_types_are_input_errors(build: Callable[[], Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        build()
    assert caught.value.field == field


async def test_register_with_plain_addresses_is_an_input_error(certicheck_sandbox: SandboxThread) -> None:
    async with certicheck_sandbox.client() as client:
        with pytest.raises(InputError) as caught:
            await client.applicants.register(["a@x.org"])  # type: ignore[list-item]
    assert caught.value.field == "applicants[0]"
    assert not certicheck_sandbox.sandbox.requests


@pytest.mark.parametrize(
    ("record", "field"),
    [({"testId": 3.9}, "testId"), ({"testName": {"a": 1}}, "testName"), ({"testId": True}, "testId")],
)
def test_response_fields_of_the_wrong_type_are_named(record: dict[str, Any], field: str) -> None:
    with pytest.raises(MalformedResponseError, match=f"'{field}'"):
        parse(Test, record)


def test_a_30_digit_id_stays_that_id_in_the_model_and_the_output() -> None:
    body = b'{"status":"SUCCESS","tests":[{"testId":123456789012345678901234567890,"testName":"x"}]}'
    payload = decode_certicheck(200, {}, body, "json")
    assert parse(Test, payload["tests"][0]).test_id == 123456789012345678901234567890
    from mettl_async.core.jsoncodec import dumps

    assert dumps(payload["tests"][0]) == b'{"testId":123456789012345678901234567890,"testName":"x"}'
    assert orjson.loads(b'{"a":1}') == {"a": 1}


#: Where orjson's exact range ends: [-2**63, 2**64); a 19-digit negative can already be outside.
EDGE_INTEGERS = [2**63 - 1, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, -(10**19) + 1, 10**19, -(10**30)]


@pytest.mark.parametrize("number", EDGE_INTEGERS)
def test_integers_at_and_beyond_64_bits_are_read_exactly_wherever_json_is_read(number: int) -> None:
    from mettl_async.core.jsoncodec import loads_exact, parse_json
    from mettl_async.core.readers import parse_json_object
    from mettl_async.harvest.postgresql import json_value

    text = f'{{"id":{number},"note":"x"}}'
    assert loads_exact(text) == {"id": number, "note": "x"}
    assert parse_json(text.encode()) == {"id": number, "note": "x"}
    assert parse_json_object(text) == {"id": number, "note": "x"}
    landed = json_value({"id": number, "note": "a\x00b"}, encoded=False)
    assert landed is not None
    assert json.loads(landed)["id"] == number


@pytest.mark.parametrize(
    "body", [b"[18446744073709551616, NaN]", b"[18446744073709551616, 1e400]", b"[" * 5000 + b"1" * 20]
)
def test_the_exact_parser_refuses_what_orjson_refuses(body: bytes) -> None:
    from mettl_async.core.jsoncodec import NOT_JSON, loads_exact, parse_json

    assert parse_json(body) is NOT_JSON
    with pytest.raises(ValueError, match=r"JSON|range|deeply|Expecting"):
        loads_exact(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"p":"12345678901234567890","n":"\\ud800"}',  # a lone surrogate escape
        b'{"p":"12345678901234567890","n":"\xed\xa0\x80"}',  # an encoded surrogate
        b'\xef\xbb\xbf{"p":12345678901234567890}',  # a byte-order mark
        '{"p":12345678901234567890}'.encode("utf-16"),
    ],
)
def test_the_exact_parser_refuses_text_orjson_refuses(body: bytes) -> None:
    """A body sent to the standard library's parser (it holds a 20-digit run) is held to
    orjson's rules, so that what is read can always be written back."""
    from mettl_async.core.jsoncodec import NOT_JSON, parse_json

    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(body)
    assert parse_json(body) is NOT_JSON


def test_a_surrogate_pair_is_read_by_either_parser() -> None:
    from mettl_async.core.jsoncodec import dumps, parse_json

    body = b'{"p":12345678901234567890,"n":"\\ud83d\\ude00"}'
    assert parse_json(body) == {"p": 12345678901234567890, "n": "\U0001f600"}
    assert dumps(parse_json(body)) == '{"p":12345678901234567890,"n":"\U0001f600"}'.encode()


def test_the_writer_refuses_bytes_as_orjson_does() -> None:
    from mettl_async.core.jsoncodec import dumps

    with pytest.raises(TypeError):
        dumps({"a": b"xyz", "big": 10**30})


DEEP = b"[" * 1000 + b"]" * 1000  # orjson reads 1,024 levels but writes only 255
#: Deeper than orjson writes, within what the standard library reads (a body holding a big
#: integer is read by it; one with a big integer *and* 1,000 levels is refused as not JSON).
DEEPER_THAN_ORJSON_WRITES = b"[" * 400 + b"]" * 400


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":' + DEEP + b"}",
        b'{"a":[1,{"b":123456789012345678901234567890,"c":"\xc3\xa9\\n\\u0000","k":[]}],"d":null,"e":true}',
        b'[{"f":1.5,"g":{},"h":-9223372036854775809},' + DEEPER_THAN_ORJSON_WRITES + b"]",
    ],
)
def test_what_was_read_is_written_back_byte_for_byte_at_any_size_and_depth(body: bytes) -> None:
    from mettl_async.core.jsoncodec import dumps, parse_json

    assert dumps(parse_json(body)) == body


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ({"a\x00": "x\x00y"}, {"a\ufffd": "x\ufffdy"}),
        ({"a": "\\u0000"}, {"a": "\\u0000"}),  # a backslash and "u0000": not a NUL
        (
            {"a": "\\\x00", "deep": orjson.loads(DEEPER_THAN_ORJSON_WRITES)},
            {"a": "\\\ufffd", "deep": orjson.loads(DEEPER_THAN_ORJSON_WRITES)},
        ),
    ],
)
def test_postgresql_gets_json_without_nul_and_nothing_else_changed(value: Any, stored: Any) -> None:
    from mettl_async.core.jsoncodec import dumps
    from mettl_async.harvest.postgresql import json_value, text_value

    for landed in (json_value(value, encoded=False), json_value(dumps(value).decode(), encoded=True)):
        assert landed is not None
        assert "\\u0000" not in landed.replace("\\\\", "")
        assert json.loads(landed) == stored
    assert text_value("x\x00y") == "x\ufffdy"  # a text column's


async def test_a_validation_error_names_the_code(certicheck_sandbox: SandboxThread) -> None:
    async with certicheck_sandbox.client() as client:
        with pytest.raises(ValidationError, match="E026"):
            await client.session.request(Request("GET", "/tests", {"status": "Nope"}, safe_to_repeat=True))


# -- hygiene ---------------------------------------------------------------------------------------


async def test_cancelling_a_walk_mid_page_closes_everything(certicheck_sandbox_factory: StartSandbox) -> None:
    from mettl_async.testing import FaultConfig

    slow = certicheck_sandbox_factory(
        SandboxConfig(applicants=200, faults=FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.3))
    )
    client = slow.client()
    given: list[Any] = []

    async def walk() -> None:
        async for result in client.results.all(page_size=10):
            given.append(result)

    task = asyncio.create_task(walk())
    await asyncio.sleep(0.5)  # the second page is in flight
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert 0 < len(given) < 200
    assert client.session._loops.current is not None
    assert client.session._loops.current.inflight == {}
    await client.close()
    assert client.session.http is None
