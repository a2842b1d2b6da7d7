"""The ProctorExam API v3 client: token header, signed parameters, six services."""

from __future__ import annotations

import ssl as ssl_module
import time
from collections.abc import Callable, Sequence

import aiohttp

from ..core.client import BaseClient
from ..core.ratelimit import Limiter
from ..core.responses import MAX_RESPONSE_BYTES
from ..core.retry import RetryPolicy
from ..core.session import CallOptions, Session
from ..core.uniqueness import UniquenessStore
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

    Every attempt is signed afresh with a new nonce from ``uniqueness`` (by
    default the process-wide store, whose nonces differ between processes too;
    pass a shared store when many processes or hosts use one key). ``rate``,
    ``concurrency``, ``retry``, ``ssl``, ``trace_configs`` and ``max_response_bytes``
    are as for every client of this package.

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
        http: aiohttp.ClientSession | None = None,
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
        credentials = ProctorExamCredentials.resolve(api_token, secret_key)
        self.session = Session(
            resolve_base_url(tenant, base_url),
            ProctorExamSigning(credentials),
            decode,
            rate=rate,
            burst=burst,
            ceiling=rate_ceiling,
            limiter=limiter,
            concurrency=concurrency,
            retry=retry,
            timeout=timeout,
            clock=clock,
            http=http,
            uniqueness=uniqueness,
            ssl=ssl,
            trace_configs=trace_configs,
            max_response_bytes=max_response_bytes,
        )
        self._bind(None)

    def _bind(self, options: CallOptions | None) -> None:
        self.institutes = InstitutesService(self.session, options)
        self.users = UsersService(self.session, options)
        self.exams = ExamsService(self.session, options)
        self.student_sessions = StudentSessionsService(self.session, options)
        self.attachments = AttachmentsService(self.session, options)
        self.documents = DocumentsService(self.session, options)

    def __repr__(self) -> str:
        return f"ProctorExamClient(base_url={self.session.base_url!r})"
