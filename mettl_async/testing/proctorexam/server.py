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

import json
import math
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson
from aiohttp import web

from ...proctorexam.config import ENV_API_TOKEN, ENV_BASE_URL, ENV_SECRET_KEY
from ..faults import Fault, FaultConfig
from ..kit import Behaviour, Demo, Handler, PlatformSandbox, SandboxError, account_seed, client_keywords
from ..shapes import Shape
from . import admin, exams, students, uploads
from .answers import FORBIDDEN, Invalid, Reply, not_found
from .config import ProctorExamSandboxConfig
from .params import FILES, int_param, params_of, parse_multipart
from .records import CET
from .state import Endpoint
from .verify import TOKEN_HEADER, ProctorExamVerifier
from .world import World

if TYPE_CHECKING:
    from ...proctorexam.client import ProctorExamClient

PREFIX = "/proctorexam/api/v3"
MAX_LIMIT = 300
__all__ = [
    "FORBIDDEN",
    "PREFIX",
    "Invalid",
    "ProctorExamSandbox",
    "ProctorExamSandboxConfig",
    "Reply",
    "not_found",
    "parse_multipart",
]


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
        self,
        request: web.Request,
        total: int,
        fetch: Callable[[int, int], list[dict[str, Any]]],
        key: str,
        shape: Shape | None,
    ) -> Reply:
        """One page of a list of ``total`` records under ``key``, with the ``X-Pagination-*``
        headers: ``fetch(offset, limit)`` gives them by field name, sent as ``shape`` writes them
        (``None``: they are records already)."""
        params = params_of(request)
        page = int_param(params, "page", default=1)
        limit = min(int_param(params, "limit", default=MAX_LIMIT), MAX_LIMIT)
        if page < 1 or limit < 1:
            raise SandboxError("invalid_param", "page and limit must be at least 1", 422)
        offset = (page - 1) * limit
        records = fetch(offset, limit) if offset < total else []
        if shape is not None:
            records = [shape.record(r) for r in records]
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

    @classmethod
    def for_account(
        cls, label: str, records: int, *, rate: float | None = None, burst: int | None = None
    ) -> ProctorExamSandbox:
        """The account whose token and secret are ``label``'s own."""
        config = ProctorExamSandboxConfig(
            api_token=f"{label}-api-token",
            secret_key=f"{label}-secret-key",
            sessions=records,
            seed=account_seed(label),
            rate=rate,
            burst=burst,
        )
        return cls(config)

    def account_key(self) -> str:
        return self.config.api_token

    def account_of(self, request: web.Request) -> str | None:
        """Accounts are told apart by their token (the ``Authorization`` header)."""
        found = TOKEN_HEADER.match(request.headers.get("Authorization", ""))
        return found.group(1) if found else None

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
