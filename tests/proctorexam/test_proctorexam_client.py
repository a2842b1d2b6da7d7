"""Every ProctorExam service of the client against the sandbox, over real loopback sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest

from mettl_async import InputError, NotFoundError, PermissionDeniedError, RetryPolicy, ValidationError
from mettl_async.proctorexam.client import ProctorExamClient
from mettl_async.proctorexam.models import (
    Attachment,
    Document,
    Exam,
    Institute,
    ProctorAssignment,
    Reviewable,
    StudentSession,
    User,
)
from mettl_async.testing import RecordedRequest, SandboxThread
from mettl_async.testing.proctorexam import ProctorExamSandbox, ProctorExamSandboxConfig

FAST = RetryPolicy(backoff_initial=0.0, jitter=0.0)
StartSandbox = Callable[..., SandboxThread]


@pytest.fixture
def sandbox(proctorexam_sandbox_factory: StartSandbox) -> SandboxThread:
    return proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=120, exams=12))


@pytest.fixture
async def client(sandbox: SandboxThread) -> AsyncIterator[ProctorExamClient]:
    async with sandbox.client(retry=FAST) as client:
        yield client


def world(sandbox: SandboxThread) -> Any:
    platform = sandbox.sandbox
    assert isinstance(platform, ProctorExamSandbox)
    return platform.world


def last(sandbox: SandboxThread) -> RecordedRequest:
    return sandbox.sandbox.requests[-1]


def query(request: RecordedRequest) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(request.raw_path).query))


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


# -- exams -----------------------------------------------------------------------------------------


async def test_exams_list_leaves_deleted_ones_out_unless_asked(
    client: ProctorExamClient, sandbox: SandboxThread
) -> None:
    every = world(sandbox).exams.values()
    listed = await client.exams.list().to_list()
    assert {e.id for e in listed} == {e["id"] for e in every if e["status"] != "deleted"}
    deleted = await client.exams.list(status="deleted").to_list()
    assert {e.id for e in deleted} == {e["id"] for e in every if e["status"] == "deleted"}
    assert all(
        isinstance(e, Exam) and e.status == "open" for e in await client.exams.list(status="open").to_list()
    )


async def test_exams_filter_and_sort_travel_as_compact_json(
    client: ProctorExamClient, sandbox: SandboxThread
) -> None:
    got = await client.exams.list(
        filter={"duration_minutes": {"gte": 60}}, sort=[{"duration_minutes": "desc"}, {"id": "asc"}]
    ).to_list()
    expected = sorted(
        (
            e
            for e in world(sandbox).exams.values()
            if e["status"] != "deleted" and e["duration_minutes"] >= 60
        ),
        key=lambda e: (-e["duration_minutes"], e["id"]),
    )
    assert [e.id for e in got] == [e["id"] for e in expected]
    sent = query(last(sandbox))
    assert sent["filter"] == '{"duration_minutes":{"gte":60}}'
    assert sent["sort"] == '[{"duration_minutes":"desc"},{"id":"asc"}]'


async def test_sort_may_be_one_mapping(client: ProctorExamClient, sandbox: SandboxThread) -> None:
    await client.exams.list(sort={"name": "desc", "id": "asc"})
    assert query(last(sandbox))["sort"] == '[{"name":"desc"},{"id":"asc"}]'


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "archived"}, "status"),
        ({"filter": {}}, "filter"),
        ({"filter": "status=open"}, "filter"),
        ({"sort": [{"name": "up"}]}, "sort[0]"),
        ({"sort": [{"a": "asc", "b": "asc"}]}, "sort[0]"),
        ({"sort": []}, "sort"),
        ({"page_size": 301}, "page_size"),
    ],
)
def test_exam_list_input_is_checked(client: ProctorExamClient, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        client.exams.list(**kwargs)
    assert caught.value.field == field


async def test_exam_get_create_update_delete(client: ProctorExamClient, sandbox: SandboxThread) -> None:
    assert (await client.exams.get(2)).id == 2
    start = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    created = await client.exams.create(
        "Psychostasia",
        "record_review",
        institute_id=2,
        start_time=start,
        duration_minutes=90,
        use_duration=True,
        for_reviewing=True,
        upload_answers=False,
        restrictions={"allow_calculator": True},
        fields={"allow_websites": True, "allowed_websites": "www.proctorexam.com"},
    )
    assert (created.name, created.institute_id, created.duration_minutes) == ("Psychostasia", 2, 90)
    assert created.start_time == start
    assert created.status == "draft"
    body = orjson.loads(last(sandbox).body)
    assert body["restrictions"] == '{"allow_calculator":true}'
    assert body["use_duration"] is True
    assert body["upload_answers"] is False
    assert body["start_time"] == "2026-05-04T09:30:00.000+00:00"
    updated = await client.exams.update(created.id or 0, name="Renamed", duration_minutes=45)
    assert (updated.name, updated.duration_minutes) == ("Renamed", 45)
    await client.exams.delete(created.id or 0)
    assert (await client.exams.get(created.id or 0)).status == "deleted"
    with pytest.raises(NotFoundError, match="Couldn't find Exam with 'id'=999999"):
        await client.exams.get(999_999)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.exams.create("", "record_review"), "name"),
        (lambda c: c.exams.create("A", "Record Review"), "type"),
        (lambda c: c.exams.create("A", "demo", start_time=datetime(2026, 1, 1)), "start_time"),
        (lambda c: c.exams.create("A", "demo", start_time="next tuesday"), "start_time"),
        (lambda c: c.exams.create("A", "demo", duration_minutes=0), "duration_minutes"),
        (lambda c: c.exams.create("A", "demo", restrictions=5), "restrictions"),
        (lambda c: c.exams.update(1), "fields"),
        (lambda c: c.exams.add_comanager(1, 0), "user_id"),
    ],
)
async def test_exam_input_is_checked(client: ProctorExamClient, call: Any, field: str) -> None:
    with pytest.raises(InputError) as caught:
        await call(client)
    assert caught.value.field == field


async def test_the_server_names_a_missing_parameter(client: ProctorExamClient) -> None:
    from mettl_async.core.request import Request

    with pytest.raises(ValidationError) as caught:
        await client.exams._call(Request("POST", "/exams", {"name": "No type"}))
    assert "param is missing or the value is empty: type" in str(caught.value)


async def test_co_managers_come_back_with_hidden_credentials(
    client: ProctorExamClient, sandbox: SandboxThread
) -> None:
    exam = await client.exams.get(1)
    comanager = await client.exams.add_comanager(exam.id or 0, 2)
    assert isinstance(comanager, User)
    assert comanager.id == 2
    assert comanager.api_token == world(sandbox).users[2]["api_token"]
    assert comanager.api_token not in repr(comanager)
    assert comanager.secret_key not in repr(comanager)
    assert world(sandbox).comanagers[1] == {2}
    assert "comanager_id" in orjson.loads(last(sandbox).body)
    bare = comanager.without_credentials()
    assert (bare.api_token, bare.secret_key) == (None, None)
    assert "api_token" not in bare.raw
    assert bare.email == comanager.email
    removed = await client.exams.remove_comanager(1, 2)
    assert removed.id == 2
    assert query(last(sandbox))["comanager_id"] == "2"
    with pytest.raises(ValidationError, match="comanager_id"):
        await client.exams.remove_comanager(1, 2)
    with pytest.raises(ValidationError, match="comanager_id"):
        await client.exams.add_comanager(1, 7)  # user 7 is of institute 2


# -- student sessions --------------------------------------------------------------------------------


async def test_sessions_all_and_of_an_exam(client: ProctorExamClient) -> None:
    every = await client.student_sessions.all().to_list()
    assert [s.id for s in every] == list(range(1, 121))
    of_three = await client.student_sessions.of_exam(3).to_list()
    assert [s.id for s in of_three] == list(range(3, 121, 12))
    assert all(isinstance(s, StudentSession) and s.exam_id == 3 for s in of_three)
    assert every[0].token is not None
    assert every[0].token not in repr(every[0])


async def test_session_get_create_update_delete(client: ProctorExamClient, sandbox: SandboxThread) -> None:
    assert (await client.student_sessions.get(5)).email == "student5@example.com"
    created = await client.student_sessions.create(
        3,
        "Ada Lovelace",
        "ada@example.com",
        external_id=77,
        send_confirmation=False,
        individual_info="Room 2",
    )
    assert (created.exam_id, created.status, created.external_id) == (3, "registered", 77)
    assert orjson.loads(last(sandbox).body)["external_id"] == 77
    assert created.id in [s.id for s in await client.student_sessions.of_exam(3).to_list()]
    with pytest.raises(ValidationError, match="email: already in use"):
        await client.student_sessions.create(3, "Ada again", "ada@example.com")
    with pytest.raises(ValidationError, match="email: already in use"):
        await client.student_sessions.create(3, "Clash", "student15@example.com")  # a generated one
    updated = await client.student_sessions.update(created.id or 0, name="Ada King")
    assert updated.name == "Ada King"
    generated = await client.student_sessions.update(7, individual_info="Extra time")
    assert (await client.student_sessions.get(7)).individual_info == "Extra time" == generated.individual_info
    await client.student_sessions.delete(created.id or 0)
    await client.student_sessions.delete(15)
    with pytest.raises(NotFoundError, match="Couldn't find Student Session with 'id'=15"):
        await client.student_sessions.get(15)
    remaining = await client.student_sessions.of_exam(3).to_list()
    assert 15 not in [s.id for s in remaining]
    assert created.id not in [s.id for s in remaining]
    assert len(await client.student_sessions.all().to_list()) == 119


async def test_assign_proctor_and_reviewable(client: ProctorExamClient, sandbox: SandboxThread) -> None:
    assignment = await client.student_sessions.assign_proctor(8, 4)
    assert assignment == ProctorAssignment(proctor_id=4, active_proctoring_sessions=1, raw=assignment.raw)
    assert (await client.student_sessions.assign_proctor(9, 4)).active_proctoring_sessions == 2
    assert (await client.student_sessions.get(8)).proctor_id == 4
    with pytest.raises(ValidationError, match="proctor_id"):
        await client.student_sessions.assign_proctor(8, 2)  # a teacher
    with pytest.raises(NotFoundError):
        await client.student_sessions.assign_proctor(8, 999)
    finished = next(
        r for r in (world(sandbox).sessions.get(i) for i in range(1, 121)) if r["status"] == "exam_finished"
    )
    review = await client.student_sessions.reviewable(finished["id"])
    assert isinstance(review, Reviewable)
    assert review.reviewable is True
    assert review.student_session is not None
    assert review.student_session.id == finished["id"]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.student_sessions.create(1, "", "a@b.co"), "name"),
        (lambda c: c.student_sessions.create(1, "A", "a@"), "email"),
        (lambda c: c.student_sessions.create(1, "A", "a@b.co", external_id=1.5), "external_id"),
        (lambda c: c.student_sessions.create(1, "A", "a@b.co", send_confirmation=1), "send_confirmation"),
        (lambda c: c.student_sessions.update(1), "fields"),
        (lambda c: c.student_sessions.assign_proctor(1, "4"), "proctor_id"),
        (lambda c: c.student_sessions.get(-2), "session_id"),
    ],
)
async def test_session_input_is_checked(client: ProctorExamClient, call: Any, field: str) -> None:
    with pytest.raises(InputError) as caught:
        await call(client)
    assert caught.value.field == field


# -- attachments and documents -----------------------------------------------------------------------


async def test_attachments_list_get_upload_delete(client: ProctorExamClient, sandbox: SandboxThread) -> None:
    before = await client.attachments.list(1).to_list()
    created = await client.attachments.create(
        1, "scan.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "image/png"
    )
    assert isinstance(created, Attachment)
    assert (created.document_file_name, created.document_content_type, created.document_file_size) == (
        "scan.png",
        "image/png",
        264,
    )
    assert created.placeholder is not None
    assert created.placeholder.endswith("_scan.png")
    upload = last(sandbox)
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert set(upload.params) == {"nonce", "timestamp", "signature", "exam_id"}  # exam_id: from the path
    assert [a.id for a in await client.attachments.list(1).to_list()] == [a.id for a in before] + [created.id]
    assert (await client.attachments.get(1, created.id or 0)).document_file_size == 264
    await client.attachments.delete(1, created.id or 0)
    with pytest.raises(NotFoundError):
        await client.attachments.get(1, created.id or 0)


async def test_documents_with_and_without_a_file(client: ProctorExamClient, sandbox: SandboxThread) -> None:
    plain = await client.documents.create(2, "Read the instructions {1548172086_image1.jpg}")
    assert isinstance(plain, Document)
    assert plain.file_file_name is None
    assert last(sandbox).headers["Content-Type"] == "application/json"
    with_file = await client.documents.create(2, "See the file", filename="rules.pdf", content=b"%PDF-1.4")
    assert (with_file.file_file_name, with_file.file_file_size) == ("rules.pdf", 8)
    assert last(sandbox).headers["Content-Type"].startswith("multipart/form-data")
    ids = [d.id for d in await client.documents.list(2).to_list()]
    assert plain.id in ids
    assert with_file.id in ids
    assert (await client.documents.update(2, plain.id or 0, "New text")).exam_content == "New text"
    assert (await client.documents.get(2, plain.id or 0)).exam_content == "New text"
    await client.documents.delete(2, plain.id or 0)
    with pytest.raises(NotFoundError):
        await client.documents.get(2, plain.id or 0)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.attachments.create(1, "", b"x"), "filename"),
        (lambda c: c.attachments.create(1, "a.png", "text"), "content"),
        (lambda c: c.attachments.create(1, "a.png", b"x", "png"), "content_type"),
        (lambda c: c.documents.create(1, " "), "exam_content"),
        (lambda c: c.documents.create(1, "x", filename="a.pdf"), "content"),
    ],
)
async def test_file_input_is_checked(client: ProctorExamClient, call: Any, field: str) -> None:
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
