"""From the fulfillment endpoint's status and body to a test ID or an error: pure, no I/O.

The document does not show the answer. The reading taken (and served by the
sandbox): a 2xx with the JSON object ``{"TestID": "<id>"}`` (the name iTEP's own
results webhook uses for the same value). A body that is only a test ID, as
plain text or a JSON string, is accepted too. Anything else from a 2xx is a
:class:`MalformedResponseError`, whose message says that a test ID may have been
consumed. Errors: 429 is rate limiting (the one answer after which the request
is sent again), 409 is "no available test ID" (:class:`ConflictError`), other
4xx/5xx map as for any HTTP server; a JSON ``{"error": …}`` or ``{"message": …}``
supplies the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.errors import ApiError, ConflictError, MalformedResponseError
from ..core.jsoncodec import NOT_JSON, Expect, parse_json
from ..core.responses import raise_for_status, snippet
from .models import TEST_ID
from .results import DATA_KEYS

#: The answer's one key: the name iTEP's results webhook gives the same value (``TestID``).
ANSWER_KEY = DATA_KEYS["test_id"]

#: Said wherever a fulfillment request may have reached iTEP without an answer the client could use.
CHECK_ITEP = (
    "the request may have consumed a test ID, so it was not repeated; check the test IDs assigned "
    "in iTEP's administration system before requesting another"
)


def json_message(payload: Any) -> str | None:
    """The server's own words in a JSON object: ``error`` or ``message`` (text, or ``{"message": …}``)."""
    if isinstance(payload, dict):
        for name in ("error", "message"):
            value = payload.get(name)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def error_message(payload: Any, body: bytes) -> str:
    """The server's own words, else a snippet of the body."""
    return json_message(payload) or snippet(body)


def decode_fulfillment(
    status: int, headers: Mapping[str, str], body: bytes, expect: Expect
) -> tuple[str, Any]:
    """``(test ID, decoded body)`` of a successful answer; any other answer raises."""
    payload = parse_json(body)
    if status >= 300:
        message = error_message(payload, body)
        if status == 409:
            raise ConflictError(message or "conflict", http_status=status, body=body)
        try:
            raise_for_status(status, headers, body)
        except ApiError as error:
            if not 400 <= status < 500 or status == 429 or not message:
                raise
            # The class is the status's; the message is the server's own words, not a snippet.
            raise type(error)(message, http_status=status, body=body) from None
    test_id = read_test_id(payload, body)
    if test_id is None:
        said = json_message(payload)
        if said is not None:  # an error reported in a 2xx body
            raise ApiError(f"{said} ({CHECK_ITEP})", http_status=status, body=body)
        raise MalformedResponseError(
            f'expected {{"TestID": …}} or a bare test ID, got {snippet(body)!r}; {CHECK_ITEP}',
            http_status=status,
            body=body,
            retryable=False,
        )
    return test_id, payload


def read_test_id(payload: Any, body: bytes) -> str | None:
    """The test ID of a success body, or ``None`` when the body holds none in a known shape."""
    if isinstance(payload, dict):
        value = payload.get(ANSWER_KEY)
    elif isinstance(payload, str):
        value = payload.strip()
    elif payload is NOT_JSON:
        value = body.decode("utf-8", "replace").strip()
    else:
        return None
    if isinstance(value, str) and TEST_ID.fullmatch(value):
        return value
    return None
