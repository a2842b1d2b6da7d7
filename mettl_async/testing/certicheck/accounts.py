"""CertiCHECK sandbox, sections 2 to 4.3: time zones, account settings, registration,
test allocation and direct login."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web

from ..kit import PARAMS, SandboxError
from ..shapes import OMIT
from .formats import TIMEZONES
from .params import json_param, number
from .rows import ApplicantRow
from .shapes import ACCOUNT_INFO, REGISTERED, REGISTRATION_FIELD, TIMEZONE
from .state import CertiCheckAccount, applicant_of

MAX_PER_CALL = 20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def get_all_timezones(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    timezones = [
        TIMEZONE.make(id=t.timezone_id, tzid=t.tzid, name=t.name, difference=t.difference) for t in TIMEZONES
    ]
    return {"status": "SUCCESS", "timezones": timezones}


async def set_admin_timezone(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    data = json_param(request, "data")
    tzid = data.get("tzid") if isinstance(data, dict) else None
    if not tzid:
        raise SandboxError("E102", "Bad Request, Please provide time zone id.")
    if tzid not in {t.tzid for t in TIMEZONES}:
        raise SandboxError("E103", "Please provide a valid time zone id.")
    if sandbox.world.timezone is not None:
        raise SandboxError("E104", "Sorry, time zone is already set for this account.")
    sandbox.world.timezone = tzid
    return {"status": "SUCCESS"}


async def get_account(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    fields = [
        REGISTRATION_FIELD.make(name="Email Address", type="TextBox", required=True),
        REGISTRATION_FIELD.make(name="First Name", type="TextBox", required=True),
        REGISTRATION_FIELD.make(name="Last Name", type="TextBox", required=False),
        REGISTRATION_FIELD.make(name="Date of birth", type="Calendar", required=False, validate=False),
    ]
    info = ACCOUNT_INFO.make(
        email="john.doe@nextbigapp.com",
        username="John Doe",
        terms_and_condition_url="http://joedoe.com/terms-and-conditions",
        registration_fields=fields,
    )
    return {"status": "SUCCESS", "accountInfo": info}


async def update_account(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    settings = json_param(request, "as")
    if not isinstance(settings, dict):
        raise SandboxError("E105", "Bad Request, Please provide data in requested format.")
    email = settings.get("emailSettings") or {}
    if email.get("sendEmailOnAssigningTest") and not sandbox.world.invite_only:
        raise SandboxError(
            "E106",
            "sendEmailOnAssigningTest, this property is for invite only accounts, "
            "You can set it to false or can leave it blank.",
        )
    view = settings.get("applicantDashboardViewSettings") or {}
    if view.get("sortByName") and view.get("sortByPublishDate"):
        raise SandboxError(
            "E107",
            "For applicantDashboardViewSettings both values can not be true. Please choose any of the one.",
        )
    for section, values in settings.items():
        sandbox.world.settings.setdefault(section, {}).update(values if isinstance(values, dict) else {})
    return {"status": "Success"}


def _activation_url(sandbox: CertiCheckAccount, email: str) -> str:
    token = base64.b64encode(hashlib.sha256(email.encode()).digest()).decode()
    host = f"http://{sandbox.config.subdomain}.mettl.info"
    return f"{host}/applicant/account/createPassword?em={quote(token, safe='')}"


async def register_applicants(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    rd = json_param(request, "rd")
    details = rd.get("registrationDetails") if isinstance(rd, dict) else None
    if not isinstance(details, list) or not details:
        raise SandboxError("E105", "Bad Request, Please provide data in requested format.")
    if len(details) > MAX_PER_CALL:
        raise SandboxError("E010", "Request data too big")
    seen: set[str] = set()
    for position, entry in enumerate(details, 1):
        for required in ("Email Address", "First Name"):
            if not isinstance(entry, dict) or not str(entry.get(required) or "").strip():
                raise SandboxError(
                    "E003",
                    f"Mandatory parameter {required} for registration not supplied for applicant #{position}",
                )
        if not _EMAIL.match(entry["Email Address"]):
            raise SandboxError("E004", "Invalid format for parameter email id")
        if entry["Email Address"].lower() in seen:
            raise SandboxError("E603", "Duplicate Applicant Email Id")
        seen.add(entry["Email Address"].lower())
    contexts = {o.get("email", "").lower(): o.get("context_data") for o in rd.get("optionalParams") or []}
    verified = bool(rd.get("isAdminVerified", False))
    applicants = sandbox.world.applicants
    new = [e for e in details if e["Email Address"] not in applicants]
    limit = sandbox.config.registration_limit
    if limit is not None and sandbox.registrations + len(new) > limit:
        raise SandboxError("E607", "Candidate registration limit exceeded")
    out = []
    for entry in details:
        email = entry["Email Address"]
        index = applicants.index_of(email)
        if index is None:
            existing = ApplicantRow(
                email=email,
                first_name=entry["First Name"],
                last_name=entry.get("Last Name"),
                country=entry.get("Country", ""),
                registered_on=datetime.fromtimestamp(sandbox.now(), UTC).date(),
                status="Active" if verified else "Activation Pending",
                admin_verified=verified,
                context_data=contexts.get(email.lower()),
            )
            applicants.register(existing)
            sandbox.registrations += 1
            shown = existing.status
        elif applicants.row(index).status == "Deleted":
            # "We get deleted on first attempt to add deleted email again, if you will try
            # again with same credentials you will get status PENDING."
            existing = applicants.live(index)
            shown, existing.status = "Deleted", "PENDING"
        else:
            existing = applicants.row(index)
            shown = existing.status
        pending = shown in ("Activation Pending", "PENDING")
        activation = _activation_url(sandbox, existing.email) if pending else OMIT
        out.append(REGISTERED.make(email=existing.email, status=shown, activation_url=activation))
    return {"applicants": out, "status": "SUCCESS"}


async def change_tests(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    atd = json_param(request, "atd")
    entries = atd.get("applicants") if isinstance(atd, dict) else None
    if not isinstance(entries, list) or not entries:
        raise SandboxError("E105", "Bad Request, Please provide data in requested format.")
    if len(entries) > MAX_PER_CALL:
        raise SandboxError("E010", "Request data too big")
    plan: list[tuple[int, set[int], set[int]]] = []
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
        held = applicant_of(sandbox.world, email).tests
        tests = entry.get("tests") or {}
        add = {number(t.get("testId"), "E606", "Invalid testId") for t in tests.get("add") or []}
        remove = {number(t.get("testId"), "E606", "Invalid testId") for t in tests.get("remove") or []}
        for test_id in add | remove:
            test = sandbox.world.tests.get(test_id)
            if test is None or not test.published:
                raise SandboxError("E606", "Invalid testId")
        if add & held:
            raise SandboxError("E604", "Certification already allocated to the applicant")
        if remove - held:
            raise SandboxError(
                "E605", "Certification not allocated to the applicant, So Cannot Remove allocation"
            )
        index = sandbox.world.applicants.index_of(email)
        assert index is not None  # sandbox.applicant found it
        plan.append((index, add, remove))
    for index, add, remove in plan:  # all checked first: nothing half-applied
        applicant = sandbox.world.applicants.live(index)
        applicant.tests = (applicant.tests | add) - remove
    return {"status": "SUCCESS"}


async def login_applicant(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    email = PARAMS.get().get("email", "")
    applicant = sandbox.world.applicants.lookup(email)
    if applicant is None or not applicant.admin_verified:
        raise SandboxError(
            "E119", "No Applicant found with the provided Subdomain/Applicant Email eligible for SSO"
        )
    if applicant.status != "Active":
        raise SandboxError("E120", "Applicant is Not verified")
    token = base64.b64encode(hashlib.sha256(f"{email}{sandbox.now()}".encode()).digest() * 2).decode()
    url = f"http://{sandbox.config.subdomain}.mettl.xyz/applicant/dashboard?ssoToken={quote(token, safe='')}"
    return sandbox.response(200, url.encode(), {"Content-Type": "text/plain;charset=UTF-8"})
