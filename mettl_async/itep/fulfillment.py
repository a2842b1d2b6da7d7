"""Fulfillment: obtaining a test ID for a product code.

**A fulfillment request is never repeated once it may have reached iTEP.** Each
success consumes a test ID from the inventory (and, for ``STX-`` codes, e-mails
it to a candidate); the document names no idempotency key, so a repeat of a
request whose answer was lost would consume a second ID and could send a
second e-mail. The request is therefore not "safe to repeat": the session sends
it again only after a failure that proves iTEP did not act on it:

* :class:`~mettl_async.core.errors.ConnectError`: no connection was ever made;
* HTTP 429: iTEP refused it without acting.

After anything else (the connection dropped after sending, no answer in time,
a 5xx, an answer without a test ID) the error is raised at once, its message
saying that a test ID may have been consumed and that iTEP's administration
system (the test IDs with an assigned-to value) should be checked before
another request is made. Cancelling a call whose request was already sent
leaves the same uncertainty.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.errors import MalformedResponseError, ServerError, TransportError
from ..core.options import ClientOptions
from ..core.request import Placement, Request
from ..core.service import Service
from ..core.session import Session
from .codes import CHECK_ITEP
from .models import Fulfillment, FulfillmentRequest


def fulfillment_request(request: FulfillmentRequest, path: str = "") -> Request:
    """The call for one checked request: a signed JSON POST, never repeated once it may have arrived."""
    return Request("POST", path, request.body(), placement=Placement.JSON, safe_to_repeat=False)


class FulfillmentService(Service):
    """Test IDs for product codes. See the module docstring for why a call is never repeated."""

    def __init__(self, session: Session, options: ClientOptions | None = None, *, path: str = "") -> None:
        super().__init__(session, options)
        self._path = path

    async def fulfill(
        self,
        product_code: str,
        *,
        email: str | None = None,
        bcc: str | None = None,
        track: str | None = None,
        assigned_to: Mapping[str, Any] | None = None,
        registration: Mapping[str, str] | None = None,
    ) -> Fulfillment:
        """A test ID for ``product_code``.

        ``GTX-…`` returns it to you; ``STX-…`` also e-mails it to ``email`` (required)
        with a copy to ``bcc``. ``track`` is the code iTEP assigned you for results
        webhooks. ``assigned_to`` (a JSON object: name, e-mail, your own id) marks the
        test ID as taken; ``registration`` pre-fills the registration form, keyed by
        the names in :data:`~mettl_async.itep.models.REGISTRATION_FIELDS`.

        Every value is checked before anything is sent (:class:`InputError`). The
        request is sent again only after a :class:`ConnectError` or a 429; any failure
        after it may have reached iTEP raises at once (a repeat would consume another
        test ID) with a message saying to check iTEP first.
        """
        checked = FulfillmentRequest.build(
            product_code,
            email=email,
            bcc=bcc,
            track=track,
            assigned_to=assigned_to,
            registration=registration,
        )
        return await self.send(checked)

    async def send(self, request: FulfillmentRequest) -> Fulfillment:
        """Send a request already checked by :meth:`FulfillmentRequest.build`."""
        try:
            response = await self._send(fulfillment_request(request, self._path))
        except TransportError as error:
            if not error.request_sent:
                raise
            raise type(error)(f"{error}; {CHECK_ITEP}") from error
        except ServerError as error:
            if isinstance(error, MalformedResponseError) and CHECK_ITEP in error.message:
                raise
            raise type(error)(
                f"{error.message}; {CHECK_ITEP}",
                code=error.code,
                http_status=error.http_status,
                body=error.body,
                retryable=False,
            ) from error
        test_id, payload = response.payload
        return Fulfillment(test_id, request.product_code, request.group == "STX", payload)
