"""Sandbox endpoints: exam attachments (multipart uploads, file field ``document``) and
documents (``exam_content``, optionally a ``file`` part)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..kit import SandboxError
from .answers import Reply, not_found
from .params import FILES, params_of, text_param
from .records import stamp
from .shapes import ATTACHMENT, DOCUMENT
from .state import Endpoint, ProctorExamAccount, listing


def _exam_id(sandbox: ProctorExamAccount, request: web.Request) -> int:
    return int(sandbox.exam(int(request.match_info["exam_id"]))["id"])


def _file(request: web.Request, field: str, *, required: bool) -> tuple[str, str, bytes] | None:
    files = FILES.get_or({})
    found = files.get(field)
    if found is None and required:
        raise SandboxError("param_missing", f"param is missing or the value is empty: {field}", 422)
    return found


async def list_attachments(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    rows = list(sandbox.world.attachments(_exam_id(sandbox, request)).values())
    return listing(sandbox, request, rows, "attachments", ATTACHMENT)


def _attachment(sandbox: ProctorExamAccount, request: web.Request) -> dict[str, Any]:
    attachment_id = int(request.match_info["id"])
    found = sandbox.world.attachments(_exam_id(sandbox, request)).get(attachment_id)
    if found is None:
        raise not_found("Attachment", attachment_id)
    return found


async def show_attachment(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    return {"attachment": ATTACHMENT.record(_attachment(sandbox, request))}


async def create_attachment(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    exam_id = _exam_id(sandbox, request)
    upload = _file(request, "document", required=True)
    assert upload is not None
    filename, content_type, content = upload
    now = sandbox.moment()
    attachment_id = sandbox.world.new_id()
    record = {
        "id": attachment_id,
        "created_at": stamp(now),
        "updated_at": stamp(now),
        "document_file_name": filename,
        "document_content_type": content_type,
        "document_file_size": len(content),
        "document_updated_at": stamp(now),
        "exam_id": exam_id,
        "placeholder": f"{int(now.timestamp())}_{filename}",
    }
    sandbox.world.attachments(exam_id)[attachment_id] = record
    return Reply({"attachment": ATTACHMENT.record(record)}, status=201)


async def delete_attachment(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    record = _attachment(sandbox, request)
    del sandbox.world.attachments(record["exam_id"])[record["id"]]
    return Reply(None, status=204)


async def list_documents(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    rows = list(sandbox.world.documents(_exam_id(sandbox, request)).values())
    return listing(sandbox, request, rows, "documents", DOCUMENT)


def _document(sandbox: ProctorExamAccount, request: web.Request) -> dict[str, Any]:
    document_id = int(request.match_info["id"])
    found = sandbox.world.documents(_exam_id(sandbox, request)).get(document_id)
    if found is None:
        raise not_found("Document", document_id)
    return found


async def show_document(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    return {"document": DOCUMENT.record(_document(sandbox, request))}


async def create_document(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    exam_id = _exam_id(sandbox, request)
    content = text_param(params_of(request), "exam_content", required=True)
    upload = _file(request, "file", required=False)
    now = stamp(sandbox.moment())
    document_id = sandbox.world.new_id()
    record = {
        "id": document_id,
        "exam_content": content,
        "created_at": now,
        "updated_at": now,
        "exam_id": exam_id,
        "file_file_name": upload[0] if upload else None,
        "file_content_type": upload[1] if upload else None,
        "file_file_size": len(upload[2]) if upload else None,
        "file_updated_at": now if upload else None,
        "file_processing": False,
    }
    sandbox.world.documents(exam_id)[document_id] = record
    exam = sandbox.world.exams[exam_id]
    if exam["status"] == "draft":  # documents open an exam (the platform's status page says so)
        exam["status"] = "open"
    return Reply({"document": DOCUMENT.record(record)}, status=201)


async def update_document(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    record = _document(sandbox, request)
    record["exam_content"] = text_param(params_of(request), "exam_content", required=True)
    record["updated_at"] = stamp(sandbox.moment())
    return {"document": DOCUMENT.record(record)}


async def delete_document(sandbox: ProctorExamAccount, request: web.Request) -> Any:
    record = _document(sandbox, request)
    del sandbox.world.documents(record["exam_id"])[record["id"]]
    return Reply(None, status=204)


ROUTES: list[tuple[str, str, Endpoint]] = [
    ("GET", r"/exams/{exam_id:\d+}/attachments", list_attachments),
    ("POST", r"/exams/{exam_id:\d+}/attachments", create_attachment),
    ("GET", r"/exams/{exam_id:\d+}/attachments/{id:\d+}", show_attachment),
    ("DELETE", r"/exams/{exam_id:\d+}/attachments/{id:\d+}", delete_attachment),
    ("GET", r"/exams/{exam_id:\d+}/documents", list_documents),
    ("POST", r"/exams/{exam_id:\d+}/documents", create_document),
    ("GET", r"/exams/{exam_id:\d+}/documents/{id:\d+}", show_document),
    ("PATCH", r"/exams/{exam_id:\d+}/documents/{id:\d+}", update_document),
    ("PUT", r"/exams/{exam_id:\d+}/documents/{id:\d+}", update_document),
    ("DELETE", r"/exams/{exam_id:\d+}/documents/{id:\d+}", delete_document),
]
