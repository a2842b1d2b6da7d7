"""The ProctorExam API v3 sandbox: its account, its request check, its answers.

Strict where the API is: the token header, the ``Accept`` version, the signature
(restated in ``verify``), a nonce refused when seen in the last 24 hours, a
timestamp refused outside a window (±5 minutes by default). Errors are HTTP
401/403/404/422 with JSON bodies (``{"error": …, "code": …}``, or Rails'
``{"errors": {field: [texts]}}``); lists page with ``page``/``limit`` (default and
maximum 300) and the ``X-Pagination-*`` headers. Endpoints live in ``admin``,
``exams``, ``students`` and ``uploads``.
"""

from __future__ import annotations

import email.policy
import json
import math
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import attrs
import orjson
from aiohttp import web

from ...proctorexam.config import ENV_API_TOKEN, ENV_BASE_URL, ENV_SECRET_KEY
from ..faults import Fault, FaultConfig
from ..kit import (
    PARAMS,
    Behaviour,
    Demo,
    Handler,
    PlatformSandbox,
    RequestSlot,
    SandboxError,
    client_keywords,
)
from .records import CET
from .verify import ProctorExamVerifier
from .world import World

if TYPE_CHECKING:
    from ...proctorexam.client import ProctorExamClient

PREFIX = "/proctorexam/api/v3"
MAX_LIMIT = 300
#: The files of a multipart request, by field: (file name, content type, bytes).
FILES: RequestSlot[dict[str, tuple[str, str, bytes]]] = RequestSlot("files")
Endpoint = Callable[["ProctorExamSandbox", web.Request], Any]


@attrs.frozen
class ProctorExamSandboxConfig:
    """One sandbox ProctorExam account and how its server behaves."""

    api_token: str = attrs.field(default="sandbox-proctorexam-api-token", repr=False)
    secret_key: str = attrs.field(default="sandbox-proctorexam-secret-key", repr=False)
    institutes: int = 3
    users_per_institute: int = 5
    exams: int = 12
    #: Student sessions generated (each built on demand: a million cost nothing until read).
    sessions: int = 300
    seed: int = 1
    #: A Premium superuser may list and manage institutes; others get 403 there.
    superuser: bool = True
    #: Seconds a request's timestamp may be off the server's clock.
    timestamp_window: float = 300.0
    #: Seconds a nonce is remembered (the document: 24 hours).
    nonce_memory: float = 86_400.0
    #: Added to X-Pagination-Item-Count: a server whose headers contradict its records.
    misreport_item_count: int = 0
    faults: FaultConfig = attrs.field(factory=FaultConfig)
    rate: float | None = None
    burst: int | None = None
    #: The server's clock (epoch seconds); skew it to exercise the timestamp window.
    clock: Callable[[], float] = time.time


@attrs.frozen
class Reply:
    """A handler's answer when it is not a plain 200: another status, or headers."""

    payload: Any
    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict)


class Invalid(SandboxError):
    """Rails model validation: HTTP 422 with ``{"errors": {field: [texts]}}``."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__("invalid", f"{field} {problem}", 422)
        self.errors = {field: [problem]}


def not_found(model: str, value: Any) -> SandboxError:
    """ActiveRecord::RecordNotFound's text."""
    return SandboxError("not_found", f"Couldn't find {model} with 'id'={value}", 404)


FORBIDDEN = SandboxError("forbidden", "You are not authorized to access this page.", 403)


def parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    """Text fields and file parts of a ``multipart/form-data`` body."""
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    if not message.is_multipart():
        raise SandboxError("bad_request", "malformed multipart body", 400)
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(data, bytes):
            continue
        filename = part.get_filename()
        if filename is None:
            fields.setdefault(name, data.decode("utf-8"))
        else:
            files[name] = (filename, part.get_content_type(), data)
    return fields, files


class ProctorExamSandbox(PlatformSandbox):
    """The sandbox ProctorExam account and its API v3."""

    prefix = PREFIX
    name = "ProctorExam v3"

    def __init__(self, config: ProctorExamSandboxConfig | None = None) -> None:
        self.config = config = config or ProctorExamSandboxConfig()
        super().__init__(Behaviour(config.faults, config.rate, config.burst), config.clock)
        self.world = World(
            config.seed,
            institutes=config.institutes,
            users_per_institute=config.users_per_institute,
            exams=config.exams,
            sessions=config.sessions,
        )
        self.verifier = ProctorExamVerifier(
            config.api_token,
            config.secret_key,
            window=config.timestamp_window,
            nonce_memory=config.nonce_memory,
        )

    def routes(self) -> list[tuple[str, str, Handler]]:
        from . import admin, exams, students, uploads

        table: list[tuple[str, str, Endpoint]] = [
            *admin.ROUTES,
            *exams.ROUTES,
            *students.ROUTES,
            *uploads.ROUTES,
        ]
        return [(method, path, self._endpoint(handler)) for method, path, handler in table]

    def _endpoint(self, handler: Endpoint) -> Handler:
        async def run(request: web.Request) -> Any:
            return await handler(self, request)

        return run

    async def read_params(self, request: web.Request) -> dict[str, Any]:
        """Query, then the body (JSON object, form or multipart fields), then the path ids: the
        parameters Rails would hand the controller, and so the ones the signature covers."""
        params: dict[str, Any] = {}
        for name, value in request.query.items():
            params.setdefault(name, value)
        body = await request.read()
        kind = request.content_type
        if body and kind == "application/json":
            try:
                payload = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                raise SandboxError("bad_request", "the body is not valid JSON", 400) from None
            if not isinstance(payload, dict):
                raise SandboxError("bad_request", "the JSON body must be an object", 400)
            params.update(payload)
        elif body and kind == "multipart/form-data":
            fields, files = parse_multipart(request.headers["Content-Type"], body)
            params.update(fields)
            FILES.set(files)
        elif body and kind == "application/x-www-form-urlencoded":
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        params.update(request.match_info)
        return params

    def authenticate(self, request: web.Request, params: dict[str, Any]) -> None:
        self.verifier.check_token(request.headers)
        self.verifier.check(params, self.now())

    def render(self, result: Any) -> web.StreamResponse:
        if isinstance(result, Reply):
            if result.status == 204:
                return self.response(204, b"", result.headers)
            return self.response(
                result.status,
                orjson.dumps(result.payload),
                {"Content-Type": "application/json; charset=utf-8", **result.headers},
            )
        return self.render(Reply(result))

    def render_error(self, error: SandboxError) -> web.StreamResponse:
        body: dict[str, Any] = {"error": error.message}
        if isinstance(error, Invalid):
            body = {"errors": error.errors}
        elif error.code not in ("forbidden", "not_found"):
            body["code"] = error.code
        return self.render(Reply(body, status=error.status if error.status >= 400 else 500))

    def fault_response(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        if fault is Fault.E000:  # ProctorExam has no E000: an application error is a 500
            return self.render(Reply({"error": "Internal Server Error"}, status=500))
        return super().fault_response(request, fault)

    # -- what the endpoints share ----------------------------------------------------------------

    def moment(self) -> datetime:
        return datetime.fromtimestamp(self.now(), CET)

    def page(
        self, request: web.Request, total: int, fetch: Callable[[int, int], list[Any]], key: str
    ) -> Reply:
        """One page of a list of ``total`` records, with the ``X-Pagination-*`` headers."""
        params = params_of(request)
        page = int_param(params, "page", default=1)
        limit = min(int_param(params, "limit", default=MAX_LIMIT), MAX_LIMIT)
        if page < 1 or limit < 1:
            raise SandboxError("invalid_param", "page and limit must be at least 1", 422)
        offset = (page - 1) * limit
        records = fetch(offset, limit) if offset < total else []
        headers = {
            "X-Pagination-Item-Count": str(total + self.config.misreport_item_count),
            "X-Pagination-Page-Count": str(math.ceil(total / limit)),
            "X-Pagination-Page": str(page),
            "X-Pagination-Limit": str(limit),
        }
        return Reply({key: records}, headers=headers)

    def exam(self, exam_id: int) -> dict[str, Any]:
        exam = self.world.exams.get(exam_id)
        if exam is None:
            raise not_found("Exam", exam_id)
        return exam

    def require_superuser(self) -> None:
        if not self.config.superuser:
            raise FORBIDDEN

    def client(self, base_url: str, **kwargs: Any) -> ProctorExamClient:
        """A client with this sandbox's credentials and base URL."""
        from ...proctorexam.client import ProctorExamClient

        return ProctorExamClient(
            self.config.api_token, self.config.secret_key, base_url=base_url, **client_keywords(kwargs)
        )

    @classmethod
    def sized(
        cls, records: int, *, seed: int = 1, rate: float | None = None, faults: FaultConfig | None = None
    ) -> ProctorExamSandbox:
        config = ProctorExamSandboxConfig(
            sessions=records, seed=seed, rate=rate, faults=faults or FaultConfig()
        )
        return cls(config)

    def exports(self, base_url: str) -> dict[str, str]:
        return {
            ENV_BASE_URL: base_url,
            ENV_API_TOKEN: self.config.api_token,
            ENV_SECRET_KEY: self.config.secret_key,
        }

    def describe(self, base_url: str) -> str:
        return f"ProctorExam sandbox at {base_url} ({self.config.sessions:,} student sessions)"

    def demo(self) -> Demo:
        return Demo("proctorexam-sessions", {}, f"{self.config.sessions:,} student sessions")


def params_of(request: web.Request) -> dict[str, Any]:
    """The parameters the middleware read for this request."""
    params: dict[str, Any] = PARAMS.get()
    return params


def int_param(params: Mapping[str, Any], name: str, *, default: int | None = None) -> int:
    """An integer parameter (JSON number or digits); 422 when missing or not a number."""
    value = params.get(name)
    if value is None or value == "":
        if default is not None:
            return default
        raise SandboxError("param_missing", f"param is missing or the value is empty: {name}", 422)
    if isinstance(value, bool):
        raise SandboxError("invalid_param", f"{name} must be a number", 422)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SandboxError("invalid_param", f"{name} must be a number", 422) from None


def bool_param(params: Mapping[str, Any], name: str) -> bool | None:
    """A boolean as Rails reads one (``true``/``false`` text or JSON), ``None`` when absent."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise SandboxError("invalid_param", f"{name} must be true or false", 422)


def text_param(params: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = params.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise SandboxError("param_missing", f"param is missing or the value is empty: {name}", 422)
        return None
    if not isinstance(value, str):
        raise SandboxError("invalid_param", f"{name} must be text", 422)
    return value
