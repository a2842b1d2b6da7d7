"""An aiohttp.web server that behaves like the CertiCHECK v2 API as documented.

It checks every request as section 8.4 says (timestamp within a day, then the
signature, then that the signature is new), answers errors as HTTP 200
envelopes with the documented codes, pages in the documented shapes (including
the ``nextUrl`` that points at ``localhost:8092/api/v1/``), escapes its JSON
as the Java server does (``=`` as ``\\u003d``), and can inject faults.

Run it with ``mettl-async sandbox`` or ``python -m mettl_async.sandbox``; use it
in tests through :class:`SandboxThread` or the pytest fixtures.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextvars
import hashlib
import hmac
import itertools
import math
import re
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import attrs
import orjson
from aiohttp import web

from ..ratelimit import TokenBucket
from .faults import Fault, FaultConfig, FaultInjector
from .world import (
    TIMEZONES,
    ApplicantRow,
    BookingRow,
    SlotRow,
    WindowRow,
    World,
    build_world,
    mettl_time,
)

if TYPE_CHECKING:
    from ..certicheck import CertiCheckClient

API = "/api/v2"
MAX_LIMIT = 500
MAX_PER_CALL = 20
ONE_DAY = 86_400
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLOT_DATE = re.compile(r"^(\d{1,2}) ([A-Za-z]{3}), (\d{2}|\d{4})$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_GSON_ESCAPES = (
    (b"=", b"\\u003d"),
    (b"&", b"\\u0026"),
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"'", b"\\u0027"),
)


@attrs.frozen
class SandboxConfig:
    """One sandbox account and how its server behaves."""

    public_key: str = "sandbox-public-key"
    private_key: str = attrs.field(default="sandbox-private-key", repr=False)
    subdomain: str = "sandbox"
    applicants: int = 200
    seed: int = 1
    #: Whether the account's time zone is already set (slot endpoints need it).
    timezone_set: bool = True
    invite_only: bool = True
    faults: FaultConfig = attrs.field(factory=FaultConfig)
    #: Server-side limit in requests per second; above it the server answers 429.
    rate: float | None = None
    #: Page size of the results endpoints when the request names none.
    results_page_size: int = 20
    #: "No of Slots per page is fixed as 10" (getAllSlotWindows).
    slot_windows_per_page: int = 10
    #: Registrations allowed before E607; ``None`` for no limit.
    registration_limit: int | None = None
    #: The server's clock (epoch seconds); skew it to exercise E504.
    clock: Callable[[], float] = time.time


#: The merged query and form parameters of the request being handled (the middleware
#: and its handler run in one task, so each request sees its own).
_PARAMS: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("sandbox_params")
T = TypeVar("T")


class SandboxError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@attrs.define
class RecordedRequest:
    """What the sandbox saw of one request, for tests to inspect."""

    method: str
    raw_path: str
    host: str
    params: dict[str, str]
    fault: Fault | None = None
    error_code: str | None = None


def gson_json(payload: Any) -> bytes:
    """JSON as the Java server writes it: HTML-unsafe characters as ``\\uXXXX``.

    These characters never occur outside strings in JSON, so replacing every
    occurrence only touches string contents.
    """
    body = orjson.dumps(payload)
    for char, escaped in _GSON_ESCAPES:
        body = body.replace(char, escaped)
    return body


def expected_signature(private_key: str, method: str, url: str, params: dict[str, str]) -> str:
    """Section 8.2, restated from the document on the server side."""
    text = method + url + "".join("\n" + params[name] for name in sorted(params) if name != "asgn")
    return base64.b64encode(hmac.new(private_key.encode(), text.encode(), hashlib.sha256).digest()).decode()


class Sandbox:
    """The server's state and its aiohttp application."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.world: World = build_world(
            self.config.applicants, self.config.seed, timezone_set=self.config.timezone_set
        )
        self.world.invite_only = self.config.invite_only
        self.faults = FaultInjector(self.config.faults)
        self.used_signatures: set[str] = set()
        self.requests: collections.deque[RecordedRequest] = collections.deque(maxlen=100_000)
        self.limiter = (
            TokenBucket(self.config.rate, max(1, int(self.config.rate))) if self.config.rate else None
        )
        self.registrations = 0

    # -- application ------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        get, post = self._get_routes(), self._post_routes()
        app.add_routes([web.get(API + path, handler) for path, handler in get.items()])
        app.add_routes([web.post(API + path, handler) for path, handler in post.items()])
        return app

    def _get_routes(self) -> dict[str, Callable[[web.Request], Awaitable[Any]]]:
        return {
            "/getAllTimezones": self.get_all_timezones,
            "/accountSettings": self.get_account,
            "/getAllCandidateEnrolledInSlotWindow": self.get_enrolled,
            "/getAllApplicantResults": self.get_all_results,
            "/getAllApplicantResultsOfCertificate/{assessment_id}": self.get_results_of_assessment,
            "/getApplicantResults/{email}": self.get_results_of_applicant,
            "/getApplicantResultsOfAssessment/{assessment_id}/{email}": self.get_result_in_assessment,
            "/getAllSlotWindows": self.get_slot_windows,
            "/getSlotDetails": self.get_slot_details,
            "/deleteSlotWindow": self.delete_slot_window,
            "/tests": self.get_tests,
        }

    def _post_routes(self) -> dict[str, Callable[[web.Request], Awaitable[Any]]]:
        return {
            "/setAdminTimeZone": self.set_admin_timezone,
            "/accountSettings": self.update_account,
            "/registerApplicant": self.register_applicants,
            "/applicants/certificate": self.change_tests,
            "/loginApplicant": self.login_applicant,
            "/createSlot": self.create_slot,
            "/bookSlotsForApplicants": self.book_slot,
            "/releaseSlot": self.release_slot,
        }

    def now(self) -> float:
        return self.config.clock()

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        params: dict[str, str] = {}
        for name, value in request.query.items():
            params.setdefault(name, value)
        if request.method == "POST":
            for name, field in (await request.post()).items():
                if isinstance(field, str):  # file fields are never signed
                    params.setdefault(name, field)
        seen = RecordedRequest(request.method, request.raw_path, request.host, params)
        self.requests.append(seen)
        _PARAMS.set(params)
        result: Any
        try:
            self._authenticate(request, params)
            seen.fault = self.faults.pick()
            if seen.fault is Fault.SLOW:
                await asyncio.sleep(self.config.faults.slow_seconds)
            elif seen.fault is not None:
                return self._fault_response(request, seen.fault)
            if self.limiter is not None:
                wait = self.limiter.try_reserve(asyncio.get_running_loop().time())
                if wait > 0:
                    seen.error_code = "429"
                    return self._response(429, b"Too Many Requests", {"Retry-After": str(math.ceil(wait))})
            result = await self._handle(handler, request)
        except SandboxError as error:
            seen.error_code = error.code
            result = {"status": "ERROR", "error": {"code": error.code, "message": error.message}}
        if isinstance(result, web.StreamResponse):
            return result
        return self._response(200, gson_json(result), {"Content-Type": "application/json;charset=UTF-8"})

    @staticmethod
    async def _handle(handler: Callable[[web.Request], Awaitable[Any]], request: web.Request) -> Any:
        """Run an endpoint; JSON of the wrong shape (a list for an object, a number for a
        text) is the documented E105, as the real server answers, not an HTTP 500."""
        try:
            return await handler(request)
        except (TypeError, AttributeError, KeyError, ValueError):
            raise SandboxError("E105", "Bad Request, Please provide data in requested format.") from None

    def _response(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> web.Response:
        response = web.Response(status=status, body=body, headers=headers)
        response.headers["Date"] = formatdate(self.now(), usegmt=True)
        return response

    def _fault_response(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        if fault is Fault.E000:
            body = gson_json({"status": "ERROR", "error": {"code": "E000", "message": "Some Error Occurred"}})
            return self._response(200, body, {"Content-Type": "application/json"})
        if fault is Fault.RATE_LIMIT:
            wait = self.config.faults.retry_after
            shown = str(int(wait)) if wait == int(wait) else f"{wait:g}"
            return self._response(429, b"", {"Retry-After": shown})
        if fault is Fault.DROP:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError  # nothing more to write: the connection is gone
        status = self.faults.html_status()
        if status == 504:
            return self._response(504, b"")
        page = f"<html><head><title>{status}</title></head><body><h1>{status} Bad Gateway</h1></body></html>"
        return self._response(status, page.encode(), {"Content-Type": "text/html"})

    def _authenticate(self, request: web.Request, params: dict[str, str]) -> None:
        """Section 8.4: the client, then the timestamp, then the signature, then its novelty."""
        if params.get("ak") != self.config.public_key:
            raise SandboxError("E002", "Invalid Access Key")
        if not params.get("subdomain"):
            raise SandboxError("E118", "subdomain param is empty/null")
        if params["subdomain"] != self.config.subdomain:
            raise SandboxError("E117", "Certification Client does not exist")
        try:
            ts = int(params.get("ts", ""))
        except ValueError:
            raise SandboxError("E504", "Invalid Timestamp") from None
        if abs(self.now() - ts) > ONE_DAY:
            raise SandboxError("E504", "Invalid Timestamp")
        url = f"{request.scheme}://{request.host}{request.raw_path.partition('?')[0]}"
        expected = expected_signature(self.config.private_key, request.method, url, params)
        if not hmac.compare_digest(params.get("asgn", "").encode(), expected.encode()):
            raise SandboxError("E401", "Authentication failed/Signature mismatch")
        if expected in self.used_signatures:
            raise SandboxError("E401", "Signature expired")
        self.used_signatures.add(expected)

    # -- parameters -------------------------------------------------------------------------

    @staticmethod
    def _json(name: str) -> Any:
        text = _PARAMS.get().get(name)
        if not text:
            raise SandboxError("E101", "Bad Request, request body is empty. Please provide request body.")
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            raise SandboxError("E105", "Bad Request, Please provide data in requested format.") from None

    @staticmethod
    def _page(default_limit: int = 20) -> tuple[int, int]:
        params = _PARAMS.get()
        try:
            limit = int(params.get("limit", default_limit))
            offset = int(params.get("offset", 0))
        except ValueError:
            raise SandboxError("E021", "Page size/number cannot be null or a negative number.") from None
        if limit < 0 or offset < 0:
            raise SandboxError("E021", "Page size/number cannot be null or a negative number.")
        if limit > MAX_LIMIT:
            raise SandboxError("E018", "Requested row size is greater than 500")
        return limit, offset

    @staticmethod
    def _number(value: Any, code: str, message: str) -> int:
        if isinstance(value, bool):
            raise SandboxError(code, message)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SandboxError(code, message) from None

    def _applicant(self, email: str) -> ApplicantRow:
        applicant = self.world.applicants.get(email.strip().lower())
        if applicant is None:
            raise SandboxError("E111", "Provided applicant id is not valid.")
        return applicant

    # -- 2. time zones ----------------------------------------------------------------------

    async def get_all_timezones(self, request: web.Request) -> Any:
        return {"status": "SUCCESS", "timezones": TIMEZONES}

    async def set_admin_timezone(self, request: web.Request) -> Any:
        data = self._json("data")
        tzid = data.get("tzid") if isinstance(data, dict) else None
        if not tzid:
            raise SandboxError("E102", "Bad Request, Please provide time zone id.")
        if tzid not in {t["tzid"] for t in TIMEZONES}:
            raise SandboxError("E103", "Please provide a valid time zone id.")
        if self.world.timezone is not None:
            raise SandboxError("E104", "Sorry, time zone is already set for this account.")
        self.world.timezone = tzid
        return {"status": "SUCCESS"}

    # -- 3. account -------------------------------------------------------------------------

    async def get_account(self, request: web.Request) -> Any:
        fields = [
            {"name": "Email Address", "type": "TextBox", "required": True},
            {"name": "First Name", "type": "TextBox", "required": True},
            {"name": "Last Name", "type": "TextBox", "required": False},
            {"name": "Date of birth", "type": "Calendar", "required": False, "validate": False},
        ]
        info = {
            "email": "john.doe@nextbigapp.com",
            "username": "John Doe",
            "termsAndConditionUrl": "http://joedoe.com/terms-and-conditions",
            "applicatnRegistrationFields": fields,
        }
        return {"status": "SUCCESS", "accountInfo": info}

    async def update_account(self, request: web.Request) -> Any:
        settings = self._json("as")
        if not isinstance(settings, dict):
            raise SandboxError("E105", "Bad Request, Please provide data in requested format.")
        email = settings.get("emailSettings") or {}
        if email.get("sendEmailOnAssigningTest") and not self.world.invite_only:
            raise SandboxError(
                "E106",
                "sendEmailOnAssigningTest, this property is for invite only accounts, "
                "You can set it to false or can leave it blank.",
            )
        view = settings.get("applicantDashboardViewSettings") or {}
        if view.get("sortByName") and view.get("sortByPublishDate"):
            raise SandboxError(
                "E107",
                "For applicantDashboardViewSettings both values can not be true. "
                "Please choose any of the one.",
            )
        for section, values in settings.items():
            self.world.settings.setdefault(section, {}).update(values if isinstance(values, dict) else {})
        return {"status": "Success"}

    # -- 4. applicants ----------------------------------------------------------------------

    def _activation_url(self, email: str) -> str:
        token = base64.b64encode(hashlib.sha256(email.encode()).digest()).decode()
        host = f"http://{self.config.subdomain}.mettl.info"
        return f"{host}/applicant/account/createPassword?em={quote(token, safe='')}"

    async def register_applicants(self, request: web.Request) -> Any:
        rd = self._json("rd")
        details = rd.get("registrationDetails") if isinstance(rd, dict) else None
        if not isinstance(details, list) or not details:
            raise SandboxError("E105", "Bad Request, Please provide data in requested format.")
        if len(details) > MAX_PER_CALL:
            raise SandboxError("E010", "Request data too big")
        seen: set[str] = set()
        for number, entry in enumerate(details, 1):
            for required in ("Email Address", "First Name"):
                if not isinstance(entry, dict) or not str(entry.get(required) or "").strip():
                    raise SandboxError(
                        "E003",
                        f"Mandatory parameter {required} for registration not supplied "
                        f"for applicant #{number}",
                    )
            if not _EMAIL.match(entry["Email Address"]):
                raise SandboxError("E004", "Invalid format for parameter email id")
            if entry["Email Address"].lower() in seen:
                raise SandboxError("E603", "Duplicate Applicant Email Id")
            seen.add(entry["Email Address"].lower())
        contexts = {o.get("email", "").lower(): o.get("context_data") for o in rd.get("optionalParams") or []}
        verified = bool(rd.get("isAdminVerified", False))
        new = [e for e in details if e["Email Address"].lower() not in self.world.applicants]
        limit = self.config.registration_limit
        if limit is not None and self.registrations + len(new) > limit:
            raise SandboxError("E607", "Candidate registration limit exceeded")
        out = []
        for entry in details:
            email = entry["Email Address"]
            existing = self.world.applicants.get(email.lower())
            if existing is None:
                existing = ApplicantRow(
                    email=email,
                    first_name=entry["First Name"],
                    last_name=entry.get("Last Name"),
                    country=entry.get("Country", ""),
                    registered_on=datetime.fromtimestamp(self.now(), UTC).date(),
                    status="Active" if verified else "Activation Pending",
                    admin_verified=verified,
                    context_data=contexts.get(email.lower()),
                )
                self.world.applicants[email.lower()] = existing
                self.registrations += 1
                shown = existing.status
            elif existing.status == "Deleted":
                # "We get deleted on first attempt to add deleted email again, if you will try
                # again with same credentials you will get status PENDING."
                shown, existing.status = "Deleted", "PENDING"
            else:
                shown = existing.status
            record: dict[str, Any] = {"email": existing.email, "status": shown}
            if shown in ("Activation Pending", "PENDING"):
                record = {"activationUrl": self._activation_url(existing.email), **record}
            out.append(record)
        return {"applicants": out, "status": "SUCCESS"}

    async def change_tests(self, request: web.Request) -> Any:
        atd = self._json("atd")
        entries = atd.get("applicants") if isinstance(atd, dict) else None
        if not isinstance(entries, list) or not entries:
            raise SandboxError("E105", "Bad Request, Please provide data in requested format.")
        if len(entries) > MAX_PER_CALL:
            raise SandboxError("E010", "Request data too big")
        plan: list[tuple[ApplicantRow, set[int], set[int]]] = []
        seen: set[str] = set()
        for entry in entries:
            email = str(entry.get("email") or "").strip()
            if not email:
                raise SandboxError("E601", "Blank Applicant Email Id")
            if not _EMAIL.match(email):
                raise SandboxError("E602", "Invalid Applicant Email Id")
            if email.lower() in seen:
                raise SandboxError("E603", "Duplicate Applicant Email Id")
            seen.add(email.lower())
            applicant = self._applicant(email)
            tests = entry.get("tests") or {}
            add = {self._number(t.get("testId"), "E606", "Invalid testId") for t in tests.get("add") or []}
            remove = {
                self._number(t.get("testId"), "E606", "Invalid testId") for t in tests.get("remove") or []
            }
            for test_id in add | remove:
                test = self.world.tests.get(test_id)
                if test is None or not test.published:
                    raise SandboxError("E606", "Invalid testId")
            if add & applicant.tests:
                raise SandboxError("E604", "Certification already allocated to the applicant")
            if remove - applicant.tests:
                raise SandboxError(
                    "E605", "Certification not allocated to the applicant, So Cannot Remove allocation"
                )
            plan.append((applicant, add, remove))
        for applicant, add, remove in plan:  # all checked first: nothing half-applied
            applicant.tests = (applicant.tests | add) - remove
        return {"status": "SUCCESS"}

    async def login_applicant(self, request: web.Request) -> Any:
        email = _PARAMS.get().get("email", "")
        applicant = self.world.applicants.get(email.strip().lower())
        if applicant is None or not applicant.admin_verified:
            raise SandboxError(
                "E119", "No Applicant found with the provided Subdomain/Applicant Email eligible for SSO"
            )
        if applicant.status != "Active":
            raise SandboxError("E120", "Applicant is Not verified")
        token = base64.b64encode(hashlib.sha256(f"{email}{self.now()}".encode()).digest() * 2).decode()
        url = f"http://{self.config.subdomain}.mettl.xyz/applicant/dashboard?ssoToken={quote(token, safe='')}"
        return self._response(200, url.encode(), {"Content-Type": "text/plain;charset=UTF-8"})

    async def get_enrolled(self, request: web.Request) -> Any:
        window_id = self._number(
            _PARAMS.get().get("sid"), "E036", "Slot window Id cannot be null or have alphabet values"
        )
        limit, offset = self._page()
        window = self.world.windows.get(window_id)
        slot_ids = {s.slot_id for s in window.slots} if window else set()
        rows = [b for b in self.world.bookings if b.slot_id in slot_ids]
        page = rows[offset : offset + limit]
        if not page:
            raise SandboxError(
                "E022",
                "No candidate enrolled in the slot window (OR) Provided slot window Id does not exist "
                "for your account",
            )
        return {"slotWindowSummary": [self.world.enrolled_record(b) for b in page], "status": "SUCCESS"}

    def _results_page(self, request: web.Request, rows: Sequence[T], render: Callable[[T], Any]) -> Any:
        """One page of ``rows``, rendered (only the page: a harvest walks thousands of pages)."""
        limit, offset = self._page(self.config.results_page_size)
        page = [render(row) for row in rows[offset : offset + limit]]
        base = f"{request.scheme}://{request.host}{request.raw_path.partition('?')[0]}"
        following = f"{base}?limit={limit}&offset={offset + limit}" if offset + limit < len(rows) else None
        before = f"{base}?limit={limit}&offset={max(0, offset - limit)}" if offset > 0 else None
        return {"applicants": page, "paging": {"previous": before, "next": following}, "status": "SUCCESS"}

    async def get_all_results(self, request: web.Request) -> Any:
        return self._results_page(request, list(self.world.applicants.values()), self.world.result_record)

    def _assessment(self, value: str) -> int:
        assessment_id = self._number(value, "E001", "Invalid Assessment Id")
        if assessment_id not in self.world.tests:
            raise SandboxError("E001", "Invalid Assessment Id")
        return assessment_id

    async def get_results_of_assessment(self, request: web.Request) -> Any:
        assessment_id = self._assessment(request.match_info["assessment_id"])
        rows = [
            a
            for a in self.world.applicants.values()
            if any(c.assessment_id == assessment_id for c in a.certificates)
        ]
        return self._results_page(request, rows, lambda a: self.world.result_record(a, assessment_id))

    async def get_results_of_applicant(self, request: web.Request) -> Any:
        applicant = self._applicant(request.match_info["email"])
        # As the document's sample: one entry per assessment the applicant is in.
        assessments: list[int | None] = [c.assessment_id for c in applicant.certificates] or [None]
        return self._results_page(request, assessments, lambda a: self.world.result_record(applicant, a))

    async def get_result_in_assessment(self, request: web.Request) -> Any:
        assessment_id = self._assessment(request.match_info["assessment_id"])
        applicant = self._applicant(request.match_info["email"])
        # The document's sample of this response has no "status" key.
        return {"applicants": [self.world.result_record(applicant, assessment_id)], "applicationStatus": None}

    # -- 5. slots ---------------------------------------------------------------------------

    async def create_slot(self, request: web.Request) -> Any:
        if self.world.timezone is None:
            raise SandboxError("E019", "Cannot perform any API slot actions without setting the time zone id")
        cr = self._json("cr")
        if not isinstance(cr, dict):
            raise SandboxError("E105", "Bad Request, Please provide data in requested format.")
        problems: dict[str, str] = {}
        if not str(cr.get("name") or "").strip():
            problems["name"] = "Name cannot be empty"
        dates = {}
        for key in ("fromDate", "toDate"):
            parsed = _slot_date(cr.get(key))
            if parsed is None:
                problems[key] = (
                    "Date format is invalid. Please enter date in dd MMM, yy format (e.g. 14 Jan, 15)"
                )
            else:
                dates[key] = parsed
        slots = cr.get("slots")
        hours: list[tuple[int, int]] = []
        if not isinstance(slots, list) or not slots:
            problems["slots"] = "At least one slot is required"
        else:
            for i, slot in enumerate(slots):
                start, end = (
                    (slot.get("startTime"), slot.get("endTime")) if isinstance(slot, dict) else (None, None)
                )
                for key, value in (("startTime", start), ("endTime", end)):
                    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 24:
                        problems[f"slots[{i}].{key}"] = "Slot time must be between 12 A.M. and 12 P.M."
                if isinstance(start, int) and isinstance(end, int) and start < end:
                    hours.append((start, end))
            for (a_start, a_end), (b_start, b_end) in itertools.pairwise(sorted(hours)):
                if b_start < a_end:
                    problems["slots"] = (
                        f"Slot ({_hour(b_start)} - {_hour(b_end)}) is overlapping with slot "
                        f"({_hour(a_start)} - {_hour(a_end)})."
                    )
        if not problems and dates["toDate"] < dates["fromDate"]:
            problems["toDate"] = "To date cannot be before from date"
        if problems:
            detail = ", ".join(f"{k}={v}" for k, v in problems.items())
            raise SandboxError("E020", f"Incorrect format in slot creation data : {{{detail}}}")
        capacity = cr.get("capacityPerSlot") or 50
        window = WindowRow(
            self.world.new_id(), cr["name"], dates["fromDate"], dates["toDate"], capacity, active=True
        )
        day = dates["fromDate"]
        while day <= dates["toDate"]:
            for start, end in hours:
                window.slots.append(
                    SlotRow(
                        self.world.new_id(),
                        window.window_id,
                        day.replace(hour=start % 24),
                        day.replace(hour=end % 24),
                        capacity,
                    )
                )
            day += timedelta(days=1)
        window.ends = dates["toDate"].replace(hour=23, minute=59)
        self.world.windows[window.window_id] = window
        return {"status": "SUCCESS"}

    async def get_slot_windows(self, request: web.Request) -> Any:
        if self.world.timezone is None:
            # The document's error carries the code with a trailing space.
            raise SandboxError("E033 ", "Cannot get all slot window without setting the time zone.")
        limit, offset = self._page()
        windows = self.world.ordered_windows()
        page = windows[offset : offset + min(limit, self.config.slot_windows_per_page)]
        body: dict[str, Any] = {"slotWindows": [self.world.window_record(w) for w in page]}
        if page and offset + len(page) < len(windows):
            # As the document's sample: another host, API v1, a double slash.
            body["nextUrl"] = (
                f"http://localhost:8092/api/v1//getAllSlotWindows?offset={offset + len(page)}&limit={limit}"
            )
        body["status"] = "SUCCESS"
        return body

    async def get_slot_details(self, request: web.Request) -> Any:
        slot_id = self._number(
            _PARAMS.get().get("sid"), "E035", "Slot Id cannot be Null or cannot have alphabets"
        )
        found = self.world.slot(slot_id)
        if found is None:
            raise SandboxError("E023", "Provided slot Id does not exist for your account")
        window, slot = found
        limit, offset = self._page()
        candidates = self.world.slot_candidates(slot_id)
        details = {
            "clientId": 413,
            "slotWindowId": window.window_id,
            "slotWindowName": window.name,
            "fromTime": mettl_time(slot.starts),
            "toTime": mettl_time(slot.ends),
            "enrolledCount": len(candidates),
            "candidateDetailsList": candidates[offset : offset + limit],
        }
        return {"slotDetails": details, "status": "SUCCESS"}

    async def book_slot(self, request: web.Request) -> Any:
        sga = self._json("sga")
        for booking in sga if isinstance(sga, list) else [sga]:
            if not isinstance(booking, dict):
                raise SandboxError("E105", "Bad Request, Please provide data in requested format.")
            self._book(booking)
        return {"status": "Success"}

    def _book(self, sga: dict[str, Any]) -> None:
        email = str(sga.get("applicantEmail") or "")
        if not email:
            raise SandboxError("E109", "Please provide applicant email id.")
        timezone = sga.get("timeZoneId", sga.get("timeZoneld"))  # the document prints "timeZoneld"
        if timezone is None:
            raise SandboxError("E033", "Time Zone cannot be null")
        timezone_id = self._number(timezone, "E115", "Provided Timezone Id is not valid")
        if timezone_id not in {t["id"] for t in TIMEZONES}:
            raise SandboxError("E115", "Provided Timezone Id is not valid")
        slot_id = self._number(sga.get("slotId"), "E035", "Slot Id cannot be Null or cannot have alphabets")
        if sga.get("certificateAssessmentId") is None:
            raise SandboxError("E034", "Assessment Id cannot be Null")
        assessment_id = self._assessment(sga["certificateAssessmentId"])
        found = self.world.slot(slot_id)
        if found is None:
            raise SandboxError("E023", "Provided slot Id does not exist for your account")
        window, slot = found
        if not window.active:
            raise SandboxError("E040", "Provided slot window Id has been deactivated")
        if not self.world.tests[assessment_id].published:
            raise SandboxError("E041", "Provided assessment has been unpublished")
        applicant = self._applicant(email)
        if not any(c.assessment_id == assessment_id and c.paid_at for c in applicant.certificates):
            raise SandboxError("E030", "Payment not been made for assessment")
        if any(
            b.email.lower() == email.lower() and b.assessment_id == assessment_id for b in self.world.bookings
        ):
            raise SandboxError("E025", "Slot has already been booked for applicant")
        if sum(b.slot_id == slot_id for b in self.world.bookings) >= slot.capacity:
            raise SandboxError("E024", "Error Happened while booking slot : slot is full")
        self.world.bookings.append(
            BookingRow(
                applicant.email,
                slot_id,
                assessment_id,
                datetime.fromtimestamp(self.now(), UTC).replace(tzinfo=None),
                timezone_id,
            )
        )

    async def release_slot(self, request: web.Request) -> Any:
        data = self._json("data")
        if not isinstance(data, dict):
            raise SandboxError("E105", "Bad Request, Please provide data in requested format.")
        email = str(data.get("applicantEmailId") or "")
        if not email:
            raise SandboxError("E109", "Please provide applicant email id.")
        if data.get("assessmentId") is None:
            raise SandboxError("E110", "Please provide assessment id.")
        assessment_id = self._number(data["assessmentId"], "E001", "Invalid Assessment Id")
        for booking in self.world.bookings:
            if booking.email.lower() == email.lower() and booking.assessment_id == assessment_id:
                self.world.bookings.remove(booking)
                return {"status": "Success"}
        raise SandboxError("E112", "Applicant is not registered for slot.")

    async def delete_slot_window(self, request: web.Request) -> Any:
        swid = _PARAMS.get().get("swid")
        if not swid:
            raise SandboxError("E037", "Slot window Id cannot have be null")
        window_id = self._number(swid, "E036", "Slot window Id cannot be null or have alphabet values")
        window = self.world.windows.pop(window_id, None)
        if window is None:
            raise SandboxError("E039", "Provided slot window Id does not exist for your account")
        slot_ids = {s.slot_id for s in window.slots}
        self.world.bookings = [b for b in self.world.bookings if b.slot_id not in slot_ids]
        return {"status": "SUCCESS"}

    # -- 6. tests ---------------------------------------------------------------------------

    async def get_tests(self, request: web.Request) -> Any:
        status = _PARAMS.get().get("status", "Published")
        if status not in ("Published", "UnPublished"):
            raise SandboxError("E026", "Invalid value for parameter status")
        limit, offset = self._page()
        tests = [t for t in self.world.tests.values() if t.published == (status == "Published")]
        page = tests[offset : offset + limit]
        return {
            "status": "SUCCESS",
            # The document's sample links are placeholders; the sandbox sends them as printed.
            "paging": {
                "previous": "https://previous" if offset > 0 else None,
                "next": "https://next" if offset + limit < len(tests) else None,
            },
            "tests": [{"testId": t.test_id, "testName": t.name, "status": status} for t in page],
        }


def _slot_date(value: Any) -> datetime | None:
    match = _SLOT_DATE.match(value.strip()) if isinstance(value, str) else None
    if not match or match.group(2).title() not in _MONTHS:
        return None
    day, month, year = match.groups()
    try:
        return datetime(
            int(year) + (2000 if len(year) == 2 else 0), _MONTHS.index(month.title()) + 1, int(day)
        )
    except ValueError:
        return None


def _hour(value: int) -> str:
    return f"{value % 12 or 12} {'AM' if value % 24 < 12 else 'PM'}"


# -- running it ---------------------------------------------------------------------------------


class SandboxServer:
    """The sandbox on a loopback port in the running event loop (``async with``)."""

    def __init__(
        self, config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.sandbox = Sandbox(config)
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def config(self) -> SandboxConfig:
        return self.sandbox.config

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}{API}"

    async def start(self) -> str:
        self._runner = web.AppRunner(self.sandbox.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def client(self, **kwargs: Any) -> CertiCheckClient:
        """A client with this sandbox's keys, subdomain and base URL."""
        return client_for(self.config, self.base_url, **kwargs)


class SandboxThread:
    """The sandbox in a thread of its own (``with``), for tests on any event loop or none."""

    def __init__(
        self, config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.server = SandboxServer(config, host=host, port=port)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def sandbox(self) -> Sandbox:
        return self.server.sandbox

    @property
    def config(self) -> SandboxConfig:
        return self.server.config

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def client(self, **kwargs: Any) -> CertiCheckClient:
        return client_for(self.config, self.base_url, **kwargs)

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self.server.start())
        except BaseException as error:  # reported to the starting thread
            self._error = error
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self.server.stop())
        loop.close()

    def start(self) -> str:
        self._thread = threading.Thread(target=self._run, name="mettl-sandbox", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self.base_url

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()

    def __enter__(self) -> SandboxThread:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def client_for(config: SandboxConfig, base_url: str, **kwargs: Any) -> CertiCheckClient:
    from ..certicheck import CertiCheckClient

    options: dict[str, Any] = {"rate": None} | kwargs
    return CertiCheckClient(
        config.public_key, config.private_key, config.subdomain, base_url=base_url, **options
    )
