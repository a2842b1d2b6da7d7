"""Results the platforms push: parse, authenticate, hand to your callback, or land in an output.

::

    from mettl_async.webhooks import receive            # any framework
    from mettl_async.webhooks.server import aiohttp_handler

Platforms contribute their :class:`WebhookSource` (``mettl_async.mettl_rest.webhooks``,
``mettl_async.itep.webhooks``); :data:`SOURCE_MODULES` lists them for the server.
"""

from __future__ import annotations

import importlib

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

#: Modules that declare a ``SOURCE`` (a :class:`WebhookSource`), served by ``mettl-async webhooks serve``.
SOURCE_MODULES: tuple[str, ...] = ("mettl_async.mettl_rest.webhooks", "mettl_async.itep.webhooks")


def sources() -> list[WebhookSource]:
    """Every platform's webhook source."""
    return [importlib.import_module(module).SOURCE for module in SOURCE_MODULES]


__all__ = [
    "MAX_BODY",
    "SOURCE_MODULES",
    "Callback",
    "Delivery",
    "RecentKeys",
    "WebhookRejected",
    "WebhookSource",
    "admit",
    "receive",
    "request_token",
    "sources",
    "token_matches",
    "too_large",
]
