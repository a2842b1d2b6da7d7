"""iTEP's bulk write: one fulfillment per row, never repeated once it may have reached iTEP (a
repeat consumes another test ID). iTEP has no read-back: a row whose answer was lost is reported
unknown, with what to check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from ..core.errors import InputError
from ..itep.codes import CHECK_ITEP
from ..itep.models import REGISTRATION_FIELDS, FulfillmentRequest
from .cells import cell, required
from .model import Answer, Column, Operation, Prepared, State

COLUMNS = (
    Column("product_code", "GTX-<test type> or STX-<test type> (STX e-mails the test ID)"),
    Column("email", "the candidate's e-mail (required for STX)", required=False),
    Column("bcc", "STX only: a copy of iTEP's e-mail", required=False),
    Column("track", "your tracking code (results webhooks)", required=False),
    Column(
        "assigned_to", 'a JSON object for the test\'s assigned-to field ({"name": "Mary"})', required=False
    ),
)
OPEN_COLUMNS = "registration fields by iTEP's names: " + ", ".join(REGISTRATION_FIELDS)
CHECK_HINT = CHECK_ITEP


def _assigned_to(text: str) -> Any:
    if not text:
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise InputError("assigned_to", f'must be a JSON object, e.g. {{"name": "Mary"}} ({error})') from None


def prepare(values: Mapping[str, str], context: Any, options: Mapping[str, Any]) -> Prepared:
    fixed = {c.name for c in COLUMNS}
    registration = {k: v for k, v in values.items() if k.lower() not in fixed and v}
    request = FulfillmentRequest.build(
        required(values, "product_code"),
        email=cell(values, "email") or None,
        bcc=cell(values, "bcc") or None,
        track=cell(values, "track") or None,
        assigned_to=_assigned_to(cell(values, "assigned_to")),
        registration=registration or None,
    )
    # Two identical rows would be two test IDs for one order: the whole request is the key.
    key = orjson.dumps(request.body(), option=orjson.OPT_SORT_KEYS).decode()
    label = request.product_code + (f" for {request.email}" if request.email else "")
    return Prepared(request, key, key, label)


async def fulfill(client: Any, items: Sequence[Any], options: Mapping[str, Any]) -> list[Answer | None]:
    (request,) = items
    issued = await client.fulfillment.send(request)
    message = "e-mailed to the candidate" if issued.emailed else "issued"
    return [Answer(State.DONE, message, issued.test_id)]


#: iTEP's bulk write (the registry's :func:`~mettl_async.platforms.operations`).
OPERATIONS: tuple[Operation, ...] = (
    Operation(
        name="itep-fulfill",
        help="Request one iTEP test ID per row (fulfillment), recorded in the report; never repeated "
        "once it may have reached iTEP: a lost answer is reported unknown.",
        call="fulfillment",
        columns=COLUMNS,
        open_columns=OPEN_COLUMNS,
        prepare=prepare,
        send=fulfill,
        batch_size=1,
        check_hint=CHECK_HINT,
    ),
)
