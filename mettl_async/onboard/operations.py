"""Every bulk write ``mettl-async onboard`` makes, each declared once: the only list of them."""

from __future__ import annotations

from ..core.errors import ConfigurationError
from . import certicheck, itep, mettl_rest
from .cells import CONTEXT, EMAIL
from .model import Operation

#: At most this many applicants or candidates per call (both Mettl APIs).
PER_CALL = 20

#: Every operation, each once (the command makes one subcommand of each).
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="certicheck-register",
        platform="certicheck",
        help="Register applicants (registerApplicant, 20 per call). Columns: email, context_data, and "
        "the account's registration fields by their names (checked against the account first).",
        call="registerApplicant",
        columns=(EMAIL, CONTEXT),
        open_columns="the account's registration fields by name (First Name, …)",
        survey=certicheck.registration_fields,
        prepare=certicheck.prepare_registration,
        send=certicheck.register,
        batch_size=PER_CALL,
        read_back=certicheck.applicant_exists,
        options=certicheck.REGISTRATION_OPTIONS,
    ),
    Operation(
        name="certicheck-allocate",
        platform="certicheck",
        help="Allocate tests to applicants (applicants/certificate, 20 per call): E604, already "
        "allocated, means already there.",
        call="applicants/certificate",
        columns=certicheck.TEST_COLUMNS,
        prepare=certicheck.prepare_allocation,
        send=certicheck.change_tests,
        batch_size=PER_CALL,
        already=frozenset({"E604"}),
        resend_tells=True,
    ),
    Operation(
        name="certicheck-remove-tests",
        platform="certicheck",
        help="Remove tests from applicants (applicants/certificate, 20 per call): E605, not "
        "allocated, means already there.",
        call="applicants/certificate",
        columns=certicheck.TEST_COLUMNS,
        prepare=certicheck.prepare_removal,
        send=certicheck.change_tests,
        batch_size=PER_CALL,
        already=frozenset({"E605"}),
        resend_tells=True,
    ),
    Operation(
        name="certicheck-book",
        platform="certicheck",
        help="Book slots for applicants who have paid (bookSlotsForApplicants, one per call): E025, "
        "already booked, means already there.",
        call="bookSlotsForApplicants",
        columns=certicheck.BOOKING_COLUMNS,
        prepare=certicheck.prepare_booking,
        send=certicheck.book,
        batch_size=1,
        read_back=certicheck.booked,
        already=frozenset({"E025"}),
    ),
    Operation(
        name="certicheck-release",
        platform="certicheck",
        help="Release applicants' booked slots (releaseSlot, one per call): E112, not booked, means "
        "already there.",
        call="releaseSlot",
        columns=certicheck.RELEASE_COLUMNS,
        prepare=certicheck.prepare_release,
        send=certicheck.release,
        batch_size=1,
        already=frozenset({"E112"}),
        resend_tells=True,
    ),
    Operation(
        name="mettl-register",
        platform="mettl_rest",
        help="Register candidates in a schedule (20 per call; each candidate's own outcome, "
        "'Already Registered' meaning already there). Columns: email, context_data, and the "
        "assessment's registration fields by name.",
        call="POST /schedules/{key}/candidates",
        columns=mettl_rest.COLUMNS,
        open_columns="registration fields by name (First Name, …)",
        prepare=mettl_rest.prepare,
        send=mettl_rest.register,
        batch_size=PER_CALL,
        read_back=mettl_rest.candidate_exists,
        options=mettl_rest.OPTIONS,
    ),
    Operation(
        name="itep-fulfill",
        platform="itep",
        help="Request one iTEP test ID per row (fulfillment), recorded in the report; never repeated "
        "once it may have reached iTEP: a lost answer is reported unknown.",
        call="fulfillment",
        columns=itep.COLUMNS,
        open_columns=itep.OPEN_COLUMNS,
        prepare=itep.prepare,
        send=itep.fulfill,
        batch_size=1,
        check_hint=itep.CHECK_HINT,
    ),
)


def operation(name: str) -> Operation:
    """The operation called ``name``."""
    for entry in OPERATIONS:
        if entry.name == name:
            return entry
    known = ", ".join(o.name for o in OPERATIONS)
    raise ConfigurationError(f"unknown onboarding operation {name!r}; they are: {known}")
