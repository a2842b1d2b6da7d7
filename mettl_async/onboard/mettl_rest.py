"""The REST API's bulk write: candidates registered in a schedule (20 per call), each with its
own outcome in ``registrationStatus``; "Already Registered" means the candidate is there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..core.errors import NotFoundError
from ..mettl_rest.specs import MAX_CANDIDATES_PER_CALL, CandidateRegistration
from .cells import CONTEXT, EMAIL, EMAIL_COLUMNS, cell, email_of
from .model import Answer, Column, Operation, Option, Prepared, State

COLUMNS: tuple[Column, ...] = (EMAIL, CONTEXT)
OPTIONS = (
    Option(
        "schedule", "The schedule's access key (mettl-async harvest schedules lists them).", required=True
    ),
    Option("send_email", "Mettl e-mails each candidate the test link [default: the server's].", flag=True),
)
#: The refusal that means the candidate is already in the schedule.
ALREADY_REGISTERED = "already registered"


def prepare(values: Mapping[str, str], context: Any, options: Mapping[str, Any]) -> Prepared:
    from ..mettl_rest.services import check_access_key  # with the client (aiohttp): not for --help

    check_access_key(options.get("schedule"))
    email = email_of(values)
    skip = {*EMAIL_COLUMNS, CONTEXT.name}
    fields = {k: v for k, v in values.items() if k.lower() not in skip and v}
    candidate = CandidateRegistration(email, fields, cell(values, CONTEXT.name) or None)
    return Prepared(candidate, email.lower(), email.lower(), email)


async def register(client: Any, items: Sequence[Any], options: Mapping[str, Any]) -> list[Answer | None]:
    statuses = await client.candidates.register(
        options["schedule"], items, send_email=options.get("send_email")
    )
    by_email = {(s.email or "").strip().lower(): s for s in statuses}
    answers: list[Answer | None] = []
    for item in items:
        found = by_email.get(item.email.lower())
        if found is None:
            answers.append(None)
        elif found.succeeded:
            answers.append(Answer(State.DONE, found.status or "", found.url or ""))
        elif (found.message or "").strip().lower() == ALREADY_REGISTERED:
            answers.append(Answer(State.ALREADY, found.message or ""))
        else:
            answers.append(Answer(State.REFUSED, found.message or found.status or "refused"))
    return answers


async def candidate_exists(client: Any, item: Any, options: Mapping[str, Any]) -> bool:
    """GET /schedules/{key}/candidates/{email}: the candidate, or E006."""
    try:
        await client.candidates.result(options["schedule"], item.email)
    except NotFoundError:
        return False
    return True


#: The REST API's bulk write (the registry's :func:`~mettl_async.platforms.operations`).
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="mettl-register",
        help="Register candidates in a schedule (20 per call; each candidate's own outcome, "
        "'Already Registered' meaning already there). Columns: email, context_data, and the "
        "assessment's registration fields by name.",
        call="POST /schedules/{key}/candidates",
        columns=COLUMNS,
        open_columns="registration fields by name (First Name, …)",
        prepare=prepare,
        send=register,
        batch_size=MAX_CANDIDATES_PER_CALL,
        read_back=candidate_exists,
        options=OPTIONS,
    ),
)
