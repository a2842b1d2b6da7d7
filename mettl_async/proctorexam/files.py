"""ProctorExam exam attachments (uploaded files) and documents (the instructions text).

Uploads are multipart: the signed parameters travel as form fields beside the
file part, which is never signed. Safe to repeat: GETs and document updates;
creates and deletes are not repeated after a failure that may have reached the server.
"""

from __future__ import annotations

from ..core.paginator import ListEndpoint, Paginator
from ..core.records import parser
from ..core.request import FilePart
from . import params as p
from .models import Attachment, Document
from .services import PAGING, ProctorExamService, by_id

ATTACHMENTS = ListEndpoint(
    "/exams/{exam_id}/attachments", "attachments", parser(Attachment), PAGING, key=by_id
)
DOCUMENTS = ListEndpoint("/exams/{exam_id}/documents", "documents", parser(Document), PAGING, key=by_id)


def _ids(exam_id: int, item_id: int, name: str) -> dict[str, int]:
    return {"exam_id": p.pid("exam_id", exam_id), "id": p.pid(name, item_id)}


class AttachmentsService(ProctorExamService):
    """Files attached to an exam; a document's text refers to one by its ``placeholder``."""

    def list(
        self, exam_id: int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[Attachment]:
        """An exam's attachments (GET /exams/:exam_id/attachments). Safe to repeat."""
        fixed = {"exam_id": p.pid("exam_id", exam_id)}
        return self._paginate(ATTACHMENTS, fixed, page_size=page_size, max_items=max_items)

    async def get(self, exam_id: int, attachment_id: int) -> Attachment:
        """One attachment (GET /exams/:exam_id/attachments/:id). Safe to repeat."""
        ids = _ids(exam_id, attachment_id, "attachment_id")
        payload = await self._send_params("GET", "/exams/{exam_id}/attachments/{id}", ids, safe=True)
        return p.record(payload, Attachment, "attachment", where="GET /exams/:exam_id/attachments/:id")

    async def create(
        self, exam_id: int, filename: str, content: bytes, content_type: str | None = None
    ) -> Attachment:
        """Upload a file (POST /exams/:exam_id/attachments, multipart, file field ``document``).
        Not repeated after a failure that may have reached the server."""
        part = p.upload("document", filename, content, content_type)
        params = {"exam_id": p.pid("exam_id", exam_id)}
        payload = await self._send_params(
            "POST", "/exams/{exam_id}/attachments", params, safe=False, files=(part,)
        )
        return p.record(payload, Attachment, "attachment", where="POST /exams/:exam_id/attachments")

    async def delete(self, exam_id: int, attachment_id: int) -> None:
        """Delete an attachment (DELETE /exams/:exam_id/attachments/:id). Not repeated."""
        ids = _ids(exam_id, attachment_id, "attachment_id")
        await self._send_params("DELETE", "/exams/{exam_id}/attachments/{id}", ids, safe=False)


class DocumentsService(ProctorExamService):
    """An exam's instruction documents (``exam_content``), optionally with a file."""

    def list(
        self, exam_id: int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[Document]:
        """An exam's documents (GET /exams/:exam_id/documents). Safe to repeat."""
        fixed = {"exam_id": p.pid("exam_id", exam_id)}
        return self._paginate(DOCUMENTS, fixed, page_size=page_size, max_items=max_items)

    async def get(self, exam_id: int, document_id: int) -> Document:
        """One document (GET /exams/:exam_id/documents/:id). Safe to repeat."""
        ids = _ids(exam_id, document_id, "document_id")
        payload = await self._send_params("GET", "/exams/{exam_id}/documents/{id}", ids, safe=True)
        return p.record(payload, Document, "document", where="GET /exams/:exam_id/documents/:id")

    async def create(
        self,
        exam_id: int,
        exam_content: str,
        *,
        filename: str | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> Document:
        """Add a document (POST /exams/:exam_id/documents): JSON, or multipart with a file
        (field ``file``) when ``filename`` and ``content`` are given. Not repeated."""
        params = {
            "exam_id": p.pid("exam_id", exam_id),
            "exam_content": p.text("exam_content", exam_content, required=True),
        }
        files: tuple[FilePart, ...] = ()
        if filename is not None or content is not None:
            files = (p.upload("file", filename, content, content_type),)
        payload = await self._send_params(
            "POST", "/exams/{exam_id}/documents", params, safe=False, files=files
        )
        return p.record(payload, Document, "document", where="POST /exams/:exam_id/documents")

    async def update(self, exam_id: int, document_id: int, exam_content: str) -> Document:
        """Replace a document's text (PATCH /exams/:exam_id/documents/:id). Safe to repeat."""
        params = _ids(exam_id, document_id, "document_id") | {
            "exam_content": p.text("exam_content", exam_content, required=True)
        }
        payload = await self._send_params("PATCH", "/exams/{exam_id}/documents/{id}", params, safe=True)
        return p.record(payload, Document, "document", where="PATCH /exams/:exam_id/documents/:id")

    async def delete(self, exam_id: int, document_id: int) -> None:
        """Delete a document (DELETE /exams/:exam_id/documents/:id). Not repeated."""
        ids = _ids(exam_id, document_id, "document_id")
        await self._send_params("DELETE", "/exams/{exam_id}/documents/{id}", ids, safe=False)
