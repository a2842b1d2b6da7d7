"""The ProctorExam client's institutes and users services against the sandbox, over real loopback
sockets (list, get, create, update, delete, and input checked before sending), and the client's own
configuration."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from mettl_async import InputError, NotFoundError, PermissionDeniedError, ValidationError
from mettl_async.proctorexam.client import ProctorExamClient
from mettl_async.proctorexam.models import Institute
from mettl_async.testing import SandboxThread
from mettl_async.testing.proctorexam import ProctorExamSandboxConfig
from tests.support.proctorexam_support import StartSandbox, last

# -- institutes ----------------------------------------------------------------------------------


async def test_institutes_list_is_the_seed_shape(client: ProctorExamClient) -> None:
    institutes = await client.institutes.list().to_list()
    assert [i.id for i in institutes] == [1, 2, 3]
    first = institutes[0]
    assert isinstance(first, Institute)
    assert (first.name, first.short_name, first.token_value, first.global_proctor) == (
        "ProctorExam",
        "pe",
        30,
        True,
    )
    assert first.created_at is not None
    assert first.created_at.tzinfo is not None
    assert "custom_languages" in first.extra  # unmodelled keys are kept


async def test_institute_get_create_update_delete(client: ProctorExamClient, sandbox: SandboxThread) -> None:
    assert (await client.institutes.get(2)).name == "Institute 2"
    created = await client.institutes.create(
        "Acme", short_name="acme", callback_url="https://acme.example/hook"
    )
    assert (created.name, created.short_name, created.callback_url) == (
        "Acme",
        "acme",
        "https://acme.example/hook",
    )
    assert last(sandbox).method == "POST"
    assert orjson.loads(last(sandbox).body)["callback_url"] == "https://acme.example/hook"
    updated = await client.institutes.update(
        created.id or 0, name="Acme Ltd", fields={"default_language": "nl-NL"}
    )
    assert (updated.name, updated.default_language) == ("Acme Ltd", "nl-NL")
    await client.institutes.delete(created.id or 0)
    with pytest.raises(NotFoundError, match="Couldn't find Institute"):
        await client.institutes.get(created.id or 0)


async def test_listing_institutes_needs_a_superuser(proctorexam_sandbox_factory: StartSandbox) -> None:
    sandbox = proctorexam_sandbox_factory(ProctorExamSandboxConfig(superuser=False))
    async with sandbox.client() as client:
        with pytest.raises(PermissionDeniedError, match="You are not authorized to access this page"):
            await client.institutes.list()
        assert (await client.institutes.get(1)).id == 1  # their own institute
        with pytest.raises(PermissionDeniedError):
            await client.institutes.get(2)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.institutes.create(""), "name"),
        (lambda c: c.institutes.create("A", callback_url="ftp://x"), "callback_url"),
        (lambda c: c.institutes.create("A", callback_url="/relative"), "callback_url"),
        (lambda c: c.institutes.update(1), "fields"),
        (lambda c: c.institutes.get(0), "institute_id"),
        (lambda c: c.institutes.get(True), "institute_id"),
        (lambda c: c.institutes.create("A", fields={"Bad Name": 1}), "fields"),
        (lambda c: c.institutes.create("A", fields={"name": "B"}), "fields['name']"),
        (lambda c: c.institutes.create("A", fields={"nonce": 1}), "fields['nonce']"),
        (lambda c: c.institutes.create("A", fields={"ratio": 0.5}), "fields['ratio']"),
    ],
)
async def test_institute_input_is_checked_before_sending(
    client: ProctorExamClient, sandbox: SandboxThread, call: Any, field: str
) -> None:
    before = len(sandbox.sandbox.requests)
    with pytest.raises(InputError) as caught:
        await call(client)
    assert caught.value.field == field
    assert len(sandbox.sandbox.requests) == before


# -- users -----------------------------------------------------------------------------------------


async def test_users_list_get_create_update_delete(client: ProctorExamClient, sandbox: SandboxThread) -> None:
    listed = await client.users.list(1).to_list()
    assert [u.role for u in listed] == ["administrator", "teacher", "teacher", "proctor", "reviewer"]
    assert not any(u.has_credentials for u in listed)  # lists show no credentials
    shown = await client.users.get(1, 2)
    assert shown.has_credentials
    assert shown.institute_id == 1
    assert "<hidden>" in repr(shown)
    created = await client.users.create(
        1, "new.teacher@example.com", "New Teacher", "teacher", receives_reports=True
    )
    assert (created.email, created.role, created.receives_reports) == (
        "new.teacher@example.com",
        "teacher",
        True,
    )
    body = orjson.loads(last(sandbox).body)
    assert "institute_id" not in body  # a path id: signed, not sent again
    updated = await client.users.update(1, created.id or 0, report_frequency="month", receives_reports=False)
    assert (updated.report_frequency, updated.receives_reports) == ("month", False)
    await client.users.delete(1, created.id or 0)
    with pytest.raises(NotFoundError, match="Couldn't find User"):
        await client.users.get(1, created.id or 0)
    with pytest.raises(NotFoundError):
        await client.users.get(2, 1)  # user 1 is of institute 1


async def test_a_taken_email_is_a_validation_error_naming_it(client: ProctorExamClient) -> None:
    with pytest.raises(ValidationError) as caught:
        await client.users.create(1, "teacher2@institute1.example.com", "Twin", "teacher")
    assert str(caught.value) == "HTTP 422: email: has already been taken"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.users.create(1, "not-an-email", "N", "teacher"), "email"),
        (lambda c: c.users.create(1, "a@b.co", "N", "Teacher!"), "role"),
        (
            lambda c: c.users.create(1, "a@b.co", "N", "teacher", report_frequency="hourly"),
            "report_frequency",
        ),
        (lambda c: c.users.update(1, 2, receives_reports="yes"), "receives_reports"),
        (lambda c: c.users.list(-1), "institute_id"),
    ],
)
async def test_user_input_is_checked(client: ProctorExamClient, call: Any, field: str) -> None:
    with pytest.raises(InputError) as caught:
        await call(client)
    assert caught.value.field == field


# -- the client ----------------------------------------------------------------------------------------


def test_client_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PROCTOREXAM_API_TOKEN", "PROCTOREXAM_SECRET_KEY", "PROCTOREXAM_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    client = ProctorExamClient("tok-0123456789", "sec-0123456789", tenant="acme")
    assert client.session.base_url == "https://acme.proctorexam.com/api/v3"
    assert repr(client) == "ProctorExamClient(base_url='https://acme.proctorexam.com/api/v3')"
    monkeypatch.setenv("PROCTOREXAM_API_TOKEN", "tok-from-env")
    monkeypatch.setenv("PROCTOREXAM_SECRET_KEY", "sec-from-env")
    monkeypatch.setenv("PROCTOREXAM_BASE_URL", "https://beta.proctorexam.com/api/v3")
    from_env = ProctorExamClient()
    assert from_env.session.base_url == "https://beta.proctorexam.com/api/v3"
    assert from_env.session.auth.secrets() == ("tok-from-env", "sec-from-env")  # type: ignore[comparison-overlap]


async def test_with_options_keeps_the_session(client: ProctorExamClient) -> None:
    quick = client.with_options(timeout=5)
    assert quick.session is client.session
    assert (await quick.exams.get(1)).id == 1
