"""The synchronous ProctorExamClient and its services (generated: do not edit).

Written by ``python -m mettl_async.sync.generate`` from :mod:`mettl_async.proctorexam.client` and
the services it binds; regenerate after changing them (a test checks this file is current).
"""

from __future__ import annotations

import ssl as ssl_module
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import aiohttp

from ..core.ratelimit import Limiter
from ..core.responses import MAX_RESPONSE_BYTES
from ..core.retry import RetryPolicy
from ..core.uniqueness import UniquenessStore
from ..proctorexam import client as _client
from ..proctorexam import files as _files
from ..proctorexam import services as _services
from ..proctorexam import sessions as _sessions
from ..proctorexam.models import (
    Attachment,
    Document,
    Exam,
    Institute,
    ProctorAssignment,
    Reviewable,
    StudentSession,
    User,
)
from .base import SyncClient, SyncService
from .paginator import Paginator


class InstitutesService(SyncService[_services.InstitutesService]):
    """Institutes (listing them is for Premium superusers only).

    The synchronous twin of :class:`mettl_async.proctorexam.services.InstitutesService`:
    each call blocks until its answer.
    """

    def list(self, *, page_size: int | None = None, max_items: int | None = None) -> Paginator[Institute]:
        """Every institute (GET /institutes). Safe to repeat."""
        return self._paginate(self._aio.list, page_size=page_size, max_items=max_items)

    def get(self, institute_id: int) -> Institute:
        """One institute (GET /institutes/:id). Safe to repeat."""
        return self._portal.run(self._aio.get, institute_id)

    def create(
        self,
        name: str,
        *,
        short_name: str | None = None,
        callback_url: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> Institute:
        """Create an institute (POST /institutes). ``callback_url`` receives the platform's
        notifications. Not repeated after a failure that may have reached the server."""
        return self._portal.run(
            self._aio.create,
            name,
            short_name=short_name,
            callback_url=callback_url,
            fields=fields,
        )

    def update(
        self,
        institute_id: int,
        *,
        name: str | None = None,
        short_name: str | None = None,
        callback_url: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> Institute:
        """Change the values given (PATCH /institutes/:id). Sets absolute values: safe to repeat."""
        return self._portal.run(
            self._aio.update,
            institute_id,
            name=name,
            short_name=short_name,
            callback_url=callback_url,
            fields=fields,
        )

    def delete(self, institute_id: int) -> None:
        """Delete an institute (DELETE /institutes/:id). Not repeated (a repeat answers 404)."""
        self._portal.run(self._aio.delete, institute_id)


class UsersService(SyncService[_services.UsersService]):
    """The users of an institute. Show, create and update answers carry the user's own
    ``api_token`` and ``secret_key``; the :class:`User` model never shows them in a repr.

    The synchronous twin of :class:`mettl_async.proctorexam.services.UsersService`:
    each call blocks until its answer.
    """

    def list(
        self,
        institute_id: int,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[User]:
        """The users of an institute, in their short form (GET /institutes/:institute_id/users)."""
        return self._paginate(self._aio.list, institute_id, page_size=page_size, max_items=max_items)

    def get(self, institute_id: int, user_id: int) -> User:
        """One user (GET /institutes/:institute_id/users/:id). Safe to repeat."""
        return self._portal.run(self._aio.get, institute_id, user_id)

    def create(
        self,
        institute_id: int,
        email: str,
        name: str,
        role: str,
        *,
        receives_reports: bool | None = None,
        report_frequency: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> User:
        """Create a user (POST /institutes/:institute_id/users); ``role`` as the platform names
        it (``administrator``, ``teacher``, ``proctor``, ``reviewer``…). Not repeated."""
        return self._portal.run(
            self._aio.create,
            institute_id,
            email,
            name,
            role,
            receives_reports=receives_reports,
            report_frequency=report_frequency,
            fields=fields,
        )

    def update(
        self,
        institute_id: int,
        user_id: int,
        *,
        email: str | None = None,
        name: str | None = None,
        role: str | None = None,
        receives_reports: bool | None = None,
        report_frequency: str | None = None,
        omniauth_config_id: int | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> User:
        """Change the values given (PATCH /institutes/:institute_id/users/:id). Safe to repeat."""
        return self._portal.run(
            self._aio.update,
            institute_id,
            user_id,
            email=email,
            name=name,
            role=role,
            receives_reports=receives_reports,
            report_frequency=report_frequency,
            omniauth_config_id=omniauth_config_id,
            fields=fields,
        )

    def delete(self, institute_id: int, user_id: int) -> None:
        """Delete a user (DELETE /institutes/:institute_id/users/:id). Not repeated."""
        self._portal.run(self._aio.delete, institute_id, user_id)


class ExamsService(SyncService[_services.ExamsService]):
    """Exams and their co-managers.

    The synchronous twin of :class:`mettl_async.proctorexam.services.ExamsService`:
    each call blocks until its answer.
    """

    def list(
        self,
        *,
        status: str | None = None,
        filter: Mapping[str, Any] | None = None,
        sort: Sequence[Mapping[str, str]] | Mapping[str, str] | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[Exam]:
        """Exams (GET /exams), optionally by ``status`` (draft, open, closed, deleted), a ``filter``
        (``{"start_time": {"gte": "2025-02-01"}}``) and a ``sort`` (``[{"start_time": "desc"}]``),
        both sent as compact JSON. Safe to repeat."""
        return self._paginate(
            self._aio.list,
            status=status,
            filter=filter,
            sort=sort,
            page_size=page_size,
            max_items=max_items,
        )

    def get(self, exam_id: int) -> Exam:
        """One exam (GET /exams/:id). Safe to repeat."""
        return self._portal.run(self._aio.get, exam_id)

    def create(
        self,
        name: str,
        type: str,
        *,
        institute_id: int | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        duration_minutes: int | None = None,
        use_duration: bool | None = None,
        global_proctoring: bool | None = None,
        global_reviewing: bool | None = None,
        for_reviewing: bool | None = None,
        upload_answers: bool | None = None,
        mobile_cam: bool | None = None,
        restrictions: str | Mapping[str, Any] | Sequence[Any] | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> Exam:
        """Create an exam (POST /exams); ``type`` as the platform names it (``record_review``,
        ``live_proctoring``, ``classroom``…). Other documented parameters (``allow_websites``…)
        go in ``fields``. Not repeated after a failure that may have reached the server."""
        return self._portal.run(
            self._aio.create,
            name,
            type,
            institute_id=institute_id,
            start_time=start_time,
            end_time=end_time,
            duration_minutes=duration_minutes,
            use_duration=use_duration,
            global_proctoring=global_proctoring,
            global_reviewing=global_reviewing,
            for_reviewing=for_reviewing,
            upload_answers=upload_answers,
            mobile_cam=mobile_cam,
            restrictions=restrictions,
            fields=fields,
        )

    def update(
        self,
        exam_id: int,
        *,
        name: str | None = None,
        type: str | None = None,
        institute_id: int | None = None,
        start_time: datetime | str | None = None,
        end_time: datetime | str | None = None,
        duration_minutes: int | None = None,
        use_duration: bool | None = None,
        global_proctoring: bool | None = None,
        global_reviewing: bool | None = None,
        for_reviewing: bool | None = None,
        upload_answers: bool | None = None,
        mobile_cam: bool | None = None,
        restrictions: str | Mapping[str, Any] | Sequence[Any] | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> Exam:
        """Change the values given (PATCH /exams/:id). Sets absolute values: safe to repeat."""
        return self._portal.run(
            self._aio.update,
            exam_id,
            name=name,
            type=type,
            institute_id=institute_id,
            start_time=start_time,
            end_time=end_time,
            duration_minutes=duration_minutes,
            use_duration=use_duration,
            global_proctoring=global_proctoring,
            global_reviewing=global_reviewing,
            for_reviewing=for_reviewing,
            upload_answers=upload_answers,
            mobile_cam=mobile_cam,
            restrictions=restrictions,
            fields=fields,
        )

    def delete(self, exam_id: int) -> None:
        """Delete an exam (DELETE /exams/:id; it then lists with status ``deleted``). Not repeated."""
        self._portal.run(self._aio.delete, exam_id)

    def add_comanager(self, exam_id: int, user_id: int) -> User:
        """Make a user co-manager of an exam (PUT /exams/:id/add_comanager). The answer is that
        user with their own API credentials, which no repr or log shows. Safe to repeat."""
        return self._portal.run(self._aio.add_comanager, exam_id, user_id)

    def remove_comanager(self, exam_id: int, user_id: int) -> User:
        """Remove a co-manager (DELETE /exams/:id/remove_comanager); the answer is that user, as for
        :meth:`add_comanager`. Not repeated (a repeat is refused)."""
        return self._portal.run(self._aio.remove_comanager, exam_id, user_id)


class StudentSessionsService(SyncService[_sessions.StudentSessionsService]):
    """Student sessions, of every exam or of one.

    The synchronous twin of :class:`mettl_async.proctorexam.sessions.StudentSessionsService`:
    each call blocks until its answer.
    """

    def all(self, *, page_size: int | None = None, max_items: int | None = None) -> Paginator[StudentSession]:
        """Every student session the key may see (GET /student_sessions). Safe to repeat."""
        return self._paginate(self._aio.all, page_size=page_size, max_items=max_items)

    def of_exam(
        self,
        exam_id: int,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[StudentSession]:
        """The student sessions of one exam (GET /exams/:exam_id/student_sessions). Safe to repeat."""
        return self._paginate(self._aio.of_exam, exam_id, page_size=page_size, max_items=max_items)

    def get(self, session_id: int) -> StudentSession:
        """One session (GET /student_sessions/:id). Safe to repeat."""
        return self._portal.run(self._aio.get, session_id)

    def create(
        self,
        exam_id: int,
        name: str,
        email: str,
        *,
        external_id: str | int | None = None,
        individual_info: str | None = None,
        send_confirmation: bool | None = None,
        pre_assigned_proctor_id: int | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> StudentSession:
        """Add a student to an exam (POST /exams/:exam_id/student_sessions). Not repeated after
        a failure that may have reached the server (a repeat registers the student twice)."""
        return self._portal.run(
            self._aio.create,
            exam_id,
            name,
            email,
            external_id=external_id,
            individual_info=individual_info,
            send_confirmation=send_confirmation,
            pre_assigned_proctor_id=pre_assigned_proctor_id,
            fields=fields,
        )

    def update(
        self,
        session_id: int,
        *,
        name: str | None = None,
        email: str | None = None,
        individual_info: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> StudentSession:
        """Change the values given (PATCH /student_sessions/:id). Safe to repeat."""
        return self._portal.run(
            self._aio.update,
            session_id,
            name=name,
            email=email,
            individual_info=individual_info,
            fields=fields,
        )

    def delete(self, session_id: int) -> None:
        """Delete a session (DELETE /student_sessions/:id). Not repeated (a repeat answers 404)."""
        self._portal.run(self._aio.delete, session_id)

    def assign_proctor(self, session_id: int, proctor_id: int) -> ProctorAssignment:
        """Assign a proctor to a session (PUT /student_sessions/:id/assign_proctor). Sets an
        absolute value: safe to repeat."""
        return self._portal.run(self._aio.assign_proctor, session_id, proctor_id)

    def reviewable(self, session_id: int) -> Reviewable:
        """Whether the session can be reviewed now (GET /student_sessions/:id/reviewable). Safe to repeat."""
        return self._portal.run(self._aio.reviewable, session_id)


class AttachmentsService(SyncService[_files.AttachmentsService]):
    """Files attached to an exam; a document's text refers to one by its ``placeholder``.

    The synchronous twin of :class:`mettl_async.proctorexam.files.AttachmentsService`:
    each call blocks until its answer.
    """

    def list(
        self,
        exam_id: int,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[Attachment]:
        """An exam's attachments (GET /exams/:exam_id/attachments). Safe to repeat."""
        return self._paginate(self._aio.list, exam_id, page_size=page_size, max_items=max_items)

    def get(self, exam_id: int, attachment_id: int) -> Attachment:
        """One attachment (GET /exams/:exam_id/attachments/:id). Safe to repeat."""
        return self._portal.run(self._aio.get, exam_id, attachment_id)

    def create(
        self,
        exam_id: int,
        filename: str,
        content: bytes,
        content_type: str | None = None,
    ) -> Attachment:
        """Upload a file (POST /exams/:exam_id/attachments, multipart, file field ``document``).
        Not repeated after a failure that may have reached the server."""
        return self._portal.run(self._aio.create, exam_id, filename, content, content_type)

    def delete(self, exam_id: int, attachment_id: int) -> None:
        """Delete an attachment (DELETE /exams/:exam_id/attachments/:id). Not repeated."""
        self._portal.run(self._aio.delete, exam_id, attachment_id)


class DocumentsService(SyncService[_files.DocumentsService]):
    """An exam's instruction documents (``exam_content``), optionally with a file.

    The synchronous twin of :class:`mettl_async.proctorexam.files.DocumentsService`:
    each call blocks until its answer.
    """

    def list(
        self,
        exam_id: int,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[Document]:
        """An exam's documents (GET /exams/:exam_id/documents). Safe to repeat."""
        return self._paginate(self._aio.list, exam_id, page_size=page_size, max_items=max_items)

    def get(self, exam_id: int, document_id: int) -> Document:
        """One document (GET /exams/:exam_id/documents/:id). Safe to repeat."""
        return self._portal.run(self._aio.get, exam_id, document_id)

    def create(
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
        return self._portal.run(
            self._aio.create,
            exam_id,
            exam_content,
            filename=filename,
            content=content,
            content_type=content_type,
        )

    def update(self, exam_id: int, document_id: int, exam_content: str) -> Document:
        """Replace a document's text (PATCH /exams/:exam_id/documents/:id). Safe to repeat."""
        return self._portal.run(self._aio.update, exam_id, document_id, exam_content)

    def delete(self, exam_id: int, document_id: int) -> None:
        """Delete a document (DELETE /exams/:exam_id/documents/:id). Not repeated."""
        self._portal.run(self._aio.delete, exam_id, document_id)


class ProctorExamClient(SyncClient[_client.ProctorExamClient]):
    """Synchronous client for the ProctorExam API v3.

    The arguments of :class:`mettl_async.proctorexam.client.ProctorExamClient` but ``http``
    (an aiohttp session belongs to its caller's event loop), the same services,
    models and exceptions. Calls block until the answer; lists are
    :class:`mettl_async.sync.Paginator` (``for item in ...``). The async client
    runs on an event loop in a daemon thread of this client's own: use it in a
    ``with`` block or call :meth:`close`.
    """

    def __init__(
        self,
        api_token: str | None = None,
        secret_key: str | None = None,
        *,
        tenant: str | None = None,
        base_url: str | None = None,
        rate: float | None = None,
        burst: int = 1,
        rate_ceiling: float | None = None,
        limiter: Limiter | None = None,
        concurrency: int = 16,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
        uniqueness: UniquenessStore | None = None,
        ssl: ssl_module.SSLContext | bool | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        aio = _client.ProctorExamClient(
            api_token,
            secret_key,
            tenant=tenant,
            base_url=base_url,
            rate=rate,
            burst=burst,
            rate_ceiling=rate_ceiling,
            limiter=limiter,
            concurrency=concurrency,
            retry=retry,
            timeout=timeout,
            clock=clock,
            uniqueness=uniqueness,
            ssl=ssl,
            trace_configs=trace_configs,
            max_response_bytes=max_response_bytes,
        )
        super().__init__(aio)

    def _bind(self) -> None:
        self.institutes = InstitutesService(self._portal, self._aio.institutes)
        self.users = UsersService(self._portal, self._aio.users)
        self.exams = ExamsService(self._portal, self._aio.exams)
        self.student_sessions = StudentSessionsService(self._portal, self._aio.student_sessions)
        self.attachments = AttachmentsService(self._portal, self._aio.attachments)
        self.documents = DocumentsService(self._portal, self._aio.documents)


__all__ = [
    "AttachmentsService",
    "DocumentsService",
    "ExamsService",
    "InstitutesService",
    "ProctorExamClient",
    "StudentSessionsService",
    "UsersService",
]
