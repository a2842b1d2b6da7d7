"""The ProctorExam API v3 client: token header, signed parameters, six services."""

from __future__ import annotations

from ..core.account import account_label, key_label
from ..core.client import BaseClient
from ..core.options import ClientOptions
from .auth import ProctorExamCredentials, ProctorExamSigning
from .codes import decode
from .config import resolve_base_url
from .files import AttachmentsService, DocumentsService
from .services import ExamsService, InstitutesService, UsersService
from .sessions import StudentSessionsService


class ProctorExamClient(BaseClient):
    """Async client for the ProctorExam API v3.

    Credentials come from the arguments or ``PROCTOREXAM_API_TOKEN`` /
    ``PROCTOREXAM_SECRET_KEY``; the address from ``tenant`` (``acme`` for
    ``https://acme.proctorexam.com/api/v3``), ``base_url``, or ``PROCTOREXAM_BASE_URL``.

    Every attempt is signed afresh with a new nonce from the options' ``uniqueness``
    store (by default the process-wide store, whose nonces differ between processes
    too; pass a shared store when many processes or hosts use one key). ``account_name``
    labels the rows it harvests (default: ``key-`` and a hash of the token, never the
    token). Everything else is a :class:`~mettl_async.core.options.ClientOptions`.

    ::

        async with ProctorExamClient(tenant="acme") as pe:
            async for exam in pe.exams.list(status="open"):
                print(exam.id, exam.name)
    """

    def __init__(
        self,
        api_token: str | None = None,
        secret_key: str | None = None,
        *,
        tenant: str | None = None,
        base_url: str | None = None,
        options: ClientOptions | None = None,
        account_name: str | None = None,
    ) -> None:
        credentials = ProctorExamCredentials.resolve(api_token, secret_key)
        self.account_name = account_label(account_name, key_label(credentials.api_token))
        self._connect(resolve_base_url(tenant, base_url), ProctorExamSigning(credentials), decode, options)

    def _bind(self) -> None:
        self.institutes = InstitutesService(self.session, self.options)
        self.users = UsersService(self.session, self.options)
        self.exams = ExamsService(self.session, self.options)
        self.student_sessions = StudentSessionsService(self.session, self.options)
        self.attachments = AttachmentsService(self.session, self.options)
        self.documents = DocumentsService(self.session, self.options)

    def __repr__(self) -> str:
        return f"ProctorExamClient(base_url={self.session.base_url!r})"
