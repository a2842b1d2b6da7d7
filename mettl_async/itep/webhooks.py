"""iTEP's results webhook for the shared receiver: a form post whose ``data`` field is JSON.

``SOURCE`` is served at ``/itep`` by ``mettl-async webhooks serve`` (register
``https://your-host/itep?token=T`` with iTEP: the token is the shared secret).
For your own framework::

    from mettl_async.webhooks import receive
    from mettl_async.itep.webhooks import SOURCE

    status, text = await receive(SOURCE, body, content_type, my_callback, token=..., expected_token=...)

The parser is pure: ``parse(body, content_type)`` gives a
:class:`~mettl_async.webhooks.Delivery` whose ``event`` is an
:class:`~mettl_async.itep.results.ItepResult`, whose ``record`` is the ``data``
object as sent, and whose ``key`` is (TestID, Status): a redelivery of the same
event is acknowledged without running the callback again, while a new status of
the same test is a new event. Malformed input is refused with a 4xx naming the
problem and never reaches the callback.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from ..core.jsoncodec import NOT_JSON, parse_json
from ..core.responses import snippet
from ..webhooks.receiver import Delivery, WebhookRejected, WebhookSource
from .harvest import RESULTS
from .results import ItepResult, parse_result

FORM = "application/x-www-form-urlencoded"
DATA_FIELD = "data"


def form_data(body: bytes, content_type: str) -> str:
    """The one ``data`` field of a form post; 415 for another content type, 400 for a bad form."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media != FORM:
        raise WebhookRejected(
            415, f"expected a form post ({FORM}) with a field {DATA_FIELD}, got {media or 'no content type'}"
        )
    try:
        text = body.decode("utf-8")
        fields = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except UnicodeDecodeError:
        raise WebhookRejected(400, "body: not UTF-8") from None
    except ValueError:
        raise WebhookRejected(400, "body: not a form (name=value&…)") from None
    values = [value for name, value in fields if name == DATA_FIELD]
    if not values:
        raise WebhookRejected(
            400, f"{DATA_FIELD}: missing (the form must carry the result in a field {DATA_FIELD})"
        )
    if len(values) > 1:
        raise WebhookRejected(400, f"{DATA_FIELD}: given {len(values)} times; send one")
    return values[0]


def parse_data(text: str) -> ItepResult:
    """The result in a ``data`` field's JSON text (integers of any size read exactly)."""
    if not text.strip():
        raise WebhookRejected(400, f"{DATA_FIELD}: empty")
    data = parse_json(text.encode())
    if data is NOT_JSON:
        raise WebhookRejected(400, f"{DATA_FIELD}: not JSON: {snippet(text.encode(), 60)!r}")
    return parse_result(data)


def parse(body: bytes, content_type: str) -> Delivery:
    """One results webhook as a :class:`Delivery` keyed on (TestID, Status)."""
    result = parse_data(form_data(body, content_type))
    return Delivery("itep", result, dict(result.raw), key=result.key, kind=RESULTS)


SOURCE = WebhookSource("itep", parse)
