"""The ProctorExam API v3 endpoints: institutes, users and exams (student sessions in
``sessions``, attachments and documents in ``files``), one thin service per group.

Paths are templates: ``{id}``, ``{exam_id}``, ``{institute_id}`` are filled from the
parameters of those names, which are signed but not sent again (see ``auth``).

Safe to repeat (retried after a failure that may have reached the server):
every GET, and the PATCH/PUT calls that set absolute values (updates, adding a
co-manager, assigning a proctor). Creates (POST) and deletes are sent again only
when the server provably did not act (no connection, 429, a refused nonce or
timestamp): a repeated create makes a second record, a repeated delete answers 404.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..core.paginator import ListEndpoint, NaturalKey, Paginator
from ..core.paging_styles import PageNumberPaging
from ..core.records import parser
from ..core.request import FilePart, Request
from ..core.service import Service
from . import params as p
from .auth import placement_of
from .models import EXAM_STATUSES, REPORT_FREQUENCIES, Exam, Institute, User

#: ``page``/``limit``, default and maximum 300, totals in ``X-Pagination-*`` headers.
PAGING = PageNumberPaging(default_limit=300, max_limit=300)
#: Records are named by their ``id``.
by_id = NaturalKey(("id",))

INSTITUTES = ListEndpoint("/institutes", "institutes", parser(Institute), PAGING, key=by_id)
EXAMS = ListEndpoint("/exams", "exams", parser(Exam), PAGING, key=by_id)
USERS = ListEndpoint("/institutes/{institute_id}/users", "users", parser(User), PAGING, key=by_id)


class ProctorExamService(Service):
    """What the ProctorExam services share: one request shape per method."""

    async def _send_params(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any],
        *,
        safe: bool,
        files: tuple[FilePart, ...] = (),
    ) -> Any:
        """Send a call; the auth scheme places the parameters as the method wants (query,
        JSON body, or multipart fields beside ``files``)."""
        placement = placement_of(method, files=bool(files))
        request = Request(method, path, params, placement=placement, files=files, safe_to_repeat=safe)
        return await self._call(request)


class InstitutesService(ProctorExamService):
    """Institutes (listing them is for Premium superusers only)."""

    def list(self, *, page_size: int | None = None, max_items: int | None = None) -> Paginator[Institute]:
        """Every institute (GET /institutes). Safe to repeat."""
        return self._paginate(INSTITUTES, page_size=page_size, max_items=max_items)

    async def get(self, institute_id: int) -> Institute:
        """One institute (GET /institutes/:id). Safe to repeat."""
        payload = await self._send_params(
            "GET", "/institutes/{id}", {"id": p.pid("institute_id", institute_id)}, safe=True
        )
        return p.record(payload, Institute, "institute", where="GET /institutes/:id")

    async def create(
        self,
        name: str,
        *,
        short_name: str | None = None,
        callback_url: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> Institute:
        """Create an institute (POST /institutes). ``callback_url`` receives the platform's
        notifications. Not repeated after a failure that may have reached the server."""
        params = p.merge(
            {
                "name": p.text("name", name, required=True),
                "short_name": p.text("short_name", short_name),
                "callback_url": p.url("callback_url", callback_url),
            },
            fields,
        )
        payload = await self._send_params("POST", "/institutes", params, safe=False)
        return p.record(payload, Institute, "institute", where="POST /institutes")

    async def update(
        self,
        institute_id: int,
        *,
        name: str | None = None,
        short_name: str | None = None,
        callback_url: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> Institute:
        """Change the values given (PATCH /institutes/:id). Sets absolute values: safe to repeat."""
        params = p.merge(
            {
                "id": p.pid("institute_id", institute_id),
                "name": p.text("name", name),
                "short_name": p.text("short_name", short_name),
                "callback_url": p.url("callback_url", callback_url),
            },
            fields,
        )
        p.require_change(params, 1)
        payload = await self._send_params("PATCH", "/institutes/{id}", params, safe=True)
        return p.record(payload, Institute, "institute", where="PATCH /institutes/:id")

    async def delete(self, institute_id: int) -> None:
        """Delete an institute (DELETE /institutes/:id). Not repeated (a repeat answers 404)."""
        await self._send_params(
            "DELETE", "/institutes/{id}", {"id": p.pid("institute_id", institute_id)}, safe=False
        )


class UsersService(ProctorExamService):
    """The users of an institute. Show, create and update answers carry the user's own
    ``api_token`` and ``secret_key``; the :class:`User` model never shows them in a repr."""

    def list(
        self, institute_id: int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[User]:
        """The users of an institute, in their short form (GET /institutes/:institute_id/users)."""
        fixed = {"institute_id": p.pid("institute_id", institute_id)}
        return self._paginate(USERS, fixed, page_size=page_size, max_items=max_items)

    async def get(self, institute_id: int, user_id: int) -> User:
        """One user (GET /institutes/:institute_id/users/:id). Safe to repeat."""
        ids = {"institute_id": p.pid("institute_id", institute_id), "id": p.pid("user_id", user_id)}
        payload = await self._send_params("GET", "/institutes/{institute_id}/users/{id}", ids, safe=True)
        return p.record(payload, User, "user", where="GET /institutes/:institute_id/users/:id")

    async def create(
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
        params = p.merge(
            {
                "institute_id": p.pid("institute_id", institute_id),
                "email": p.email("email", email, required=True),
                "name": p.text("name", name, required=True),
                "role": p.word("role", role, required=True),
                "receives_reports": p.flag("receives_reports", receives_reports),
                "report_frequency": p.one_of("report_frequency", report_frequency, REPORT_FREQUENCIES),
            },
            fields,
        )
        payload = await self._send_params("POST", "/institutes/{institute_id}/users", params, safe=False)
        return p.record(payload, User, "user", where="POST /institutes/:institute_id/users")

    async def update(
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
        params = p.merge(
            {
                "institute_id": p.pid("institute_id", institute_id),
                "id": p.pid("user_id", user_id),
                "email": p.email("email", email),
                "name": p.text("name", name),
                "role": p.word("role", role),
                "receives_reports": p.flag("receives_reports", receives_reports),
                "report_frequency": p.one_of("report_frequency", report_frequency, REPORT_FREQUENCIES),
                "omniauth_config_id": None
                if omniauth_config_id is None
                else p.pid("omniauth_config_id", omniauth_config_id),
            },
            fields,
        )
        p.require_change(params, 2)
        payload = await self._send_params("PATCH", "/institutes/{institute_id}/users/{id}", params, safe=True)
        return p.record(payload, User, "user", where="PATCH /institutes/:institute_id/users/:id")

    async def delete(self, institute_id: int, user_id: int) -> None:
        """Delete a user (DELETE /institutes/:institute_id/users/:id). Not repeated."""
        ids = {"institute_id": p.pid("institute_id", institute_id), "id": p.pid("user_id", user_id)}
        await self._send_params("DELETE", "/institutes/{institute_id}/users/{id}", ids, safe=False)


def _exam_values(
    *,
    institute_id: int | None,
    start_time: datetime | str | None,
    end_time: datetime | str | None,
    duration_minutes: int | None,
    use_duration: bool | None,
    global_proctoring: bool | None,
    global_reviewing: bool | None,
    for_reviewing: bool | None,
    upload_answers: bool | None,
    mobile_cam: bool | None,
    restrictions: str | Mapping[str, Any] | Sequence[Any] | None,
) -> dict[str, Any]:
    return {
        "institute_id": None if institute_id is None else p.pid("institute_id", institute_id),
        "start_time": p.moment("start_time", start_time),
        "end_time": p.moment("end_time", end_time),
        "duration_minutes": p.count("duration_minutes", duration_minutes, low=1),
        "use_duration": p.flag("use_duration", use_duration),
        "global_proctoring": p.flag("global_proctoring", global_proctoring),
        "global_reviewing": p.flag("global_reviewing", global_reviewing),
        "for_reviewing": p.flag("for_reviewing", for_reviewing),
        "upload_answers": p.flag("upload_answers", upload_answers),
        "mobile_cam": p.flag("mobile_cam", mobile_cam),
        "restrictions": p.json_text("restrictions", restrictions),
    }


class ExamsService(ProctorExamService):
    """Exams and their co-managers."""

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
        fixed = {
            "status": p.one_of("status", status, EXAM_STATUSES),
            "filter": p.filter_text(filter),
            "sort": p.sort_text(sort),
        }
        return self._paginate(
            EXAMS, {k: v for k, v in fixed.items() if v is not None}, page_size=page_size, max_items=max_items
        )

    async def get(self, exam_id: int) -> Exam:
        """One exam (GET /exams/:id). Safe to repeat."""
        payload = await self._send_params("GET", "/exams/{id}", {"id": p.pid("exam_id", exam_id)}, safe=True)
        return p.record(payload, Exam, "exam", where="GET /exams/:id")

    async def create(
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
        values = _exam_values(
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
        )
        values["name"] = p.text("name", name, required=True)
        values["type"] = p.word("type", type, required=True)
        payload = await self._send_params("POST", "/exams", p.merge(values, fields), safe=False)
        return p.record(payload, Exam, "exam", where="POST /exams")

    async def update(
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
        values = _exam_values(
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
        )
        values |= {
            "id": p.pid("exam_id", exam_id),
            "name": p.text("name", name),
            "type": p.word("type", type),
        }
        params = p.merge(values, fields)
        p.require_change(params, 1)
        payload = await self._send_params("PATCH", "/exams/{id}", params, safe=True)
        return p.record(payload, Exam, "exam", where="PATCH /exams/:id")

    async def delete(self, exam_id: int) -> None:
        """Delete an exam (DELETE /exams/:id; it then lists with status ``deleted``). Not repeated."""
        await self._send_params("DELETE", "/exams/{id}", {"id": p.pid("exam_id", exam_id)}, safe=False)

    async def add_comanager(self, exam_id: int, user_id: int) -> User:
        """Make a user co-manager of an exam (PUT /exams/:id/add_comanager). The answer is that
        user with their own API credentials, which no repr or log shows. Safe to repeat."""
        ids = {"id": p.pid("exam_id", exam_id), "comanager_id": p.pid("user_id", user_id)}
        payload = await self._send_params("PUT", "/exams/{id}/add_comanager", ids, safe=True)
        return p.record(payload, User, "comanager", where="PUT /exams/:id/add_comanager")

    async def remove_comanager(self, exam_id: int, user_id: int) -> User:
        """Remove a co-manager (DELETE /exams/:id/remove_comanager); the answer is that user, as for
        :meth:`add_comanager`. Not repeated (a repeat is refused)."""
        ids = {"id": p.pid("exam_id", exam_id), "comanager_id": p.pid("user_id", user_id)}
        payload = await self._send_params("DELETE", "/exams/{id}/remove_comanager", ids, safe=False)
        return p.record(payload, User, "comanager", where="DELETE /exams/:id/remove_comanager")


__all__ = [
    "EXAMS",
    "INSTITUTES",
    "PAGING",
    "USERS",
    "ExamsService",
    "InstitutesService",
    "ProctorExamService",
    "UsersService",
]
