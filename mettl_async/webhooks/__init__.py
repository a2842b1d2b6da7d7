"""Results the platforms push: parse, authenticate, hand to your callback, or land in an output.

::

    from mettl_async.webhooks import receive            # any framework
    from mettl_async.webhooks.server import aiohttp_handler

Platforms contribute their :class:`WebhookSource` (``mettl_async.mettl_rest.webhooks``,
``mettl_async.itep.webhooks``); the registry (:func:`mettl_async.platforms.webhook_sources`)
lists them for the server.
"""

from __future__ import annotations

from .receiver import (
    MAX_BODY,
    Callback,
    Delivery,
    RecentKeys,
    WebhookRejected,
    WebhookSource,
    admit,
    receive,
    request_token,
    token_matches,
    too_large,
)

__all__ = [
    "MAX_BODY",
    "Callback",
    "Delivery",
    "RecentKeys",
    "WebhookRejected",
    "WebhookSource",
    "admit",
    "receive",
    "request_token",
    "token_matches",
    "too_large",
]
