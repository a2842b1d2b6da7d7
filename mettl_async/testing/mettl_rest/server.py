"""The Mettl REST API sandbox: v1, v2 and v3 of one seeded account, as strict as CertiCHECK's.

One sandbox serves the three versions under its prefix (``/mettl/v1``,
``/mettl/v2``, ``/mettl/v3``; a client given the base URL ``…/mettl`` appends
its version). Every request is checked as Mettl checks it: the key (E403 for
an unknown one), the timestamp within a day (E504), the signature over the URL
as received (HMAC-SHA1 for v1, SHA-256 for v2 and v3; E401), and that the
signature is new (E422 "Signature expired"). Only the query and an
``application/x-www-form-urlencoded`` body are signed: parts of a multipart
body are not. A path that does not exist answers HTTP 404 with E404 (Update
White Label's one-L spelling among them), a wrong method 405 with E405, a
server-side rate above its limit E509 with ``Retry-After``.

Schedules with notification URLs get Mettl's webhooks when their candidates
start, finish and are graded: call :meth:`MettlRestSandbox.complete` (or
``start``/``finish``/``grade``), or set ``auto_complete`` to have every newly
registered candidate go through them by itself.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from ...mettl_rest.config import ENV_API_BASE_URL
from ...mettlfamily.signing import ENV_PRIVATE_KEY, ENV_PUBLIC_KEY
from ..faults import Fault, FaultConfig
from ..kit import (
    Behaviour,
    Demo,
    Handler,
    PlatformSandbox,
    RecordedRequest,
    SandboxError,
    account_seed,
    client_keywords,
)
from ..mettl_request_check import MettlVerifier, Refusals
from . import account, candidates, catalog
from .config import MettlRestConfig
from .lifecycle import Lifecycle
from .params import version
from .state import MettlRestAccount
from .world import RestWorld, build_world

if TYPE_CHECKING:
    from ...mettl_rest.client import MettlClient

PREFIX = "/mettl"
#: An endpoint: sync (run under the lock) or async (takes the lock where it changes the world).
Endpoint = Callable[[MettlRestAccount, web.Request], Any]
VERSIONED = "/{version:v[123]}"
REST_REFUSALS = Refusals(
    unknown_key=("E403", "API key is not allowed to access this API"),
    bad_timestamp=("E504", "Invalid Timestamp"),
    bad_signature=("E401", "Authentication failed/Signature mismatch"),
    reused_signature=("E422", "Signature expired"),
)
_FORM = "application/x-www-form-urlencoded"


class MettlRestSandbox(PlatformSandbox, Lifecycle):
    """The sandbox REST account and its API (v1, v2 and v3)."""

    prefix = PREFIX
    name = "Mettl REST API v1/v2/v3"

    def __init__(self, config: MettlRestConfig | None = None) -> None:
        self.config = config = config or MettlRestConfig()
        super().__init__(
            Behaviour(config.faults, config.rate, config.burst, config.drop_after_acting), config.clock
        )
        self.world: RestWorld = build_world(
            assessments=config.assessments,
            schedules_per_assessment=config.schedules_per_assessment,
            candidates=config.candidates,
            seed=config.seed,
        )
        self.verifier = MettlVerifier(config.public_key, config.private_key, REST_REFUSALS)
        #: Held while the world changes or a page is read (tests may drive it from another thread).
        self.lock = threading.RLock()
        self.registrations = 0
        Lifecycle.__init__(self)

    def routes(self) -> list[tuple[str, str, Handler]]:
        endpoints: list[tuple[str, str, Endpoint]] = [
            ("GET", "/account", account.get_account),
            ("POST", self.config.white_label_path, account.update_white_label),
            ("POST", "/account/upload-logo", account.upload_logo),
            ("GET", "/pbts", account.get_pbts),
            ("POST", "/pbts", account.add_pbts),
            ("GET", "/assessments", catalog.list_assessments),
            ("POST", "/assessments", catalog.create_assessment),
            ("GET", "/assessments/{assessment_id}", catalog.get_assessment),
            ("POST", "/assessments/{assessment_id}/edit", catalog.edit_assessment),
            ("GET", "/assessments/{assessment_id}/schedules", catalog.schedules_of_assessment),
            ("POST", "/assessments/{assessment_id}/schedules", catalog.create_schedule),
            ("GET", "/schedules", catalog.list_schedules),
            ("GET", "/schedules/{key}", catalog.get_schedule),
            ("POST", "/schedules/{key}/edit", catalog.edit_schedule),
            ("GET", "/schedules/{key}/candidates", candidates.list_results),
            ("POST", "/schedules/{key}/candidates", candidates.register),
            ("GET", "/schedules/{key}/candidates/{email}", candidates.get_result),
            ("DELETE", "/schedules/{key}/candidates/{email}", candidates.delete_result),
            ("GET", "/candidates/{email}", candidates.results_of_candidate),
        ]
        return [(method, VERSIONED + path, self._endpoint(handler)) for method, path, handler in endpoints]

    def _endpoint(self, handler: Endpoint) -> Handler:
        is_async = asyncio.iscoroutinefunction(handler)

        async def run(request: web.Request) -> Any:
            """A body of the wrong shape (a list for an object) is E400, not an HTTP 500."""
            try:
                if is_async:
                    return await handler(self, request)
                with self.lock:
                    return handler(self, request)
            except (TypeError, AttributeError, KeyError, ValueError):
                raise SandboxError(
                    "E400", "Request was not well-formed/Invalid parameters supplied"
                ) from None

        return run

    def app(self) -> web.Application:
        app = super().app()
        app.middlewares.insert(0, self._unrouted)
        app.on_cleanup.append(self._stop_tasks)
        return app

    @web.middleware
    async def _unrouted(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """No such path (404, E404) or method (405, E405): answered before any check, as a
        gateway routes before it authenticates; nothing was done."""
        failure = request.match_info.http_exception
        if failure is None:
            response: web.StreamResponse = await handler(request)
            return response
        code = "E405" if failure.status == 405 else "E404"
        text = "Method not allowed" if code == "E405" else "No such endpoint"
        seen = RecordedRequest(request.method, request.raw_path, request.host, {}, request.headers)
        seen.error_code = code
        self.requests.append(seen)
        return self.render_error(
            SandboxError(code, f"{text}: {request.method} {request.path}", failure.status)
        )

    async def _stop_tasks(self, app: web.Application) -> None:
        await self.cancel_pending()

    async def read_params(self, request: web.Request) -> dict[str, Any]:
        """The query and a form body's fields: what Mettl signs. A multipart body's parts
        (files and text alike) are not signed and not read here."""
        params: dict[str, str] = {}
        for name, value in request.query.items():
            params.setdefault(name, value)
        if request.method in ("POST", "PUT") and request.content_type == _FORM:
            for name, field in (await request.post()).items():
                if isinstance(field, str):
                    params.setdefault(name, field)
        return params

    def authenticate(self, request: web.Request, params: dict[str, Any]) -> None:
        """The key, then the timestamp, then the signature (SHA-1 for v1), then its novelty."""
        self.verifier.check_key(params)
        digest = "sha1" if version(request) == "v1" else "sha256"
        self.verifier.check(request, params, self.now(), digest)

    def render(self, result: Any) -> web.StreamResponse:
        return self.response(200, orjson.dumps(result), {"Content-Type": "application/json;charset=UTF-8"})

    def render_error(self, error: SandboxError) -> web.StreamResponse:
        body = orjson.dumps({"status": "ERROR", "error": {"code": error.code, "message": error.message}})
        return self.response(error.status, body, {"Content-Type": "application/json;charset=UTF-8"})

    def rate_limited(self, seen: RecordedRequest, wait: float) -> web.StreamResponse:
        """Above the server's rate: E509 in an HTTP 200 envelope, with ``Retry-After``."""
        seen.error_code = "E509"
        response = self.render_error(SandboxError("E509", "Rate limit exceeded"))
        response.headers["Retry-After"] = str(max(1, int(wait + 0.999)))
        return response

    def fault_response(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        if fault is Fault.E000:
            return self.render_error(SandboxError("E000", "Some Error Occurred"))
        if fault is Fault.HTML_5XX:
            status = self.faults.html_status()
            if status == 503:
                return self.render_error(SandboxError("E503", "Service unavailable", 503))
            if status == 504:
                return self.render_error(SandboxError("E408", "Request timed out", 504))
            page = f"<html><body><h1>{status} Bad Gateway</h1></body></html>"
            return self.response(status, page.encode(), {"Content-Type": "text/html"})
        return super().fault_response(request, fault)

    def client(self, base_url: str, **kwargs: Any) -> MettlClient:
        """A client with this sandbox's keys unless given (``api_version=`` picks v1, v2 or v3)."""
        from ...mettl_rest.client import MettlClient

        public_key = kwargs.pop("public_key", self.config.public_key)
        private_key = kwargs.pop("private_key", self.config.private_key)
        return MettlClient(public_key, private_key, base_url=base_url, **client_keywords(kwargs))

    @classmethod
    def sized(
        cls, records: int, *, seed: int = 1, rate: float | None = None, faults: FaultConfig | None = None
    ) -> MettlRestSandbox:
        return cls(MettlRestConfig(candidates=records, seed=seed, rate=rate, faults=faults or FaultConfig()))

    @classmethod
    def for_account(
        cls, label: str, records: int, *, rate: float | None = None, burst: int | None = None
    ) -> MettlRestSandbox:
        """The account whose key pair is ``label``'s own."""
        config = MettlRestConfig(
            public_key=f"{label}-public-key",
            private_key=f"{label}-private-key",
            candidates=records,
            seed=account_seed(label),
            rate=rate,
            burst=burst,
        )
        return cls(config)

    def account_key(self) -> str:
        return self.config.public_key

    def account_of(self, request: web.Request) -> str | None:
        """Accounts are told apart by their public key (``ak``, in every request's query)."""
        return request.query.get("ak")

    def exports(self, base_url: str) -> dict[str, str]:
        return {
            ENV_API_BASE_URL: f"{base_url}/v2",
            ENV_PUBLIC_KEY: self.config.public_key,
            ENV_PRIVATE_KEY: self.config.private_key,
        }

    def describe(self, base_url: str) -> str:
        return (
            f"Mettl REST API sandbox at {base_url}/v1, /v2 and /v3 ({len(self.world.schedules)} schedules; "
            "--api-version picks the version)"
        )

    def demo(self) -> Demo:
        key, schedule = max(self.world.schedules.items(), key=lambda item: len(item[1].candidates))
        return Demo(
            "schedule-results",
            {"schedule": key},
            f"schedule {key} has {len(schedule.candidates):,} candidates",
        )


__all__ = ["PREFIX", "MettlRestConfig", "MettlRestSandbox"]
