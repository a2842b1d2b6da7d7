"""The ProctorExam client's student sessions, attachments and documents against the sandbox, over real
loopback sockets: list, get, create, update, delete, proctors and reviewables, uploads, and input
checked before sending."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from mettl_async import InputError, NotFoundError, ValidationError
from mettl_async.proctorexam.client import ProctorExamClient
from mettl_async.proctorexam.models import Attachment, Document, ProctorAssignment, Reviewable, StudentSession
from mettl_async.testing import SandboxThread
from tests.support.proctorexam_support import last, world

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
