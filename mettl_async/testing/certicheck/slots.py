"""CertiCHECK sandbox, sections 5 and 6: slot windows, slots, bookings, and tests."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from ..kit import PARAMS, SandboxError
from .formats import TIMEZONE_BY_ID, mettl_time
from .params import json_param, number, page_params
from .rows import BookingRow, SlotRow, WindowRow
from .shapes import SLOT_DETAILS, TEST
from .state import CertiCheckAccount, applicant_of, assessment_of

_SLOT_DATE = re.compile(r"^(\d{1,2}) ([A-Za-z]{3}), (\d{2}|\d{4})$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


async def create_slot(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    if sandbox.world.timezone is None:
        raise SandboxError("E019", "Cannot perform any API slot actions without setting the time zone id")
    cr = json_param(request, "cr")
    if not isinstance(cr, dict):
        raise SandboxError("E105", "Bad Request, Please provide data in requested format.")
    problems: dict[str, str] = {}
    if not str(cr.get("name") or "").strip():
        problems["name"] = "Name cannot be empty"
    dates = {}
    for key in ("fromDate", "toDate"):
        parsed = _slot_date(cr.get(key))
        if parsed is None:
            problems[key] = "Date format is invalid. Please enter date in dd MMM, yy format (e.g. 14 Jan, 15)"
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
        sandbox.world.new_id(), cr["name"], dates["fromDate"], dates["toDate"], capacity, active=True
    )
    day = dates["fromDate"]
    while day <= dates["toDate"]:
        for start, end in hours:
            window.slots.append(
                SlotRow(
                    sandbox.world.new_id(),
                    window.window_id,
                    day.replace(hour=start % 24),
                    day.replace(hour=end % 24),
                    capacity,
                )
            )
        day += timedelta(days=1)
    window.ends = dates["toDate"].replace(hour=23, minute=59)
    sandbox.world.add_window(window)
    return {"status": "SUCCESS"}


async def get_slot_windows(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    if sandbox.world.timezone is None:
        # The document's error carries the code with a trailing space.
        raise SandboxError("E033 ", "Cannot get all slot window without setting the time zone.")
    limit, offset = page_params(request)
    windows = sandbox.world.ordered_windows()
    page = windows[offset : offset + min(limit, sandbox.config.slot_windows_per_page)]
    body: dict[str, Any] = {"slotWindows": [sandbox.world.window_record(w) for w in page]}
    if page and offset + len(page) < len(windows):
        # As the document's sample: another host, API v1, a double slash.
        body["nextUrl"] = (
            f"http://localhost:8092/api/v1//getAllSlotWindows?offset={offset + len(page)}&limit={limit}"
        )
    body["status"] = "SUCCESS"
    return body


async def get_slot_details(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    slot_id = number(PARAMS.get().get("sid"), "E035", "Slot Id cannot be Null or cannot have alphabets")
    found = sandbox.world.slot(slot_id)
    if found is None:
        raise SandboxError("E023", "Provided slot Id does not exist for your account")
    window, slot = found
    limit, offset = page_params(request)
    candidates = sandbox.world.slot_candidates(slot_id)
    details = SLOT_DETAILS.make(
        client_id=413,
        slot_window_id=window.window_id,
        slot_window_name=window.name,
        from_time=mettl_time(slot.starts),
        to_time=mettl_time(slot.ends),
        enrolled_count=len(candidates),
        candidates=candidates[offset : offset + limit],
    )
    return {"slotDetails": details, "status": "SUCCESS"}


async def book_slot(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    sga = json_param(request, "sga")
    for booking in sga if isinstance(sga, list) else [sga]:
        if not isinstance(booking, dict):
            raise SandboxError("E105", "Bad Request, Please provide data in requested format.")
        _book(sandbox, booking)
    return {"status": "Success"}


def _book(sandbox: CertiCheckAccount, sga: dict[str, Any]) -> None:
    email = str(sga.get("applicantEmail") or "")
    if not email:
        raise SandboxError("E109", "Please provide applicant email id.")
    timezone = sga.get("timeZoneId", sga.get("timeZoneld"))  # the document prints "timeZoneld"
    if timezone is None:
        raise SandboxError("E033", "Time Zone cannot be null")
    timezone_id = number(timezone, "E115", "Provided Timezone Id is not valid")
    if timezone_id not in TIMEZONE_BY_ID:
        raise SandboxError("E115", "Provided Timezone Id is not valid")
    slot_id = number(sga.get("slotId"), "E035", "Slot Id cannot be Null or cannot have alphabets")
    if sga.get("certificateAssessmentId") is None:
        raise SandboxError("E034", "Assessment Id cannot be Null")
    assessment_id = assessment_of(sandbox.world, sga["certificateAssessmentId"])
    found = sandbox.world.slot(slot_id)
    if found is None:
        raise SandboxError("E023", "Provided slot Id does not exist for your account")
    window, slot = found
    if not window.active:
        raise SandboxError("E040", "Provided slot window Id has been deactivated")
    if not sandbox.world.tests[assessment_id].published:
        raise SandboxError("E041", "Provided assessment has been unpublished")
    applicant = applicant_of(sandbox.world, email)
    if not any(c.assessment_id == assessment_id and c.paid_at for c in applicant.certificates):
        raise SandboxError("E030", "Payment not been made for assessment")
    if any(
        b.email.lower() == email.lower() and b.assessment_id == assessment_id for b in sandbox.world.bookings
    ):
        raise SandboxError("E025", "Slot has already been booked for applicant")
    if sum(b.slot_id == slot_id for b in sandbox.world.bookings) >= slot.capacity:
        raise SandboxError("E024", "Error Happened while booking slot : slot is full")
    sandbox.world.bookings.append(
        BookingRow(
            applicant.email,
            slot_id,
            assessment_id,
            datetime.fromtimestamp(sandbox.now(), UTC).replace(tzinfo=None),
            timezone_id,
        )
    )


async def release_slot(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    data = json_param(request, "data")
    if not isinstance(data, dict):
        raise SandboxError("E105", "Bad Request, Please provide data in requested format.")
    email = str(data.get("applicantEmailId") or "")
    if not email:
        raise SandboxError("E109", "Please provide applicant email id.")
    if data.get("assessmentId") is None:
        raise SandboxError("E110", "Please provide assessment id.")
    assessment_id = number(data["assessmentId"], "E001", "Invalid Assessment Id")
    for booking in sandbox.world.bookings:
        if booking.email.lower() == email.lower() and booking.assessment_id == assessment_id:
            sandbox.world.bookings.remove(booking)
            return {"status": "Success"}
    raise SandboxError("E112", "Applicant is not registered for slot.")


async def delete_slot_window(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    swid = PARAMS.get().get("swid")
    if not swid:
        raise SandboxError("E037", "Slot window Id cannot have be null")
    window_id = number(swid, "E036", "Slot window Id cannot be null or have alphabet values")
    if sandbox.world.remove_window(window_id) is None:
        raise SandboxError("E039", "Provided slot window Id does not exist for your account")
    return {"status": "SUCCESS"}


async def get_tests(sandbox: CertiCheckAccount, request: web.Request) -> Any:
    status = PARAMS.get().get("status", "Published")
    if status not in ("Published", "UnPublished"):
        raise SandboxError("E026", "Invalid value for parameter status")
    limit, offset = page_params(request)
    tests = [t for t in sandbox.world.tests.values() if t.published == (status == "Published")]
    page = tests[offset : offset + limit]
    return {
        "status": "SUCCESS",
        # The document's sample links are placeholders; the sandbox sends them as printed.
        "paging": {
            "previous": "https://previous" if offset > 0 else None,
            "next": "https://next" if offset + limit < len(tests) else None,
        },
        "tests": [TEST.make(test_id=t.test_id, test_name=t.name, status=status) for t in page],
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
