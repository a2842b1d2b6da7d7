"""The synchronous ItepClient and its services (generated: do not edit).

Written by ``python -m mettl_async.sync.generate`` from :mod:`mettl_async.itep.client` and
the services it binds; regenerate after changing them (a test checks this file is current).
"""

from __future__ import annotations

import ssl as ssl_module
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import aiohttp

from ..core.ratelimit import Limiter
from ..core.responses import MAX_RESPONSE_BYTES
from ..core.retry import RetryPolicy
from ..itep import client as _client
from ..itep import fulfillment as _fulfillment
from ..itep.auth import ItepSettings, SignatureEncoding
from ..itep.models import Fulfillment, FulfillmentRequest
from .base import SyncClient, SyncService


class FulfillmentService(SyncService[_fulfillment.FulfillmentService]):
    """Test IDs for product codes. See the module docstring for why a call is never repeated.

    The synchronous twin of :class:`mettl_async.itep.fulfillment.FulfillmentService`:
    each call blocks until its answer.
    """

    def fulfill(
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
        return self._portal.run(
            self._aio.fulfill,
            product_code,
            email=email,
            bcc=bcc,
            track=track,
            assigned_to=assigned_to,
            registration=registration,
        )

    def send(self, request: FulfillmentRequest) -> Fulfillment:
        """Send a request already checked by :meth:`FulfillmentRequest.build`."""
        return self._portal.run(self._aio.send, request)


class ItepClient(SyncClient[_client.ItepClient]):
    """Synchronous client for iTEP's fulfillment API.

    The arguments of :class:`mettl_async.itep.client.ItepClient` but ``http``
    (an aiohttp session belongs to its caller's event loop), the same services,
    models and exceptions. Calls block until the answer; lists are
    :class:`mettl_async.sync.Paginator` (``for item in ...``). The async client
    runs on an event loop in a daemon thread of this client's own: use it in a
    ``with`` block or call :meth:`close`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        url: str | None = None,
        signature_header: str | None = None,
        signature_encoding: str | SignatureEncoding | None = None,
        environ: Mapping[str, str] | None = None,
        rate: float | None = None,
        burst: int = 1,
        rate_ceiling: float | None = None,
        limiter: Limiter | None = None,
        concurrency: int = 16,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
        ssl: ssl_module.SSLContext | bool | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        aio = _client.ItepClient(
            api_key,
            url=url,
            signature_header=signature_header,
            signature_encoding=signature_encoding,
            environ=environ,
            rate=rate,
            burst=burst,
            rate_ceiling=rate_ceiling,
            limiter=limiter,
            concurrency=concurrency,
            retry=retry,
            timeout=timeout,
            clock=clock,
            ssl=ssl,
            trace_configs=trace_configs,
            max_response_bytes=max_response_bytes,
        )
        super().__init__(aio)

    def _bind(self) -> None:
        self.fulfillment = FulfillmentService(self._portal, self._aio.fulfillment)

    @property
    def settings(self) -> ItepSettings:
        """The async client's ``settings``."""
        return self._aio.settings

    def fulfill(
        self,
        product_code: str,
        *,
        email: str | None = None,
        bcc: str | None = None,
        track: str | None = None,
        assigned_to: Mapping[str, Any] | None = None,
        registration: Mapping[str, str] | None = None,
    ) -> Fulfillment:
        """Shorthand for :meth:`FulfillmentService.fulfill` (same arguments, same no-repeat rule)."""
        return self._portal.run(
            self._aio.fulfill,
            product_code,
            email=email,
            bcc=bcc,
            track=track,
            assigned_to=assigned_to,
            registration=registration,
        )


__all__ = [
    "FulfillmentService",
    "ItepClient",
]
