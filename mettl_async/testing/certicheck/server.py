"""The CertiCHECK v2 sandbox: its account, its request check and its routes.

It checks every request as section 8.4 says (the key and subdomain, then the
timestamp within a day, then the signature, then that the signature is new),
answers errors as HTTP 200 envelopes with the documented codes, pages in the
documented shapes (including the ``nextUrl`` that points at
``localhost:8092/api/v1/``) and escapes its JSON as the Java server does
(``=`` as ``\\u003d``). The endpoints live in ``accounts``, ``results`` and ``slots``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ...certicheck.config import ENV_BASE_URL, ENV_SUBDOMAIN
from ...mettlfamily.signing import ENV_PRIVATE_KEY, ENV_PUBLIC_KEY
from ..faults import Fault, FaultConfig
from ..kit import Behaviour, Demo, Handler, PlatformSandbox, SandboxError, account_seed, client_keywords
from ..mettl_request_check import MettlVerifier
from . import accounts, results, slots
from .config import SandboxConfig
from .gson import GsonBody, gson_json
from .state import CertiCheckAccount
from .world import World, build_world

if TYPE_CHECKING:
    from ...certicheck.client import CertiCheckClient

PREFIX = "/api/v2"
__all__ = ["PREFIX", "CertiCheckSandbox", "SandboxConfig", "gson_json"]


class CertiCheckSandbox(PlatformSandbox):
    """The sandbox CertiCHECK account and its API."""

    prefix = PREFIX
    name = "CertiCHECK v2"

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config = config or SandboxConfig()
        super().__init__(
            Behaviour(config.faults, config.rate, config.burst, config.drop_after_acting), config.clock
        )
        self.world: World = build_world(config.applicants, config.seed, timezone_set=config.timezone_set)
        self.world.invite_only = config.invite_only
        self.verifier = MettlVerifier(config.public_key, config.private_key)
        self.registrations = 0

    @property
    def used_signatures(self) -> Any:
        return self.verifier.used

    def routes(self) -> list[tuple[str, str, Handler]]:
        endpoints: list[tuple[str, str, Callable[[CertiCheckAccount, web.Request], Any]]] = [
            ("GET", "/getAllTimezones", accounts.get_all_timezones),
            ("POST", "/setAdminTimeZone", accounts.set_admin_timezone),
            ("GET", "/accountSettings", accounts.get_account),
            ("POST", "/accountSettings", accounts.update_account),
            ("POST", "/registerApplicant", accounts.register_applicants),
            ("POST", "/applicants/certificate", accounts.change_tests),
            ("POST", "/loginApplicant", accounts.login_applicant),
            ("GET", "/getAllCandidateEnrolledInSlotWindow", results.get_enrolled),
            ("GET", "/getAllApplicantResults", results.get_all_results),
            (
                "GET",
                "/getAllApplicantResultsOfCertificate/{assessment_id}",
                results.get_results_of_assessment,
            ),
            ("GET", "/getApplicantResults/{email}", results.get_results_of_applicant),
            (
                "GET",
                "/getApplicantResultsOfAssessment/{assessment_id}/{email}",
                results.get_result_in_assessment,
            ),
            ("POST", "/createSlot", slots.create_slot),
            ("GET", "/getAllSlotWindows", slots.get_slot_windows),
            ("GET", "/getSlotDetails", slots.get_slot_details),
            ("POST", "/bookSlotsForApplicants", slots.book_slot),
            ("POST", "/releaseSlot", slots.release_slot),
            ("GET", "/deleteSlotWindow", slots.delete_slot_window),
            ("GET", "/tests", slots.get_tests),
        ]
        return [(method, path, self._endpoint(handler)) for method, path, handler in endpoints]

    def _endpoint(self, handler: Callable[[CertiCheckAccount, web.Request], Any]) -> Handler:
        async def run(request: web.Request) -> Any:
            """JSON of the wrong shape (a list for an object, a number for a text) is the
            documented E105, as the real server answers, not an HTTP 500."""
            try:
                return await handler(self, request)
            except (TypeError, AttributeError, KeyError, ValueError):
                raise SandboxError("E105", "Bad Request, Please provide data in requested format.") from None

        return run

    async def read_params(self, request: web.Request) -> dict[str, Any]:
        """Query and form parameters merged; file fields are never signed."""
        params: dict[str, str] = {}
        for name, value in request.query.items():
            params.setdefault(name, value)
        if request.method == "POST":
            for name, field in (await request.post()).items():
                if isinstance(field, str):
                    params.setdefault(name, field)
        return params

    def authenticate(self, request: web.Request, params: dict[str, Any]) -> None:
        """Section 8.4: the client, then the timestamp, then the signature, then its novelty."""
        self.verifier.check_key(params)
        if not params.get("subdomain"):
            raise SandboxError("E118", "subdomain param is empty/null")
        if params["subdomain"] != self.config.subdomain:
            raise SandboxError("E117", "Certification Client does not exist")
        signed = (
            params if self.config.signs_subdomain else {k: v for k, v in params.items() if k != "subdomain"}
        )
        self.verifier.check(request, signed, self.now())

    def render(self, result: Any) -> web.StreamResponse:
        body = result.data if isinstance(result, GsonBody) else gson_json(result)
        return self.response(200, body, {"Content-Type": "application/json;charset=UTF-8"})

    def render_error(self, error: SandboxError) -> web.StreamResponse:
        return self.render({"status": "ERROR", "error": {"code": error.code, "message": error.message}})

    def fault_response(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        if fault is Fault.E000:
            return self.render_error(SandboxError("E000", "Some Error Occurred"))
        return super().fault_response(request, fault)

    def client(self, base_url: str, **kwargs: Any) -> CertiCheckClient:
        """A client with this sandbox's keys, subdomain and base URL (no client-side rate)."""
        from ...certicheck.client import CertiCheckClient

        return CertiCheckClient(
            self.config.public_key,
            self.config.private_key,
            self.config.subdomain,
            base_url=base_url,
            **client_keywords(kwargs),
        )

    @classmethod
    def sized(
        cls, records: int, *, seed: int = 1, rate: float | None = None, faults: FaultConfig | None = None
    ) -> CertiCheckSandbox:
        return cls(SandboxConfig(applicants=records, seed=seed, rate=rate, faults=faults or FaultConfig()))

    @classmethod
    def for_account(
        cls, label: str, records: int, *, rate: float | None = None, burst: int | None = None
    ) -> CertiCheckSandbox:
        """The account at subdomain ``label``, with keys of its own."""
        config = SandboxConfig(
            public_key=f"{label}-public-key",
            private_key=f"{label}-private-key",
            subdomain=label,
            applicants=records,
            seed=account_seed(label),
            rate=rate,
            burst=burst,
        )
        return cls(config)

    def account_key(self) -> str:
        return self.config.subdomain

    def account_of(self, request: web.Request) -> str | None:
        """Accounts are told apart by the ``subdomain`` parameter (every request sends it)."""
        return request.query.get("subdomain")

    def exports(self, base_url: str) -> dict[str, str]:
        return {
            ENV_BASE_URL: base_url,
            ENV_PUBLIC_KEY: self.config.public_key,
            ENV_PRIVATE_KEY: self.config.private_key,
            ENV_SUBDOMAIN: self.config.subdomain,
        }

    def describe(self, base_url: str) -> str:
        return f"CertiCHECK sandbox at {base_url} ({self.config.applicants:,} applicants)"

    def demo(self) -> Demo:
        return Demo("results", {}, f"{self.config.applicants:,} applicants")
