"""CertiCHECK's bulk writes: registration (4.1), test allocation (4.2), slot booking and release
(5.4, 5.5), each as its rows, its call and its read-back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ..certicheck.models import (
    EMAIL_FIELD,
    MAX_APPLICANTS_PER_CALL,
    ApplicantRegistration,
    TestAllocation,
    TestRef,
)
from ..core.errors import InputError, NotFoundError
from .cells import CONTEXT, EMAIL, EMAIL_COLUMNS, cell, email_of, identifier
from .model import Answer, Column, Operation, Option, Prepared, State

# -- registration (4.1) -----------------------------------------------------------------------


@attrs.frozen
class RegistrationFields:
    """The account's registration fields the file's columns name: lower-cased -> as the account
    spells it; and those the account requires."""

    by_column: Mapping[str, str]
    required: frozenset[str]


async def registration_fields(
    client: Any, columns: Sequence[str], options: Mapping[str, Any]
) -> RegistrationFields:
    """The file's columns checked against the account's ``applicatnRegistrationFields``."""
    account = await client.account.get()
    fields = {f.name.strip(): bool(f.required) for f in account.registration_fields if f.name}
    fields.pop(EMAIL_FIELD, None)
    known = {name.lower(): name for name in fields}
    free = {*EMAIL_COLUMNS, CONTEXT.name}
    if not any(c.lower() in EMAIL_COLUMNS for c in columns):
        raise InputError("email", "no column holds the e-mail address (name one 'email')")
    unknown = [c for c in columns if c.lower() not in free and c.lower() not in known]
    if unknown:
        raise InputError(
            unknown[0],
            f"is not one of the account's registration fields ({', '.join(sorted(fields)) or 'none'}); "
            "columns name them as the account does",
        )
    missing = [
        name for name, needed in fields.items() if needed and name.lower() not in map(str.lower, columns)
    ]
    if missing:
        raise InputError(
            missing[0], "is a registration field the account requires: the file needs that column"
        )
    return RegistrationFields(
        {c.lower(): known[c.lower()] for c in columns if c.lower() in known},
        frozenset(name for name, needed in fields.items() if needed),
    )


def prepare_registration(
    values: Mapping[str, str], fields: RegistrationFields, options: Mapping[str, Any]
) -> Prepared:
    email = email_of(values)
    given = {fields.by_column[k.lower()]: v for k, v in values.items() if k.lower() in fields.by_column}
    for name in fields.required:
        if not given.get(name):
            raise InputError(name, "is required by the account and empty")
    applicant = ApplicantRegistration(
        email, {k: v for k, v in given.items() if v}, cell(values, CONTEXT.name) or None
    )
    return Prepared(applicant, email.lower(), email.lower(), email)


REGISTRATION_OPTIONS = (
    Option(
        "send_email",
        "Mettl e-mails each applicant an activation link [default: the server's, yes].",
        flag=True,
    ),
    Option(
        "admin_verified", "Applicants log in through your portal (isAdminVerified; no activation).", flag=True
    ),
)


async def register(client: Any, items: Sequence[Any], options: Mapping[str, Any]) -> list[Answer | None]:
    registered = await client.applicants.register(
        items, send_email=options.get("send_email"), admin_verified=options.get("admin_verified")
    )
    by_email = {(r.email or "").strip().lower(): r for r in registered}
    answers: list[Answer | None] = []
    for item in items:
        found = by_email.get(item.email.lower())
        if found is None:
            answers.append(None)
        elif (found.status or "").strip().lower() == "deleted":
            answers.append(
                Answer(
                    State.REFUSED,
                    "Deleted: the applicant was deleted (a second registration makes it PENDING)",
                )
            )
        else:
            answers.append(Answer(State.DONE, found.status or "", found.activation_url or ""))
    return answers


async def applicant_exists(client: Any, item: Any, options: Mapping[str, Any]) -> bool:
    """getApplicantResults/{email}: the applicant, or E111."""
    try:
        page = await client.results.of_applicant(item.email)
    except NotFoundError:
        return False
    return any((r.email or "").strip().lower() == item.email.lower() for r in page.items)


# -- test allocation (4.2) --------------------------------------------------------------------

TEST_COLUMNS = (
    EMAIL,
    Column("test_id", "the test's id (mettl-async harvest tests lists them)"),
    Column("test_name", "the test's name, sent beside its id", required=False),
)


def _allocation(values: Mapping[str, str], adding: bool) -> Prepared:
    email = email_of(values)
    test_id = identifier(values, "test_id")
    ref = TestRef(test_id, cell(values, "test_name"))
    allocation = TestAllocation(email, add=(ref,)) if adding else TestAllocation(email, remove=(ref,))
    return Prepared(allocation, f"{email.lower()} {test_id}", email.lower(), f"{email} test {test_id}")


def prepare_allocation(values: Mapping[str, str], context: Any, options: Mapping[str, Any]) -> Prepared:
    return _allocation(values, adding=True)


def prepare_removal(values: Mapping[str, str], context: Any, options: Mapping[str, Any]) -> Prepared:
    return _allocation(values, adding=False)


async def change_tests(client: Any, items: Sequence[Any], options: Mapping[str, Any]) -> list[Answer | None]:
    await client.applicants.change_tests(items)
    return [Answer(State.DONE, "SUCCESS") for _ in items]


# -- slots (5.4, 5.5) -------------------------------------------------------------------------


@attrs.frozen
class Booking:
    email: str
    assessment_id: int
    slot_id: int = 0
    timezone_id: int = 0


BOOKING_COLUMNS = (
    EMAIL,
    Column("slot_id", "the slot (mettl-async harvest slot-windows lists them)"),
    Column("timezone_id", "the applicant's time zone id (67: India)"),
    Column("assessment_id", "the test the applicant paid for"),
)
RELEASE_COLUMNS = (EMAIL, Column("assessment_id", "the test whose slot is released"))


def prepare_booking(values: Mapping[str, str], context: Any, options: Mapping[str, Any]) -> Prepared:
    email = email_of(values)
    booking = Booking(
        email,
        identifier(values, "assessment_id"),
        identifier(values, "slot_id"),
        identifier(values, "timezone_id"),
    )
    key = f"{email.lower()} {booking.assessment_id}"
    return Prepared(booking, key, email.lower(), f"{email} slot {booking.slot_id}")


def prepare_release(values: Mapping[str, str], context: Any, options: Mapping[str, Any]) -> Prepared:
    booking = Booking(email_of(values), identifier(values, "assessment_id"))
    key = f"{booking.email.lower()} {booking.assessment_id}"
    return Prepared(booking, key, booking.email.lower(), f"{booking.email} test {booking.assessment_id}")


async def book(client: Any, items: Sequence[Any], options: Mapping[str, Any]) -> list[Answer | None]:
    (booking,) = items
    await client.slots.book(booking.email, booking.slot_id, booking.timezone_id, booking.assessment_id)
    return [Answer(State.DONE, "Success")]


async def release(client: Any, items: Sequence[Any], options: Mapping[str, Any]) -> list[Answer | None]:
    (booking,) = items
    await client.slots.release(booking.email, booking.assessment_id)
    return [Answer(State.DONE, "Success")]


async def booked(client: Any, item: Any, options: Mapping[str, Any]) -> bool:
    """getSlotDetails: whether the slot's candidates hold the applicant for the assessment."""
    async for candidate in client.slots.candidates(item.slot_id, page_size=500):
        email = (candidate.email or "").strip().lower()
        if email == item.email.lower() and candidate.mettl_assessment_id == item.assessment_id:
            return True
    return False


#: CertiCHECK's bulk writes (the registry's :func:`~mettl_async.platforms.operations`).
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="certicheck-register",
        help="Register applicants (registerApplicant, 20 per call). Columns: email, context_data, and "
        "the account's registration fields by their names (checked against the account first).",
        call="registerApplicant",
        columns=(EMAIL, CONTEXT),
        open_columns="the account's registration fields by name (First Name, …)",
        survey=registration_fields,
        prepare=prepare_registration,
        send=register,
        batch_size=MAX_APPLICANTS_PER_CALL,
        read_back=applicant_exists,
        options=REGISTRATION_OPTIONS,
    ),
    Operation(
        name="certicheck-allocate",
        help="Allocate tests to applicants (applicants/certificate, 20 per call): E604, already "
        "allocated, means already there.",
        call="applicants/certificate",
        columns=TEST_COLUMNS,
        prepare=prepare_allocation,
        send=change_tests,
        batch_size=MAX_APPLICANTS_PER_CALL,
        already=frozenset({"E604"}),
        resend_tells=True,
    ),
    Operation(
        name="certicheck-remove-tests",
        help="Remove tests from applicants (applicants/certificate, 20 per call): E605, not "
        "allocated, means already there.",
        call="applicants/certificate",
        columns=TEST_COLUMNS,
        prepare=prepare_removal,
        send=change_tests,
        batch_size=MAX_APPLICANTS_PER_CALL,
        already=frozenset({"E605"}),
        resend_tells=True,
    ),
    Operation(
        name="certicheck-book",
        help="Book slots for applicants who have paid (bookSlotsForApplicants, one per call): E025, "
        "already booked, means already there.",
        call="bookSlotsForApplicants",
        columns=BOOKING_COLUMNS,
        prepare=prepare_booking,
        send=book,
        batch_size=1,
        read_back=booked,
        already=frozenset({"E025"}),
    ),
    Operation(
        name="certicheck-release",
        help="Release applicants' booked slots (releaseSlot, one per call): E112, not booked, means "
        "already there.",
        call="releaseSlot",
        columns=RELEASE_COLUMNS,
        prepare=prepare_release,
        send=release,
        batch_size=1,
        already=frozenset({"E112"}),
        resend_tells=True,
    ),
)
