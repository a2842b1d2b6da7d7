"""Secrets stay out of DEBUG logs, reprs and errors: the client's token and secret key, the
signatures it sends, and other users' API credentials that co-manager and user answers carry.
Also the sandbox's strictness about the token, the version, the signature and its parameters."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from mettl_async import ApiError, AuthenticationError, MettlError, RetryPolicy, ValidationError
from mettl_async.core.auth import Stamp
from mettl_async.core.request import Request
from mettl_async.proctorexam.auth import ProctorExamCredentials, ProctorExamSigning
from mettl_async.testing import FaultConfig, SandboxError, SandboxThread
from mettl_async.testing.proctorexam import ProctorExamSandbox, ProctorExamSandboxConfig

StartSandbox = Callable[..., SandboxThread]
TOKEN = "pe-token-5f2b8c1d9e7a"
SECRET = "pe-secret-0c4d7e2a9b1f6e3d"
CONFIG = ProctorExamSandboxConfig(api_token=TOKEN, secret_key=SECRET, sessions=40)


def platform(sandbox: SandboxThread) -> ProctorExamSandbox:
    found = sandbox.sandbox
    assert isinstance(found, ProctorExamSandbox)
    return found


def other_users_credentials(sandbox: SandboxThread) -> list[str]:
    users = platform(sandbox).world.users.values()
    return [u["api_token"] for u in users] + [u["secret_key"] for u in users]


def signatures_sent(sandbox: SandboxThread) -> list[str]:
    return [str(r.params["signature"]) for r in sandbox.sandbox.requests if "signature" in r.params]


async def test_debug_logs_reprs_and_errors_hold_no_secret(
    proctorexam_sandbox_factory: StartSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mettl_async")
    sandbox = proctorexam_sandbox_factory(CONFIG)
    shown: list[str] = []
    async with sandbox.client(retry=RetryPolicy(attempts=2, backoff_initial=0, jitter=0)) as client:
        comanager = await client.exams.add_comanager(1, 2)
        user = await client.users.get(1, 3)
        await client.users.update(1, 4, report_frequency="day")
        await client.student_sessions.all(page_size=20).to_list()
        shown += [repr(client), repr(client.session), repr(client.session.auth), repr(comanager), repr(user)]
        shown += [str(comanager), str(user), repr(await client.exams.get(1))]
        for call in (
            client.exams.get(424242),  # 404
            client.users.create(1, "teacher2@institute1.example.com", "Twin", "teacher"),  # 422
            client.exams.remove_comanager(1, 3),  # 422
        ):
            with pytest.raises(ApiError) as caught:
                await call
            shown += [str(caught.value), repr(caught.value), caught.value.body.decode()]
    shown += [caplog.text, *(r.getMessage() for r in caplog.records)]
    assert any(r.levelno == logging.DEBUG and "GET" in r.getMessage() for r in caplog.records)
    assert any("signature=REDACTED" in r.getMessage() for r in caplog.records)
    text = "\n".join(shown)
    secrets = [TOKEN, SECRET, *other_users_credentials(sandbox), *signatures_sent(sandbox)]
    leaked = [s for s in secrets if s in text]
    assert leaked == []


class EchoingSandbox(ProctorExamSandbox):
    """A server that echoes the request's credentials in its error text and body."""

    def authenticate(self, request: web.Request, params: dict[str, Any]) -> None:
        super().authenticate(request, params)
        if params.get("id") == "13":
            raise SandboxError(
                "invalid_param",
                f"refused {request.headers['Authorization']} with signature {params['signature']} "
                f"for api_token={self.world.users[2]['api_token']}, "
                f"secret_key: {self.world.users[2]['secret_key']}",
                422,
            )


async def test_credentials_echoed_by_the_server_are_scrubbed(
    sandbox_factory: StartSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mettl_async")
    sandbox = sandbox_factory(EchoingSandbox(CONFIG))
    async with sandbox.client() as client:
        with pytest.raises(ValidationError) as caught:
            await client.exams.get(13)
    error = caught.value
    text = "\n".join([str(error), error.message, error.body.decode(), caplog.text])
    # The client's own token, secret and signature are known values; another user's credentials
    # are masked by the names they come under.
    for secret in [TOKEN, SECRET, *signatures_sent(sandbox), *other_users_credentials(sandbox)]:
        assert secret not in text
    assert "REDACTED" in error.body.decode()


async def test_a_transport_error_names_no_secret(
    proctorexam_sandbox_factory: StartSandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mettl_async")
    sandbox = proctorexam_sandbox_factory(
        ProctorExamSandboxConfig(
            api_token=TOKEN, secret_key=SECRET, faults=FaultConfig(rate=1.0, kinds="drop")
        )
    )
    async with sandbox.client(retry=RetryPolicy.never()) as client:
        with pytest.raises(MettlError) as caught:
            await client.exams.get(1)
    text = "\n".join([str(caught.value), caplog.text])
    for secret in [TOKEN, SECRET, *signatures_sent(sandbox)]:
        assert secret not in text


# -- the sandbox's strictness ----------------------------------------------------------------------


def signed(sandbox: SandboxThread, request: Request, **stamp: Any) -> Any:
    scheme = ProctorExamSigning(ProctorExamCredentials(TOKEN, SECRET))
    when = Stamp(time=stamp.get("time", time.time()), nonce=stamp.get("nonce", 5))
    return scheme.sign(request, sandbox.base_url, when).wire


async def raw(wire: Any, headers: dict[str, str] | None = None, body: bytes | None = None) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        sent = dict(wire.headers) if headers is None else headers
        async with http.request(
            wire.method, wire.url, headers=sent, data=body if body is not None else wire.body
        ) as r:
            return r.status, orjson.loads(await r.read() or b"null")


@pytest.fixture
def strict(proctorexam_sandbox_factory: StartSandbox) -> SandboxThread:
    return proctorexam_sandbox_factory(CONFIG)


async def test_the_sandbox_wants_the_token_header(strict: SandboxThread) -> None:
    wire = signed(strict, Request("GET", "/exams"))
    no_token = {k: v for k, v in wire.headers.items() if k != "Authorization"}
    assert await raw(wire, no_token) == (
        401,
        {"error": "HTTP Token: Access denied.", "code": "invalid_token"},
    )
    wrong = dict(wire.headers) | {"Authorization": "Token token=someone-else"}
    assert (await raw(wire, wrong))[0] == 401
    quoted = dict(wire.headers) | {"Authorization": f'Token token="{TOKEN}"'}
    assert (await raw(wire, quoted))[0] == 200


async def test_the_sandbox_wants_the_version_media_type(strict: SandboxThread) -> None:
    wire = signed(strict, Request("GET", "/exams"))
    status, body = await raw(wire, dict(wire.headers) | {"Accept": "application/json"})
    assert (status, body["code"]) == (406, "not_acceptable")


async def test_a_tampered_parameter_breaks_the_signature(strict: SandboxThread) -> None:
    wire = signed(strict, Request("PATCH", "/exams/{id}", {"id": 1, "name": "A"}))
    body = orjson.loads(wire.body) | {"name": "B"}
    assert await raw(wire, body=orjson.dumps(body)) == (
        401,
        {"error": "Invalid signature", "code": "invalid_signature"},
    )


async def test_a_path_id_is_part_of_the_signature(strict: SandboxThread) -> None:
    wire = signed(strict, Request("GET", "/exams/{id}", {"id": 1}))
    moved = wire.url.replace("/exams/1?", "/exams/2?")
    status, body = await raw(type(wire)(wire.method, moved, wire.headers))
    assert (status, body["code"]) == (401, "invalid_signature")


async def test_a_nested_object_must_travel_as_json_text(strict: SandboxThread) -> None:
    wire = signed(strict, Request("PATCH", "/exams/{id}", {"id": 1, "restrictions": {"a": 1}}))
    body = orjson.loads(wire.body)
    assert body["restrictions"] == '{"a":1}'
    as_object = body | {"restrictions": {"a": 1}}  # what a careless client would send
    assert (await raw(wire, body=orjson.dumps(as_object)))[0] == 401
    assert (await raw(wire))[0] == 200


@pytest.mark.parametrize("missing", ["timestamp", "nonce", "signature"])
async def test_a_missing_credential_parameter_is_422_naming_it(strict: SandboxThread, missing: str) -> None:
    wire = signed(strict, Request("PATCH", "/exams/{id}", {"id": 1, "name": "A"}))
    body = {k: v for k, v in orjson.loads(wire.body).items() if k != missing}
    status, answer = await raw(wire, body=orjson.dumps(body))
    assert status == 422
    assert answer["error"] == f"param is missing or the value is empty: {missing}"


async def test_malformed_json_is_400(strict: SandboxThread) -> None:
    wire = signed(strict, Request("PATCH", "/exams/{id}", {"id": 1, "name": "A"}))
    assert (await raw(wire, body=b"{not json"))[0] == 400


async def test_a_limit_above_300_is_served_as_300(strict: SandboxThread) -> None:
    wire = signed(strict, Request("GET", "/student_sessions", {"limit": 500}))
    async with aiohttp.ClientSession() as http, http.get(wire.url, headers=dict(wire.headers)) as response:
        assert response.headers["X-Pagination-Limit"] == "300"
        assert response.headers["X-Pagination-Item-Count"] == "40"
        assert len((await response.json())["students"]) == 40


async def test_an_unknown_filter_field_is_refused(strict: SandboxThread) -> None:
    async with strict.client() as client:
        with pytest.raises(ValidationError, match="unknown field 'colour'"):
            await client.exams.list(filter={"colour": "red"})


async def test_a_wrong_token_or_secret_is_an_authentication_error(strict: SandboxThread) -> None:
    from mettl_async.proctorexam.client import ProctorExamClient

    for token, secret in (("wrong-token-123", SECRET), (TOKEN, "wrong-secret-123")):
        async with ProctorExamClient(token, secret, base_url=strict.base_url) as client:
            with pytest.raises(AuthenticationError) as caught:
                await client.exams.get(1)
            assert not caught.value.retryable
            assert "wrong-" not in str(caught.value)
