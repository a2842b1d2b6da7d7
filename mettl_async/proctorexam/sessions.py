"""ProctorExam student sessions: one student's sitting of an exam.

Lists answer under ``students`` (``student_sessions`` is read too); one session under
``student_session`` (``student`` is read too). Safe to repeat: GETs, update (absolute values)
and assign proctor; create and delete are not repeated after a failure that may have reached
the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.paginator import ListEndpoint, Paginator
from ..core.records import parse, parser
from . import params as p
from .models import ProctorAssignment, Reviewable, StudentSession
from .services import PAGING, ProctorExamService, by_id

#: No page shows a list's answer: ``students`` (the reading taken first, the sandbox's) or
#: ``student_sessions`` (the resource's name, as the other lists are keyed).
LIST_KEYS = ("students", "student_sessions")
ALL_SESSIONS = ListEndpoint("/student_sessions", LIST_KEYS, parser(StudentSession), PAGING, key=by_id)
EXAM_SESSIONS = ListEndpoint(
    "/exams/{exam_id}/student_sessions", LIST_KEYS, parser(StudentSession), PAGING, key=by_id
)
_ONE = ("student_session", "student")


class StudentSessionsService(ProctorExamService):
    """Student sessions, of every exam or of one."""

    def all(self, *, page_size: int | None = None, max_items: int | None = None) -> Paginator[StudentSession]:
        """Every student session the key may see (GET /student_sessions). Safe to repeat."""
        return self._paginate(ALL_SESSIONS, page_size=page_size, max_items=max_items)

    def of_exam(
        self, exam_id: int, *, page_size: int | None = None, max_items: int | None = None
    ) -> Paginator[StudentSession]:
        """The student sessions of one exam (GET /exams/:exam_id/student_sessions). Safe to repeat."""
        fixed = {"exam_id": p.pid("exam_id", exam_id)}
        return self._paginate(EXAM_SESSIONS, fixed, page_size=page_size, max_items=max_items)

    async def get(self, session_id: int) -> StudentSession:
        """One session (GET /student_sessions/:id). Safe to repeat."""
        ids = {"id": p.pid("session_id", session_id)}
        payload = await self._send_params("GET", "/student_sessions/{id}", ids, safe=True)
        return p.record(payload, StudentSession, *_ONE, where="GET /student_sessions/:id")

    async def create(
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
        if external_id is not None and (
            isinstance(external_id, bool) or not isinstance(external_id, str | int)
        ):
            p.text("external_id", external_id, required=True)
        params = p.merge(
            {
                "exam_id": p.pid("exam_id", exam_id),
                "name": p.text("name", name, required=True),
                "email": p.email("email", email, required=True),
                "external_id": external_id,
                "individual_info": p.text("individual_info", individual_info),
                "send_confirmation": p.flag("send_confirmation", send_confirmation),
                "pre_assigned_proctor_id": None
                if pre_assigned_proctor_id is None
                else p.pid("pre_assigned_proctor_id", pre_assigned_proctor_id),
            },
            fields,
        )
        payload = await self._send_params("POST", "/exams/{exam_id}/student_sessions", params, safe=False)
        return p.record(payload, StudentSession, *_ONE, where="POST /exams/:exam_id/student_sessions")

    async def update(
        self,
        session_id: int,
        *,
        name: str | None = None,
        email: str | None = None,
        individual_info: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> StudentSession:
        """Change the values given (PATCH /student_sessions/:id). Safe to repeat."""
        params = p.merge(
            {
                "id": p.pid("session_id", session_id),
                "name": p.text("name", name),
                "email": p.email("email", email),
                "individual_info": p.text("individual_info", individual_info),
            },
            fields,
        )
        p.require_change(params, 1)
        payload = await self._send_params("PATCH", "/student_sessions/{id}", params, safe=True)
        return p.record(payload, StudentSession, *_ONE, where="PATCH /student_sessions/:id")

    async def delete(self, session_id: int) -> None:
        """Delete a session (DELETE /student_sessions/:id). Not repeated (a repeat answers 404)."""
        ids = {"id": p.pid("session_id", session_id)}
        await self._send_params("DELETE", "/student_sessions/{id}", ids, safe=False)

    async def assign_proctor(self, session_id: int, proctor_id: int) -> ProctorAssignment:
        """Assign a proctor to a session (PUT /student_sessions/:id/assign_proctor). Sets an
        absolute value: safe to repeat."""
        ids = {"id": p.pid("session_id", session_id), "proctor_id": p.pid("proctor_id", proctor_id)}
        payload = await self._send_params("PUT", "/student_sessions/{id}/assign_proctor", ids, safe=True)
        return parse(ProctorAssignment, payload)

    async def reviewable(self, session_id: int) -> Reviewable:
        """Whether the session can be reviewed now (GET /student_sessions/:id/reviewable). Safe to repeat."""
        ids = {"id": p.pid("session_id", session_id)}
        payload = await self._send_params("GET", "/student_sessions/{id}/reviewable", ids, safe=True)
        return parse(Reviewable, payload)
