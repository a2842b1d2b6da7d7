"""Receiving what the platforms push: one exchange for every platform, usable from any framework.

A platform contributes a :class:`WebhookSource`: a name (its path, ``/mettl``)
and a pure ``parse(body, content_type) -> Delivery``. :func:`receive` runs the
whole exchange: check the shared secret (constant time), parse, skip a
delivery already handled, run the caller's callback, and only then answer 2xx.
Malformed or unauthenticated input gets a 4xx and never reaches the callback; a
failing callback gets a 5xx, so the platform delivers again later.

:func:`admit` is what can be decided before a body is read (the token, the
declared length): a server calls it first, so an unauthenticated or oversized
request costs no memory. Copies of one delivery that arrive together run the
callback once: the others wait for it and answer as it did (:class:`RecentKeys`).
"""

from __future__ import annotations

import asyncio
import collections
import hmac
import inspect
import logging
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ..core.errors import MettlError
from ..core.redaction import redact

if TYPE_CHECKING:
    from ..harvest.kinds import HarvestKind

log = logging.getLogger("mettl_async.webhooks")

#: Larger bodies are refused (413) unless a receiver is given another maximum: no platform sends
#: results this big.
MAX_BODY = 1024 * 1024


class WebhookRejected(MettlError):
    """A delivery refused with HTTP ``status`` (400 malformed, 401 unauthenticated, 413 too large)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"HTTP {status}: {reason}")
        self.status = status
        self.reason = reason


@attrs.frozen
class Delivery:
    """One pushed event, parsed.

    ``event`` is the typed model; ``record`` is what lands in an output (in the
    shape ``kind``'s rows read, so pushed and pulled results share a table);
    ``key`` identifies the event: a redelivery has the same key. ``account`` is the
    account the receiver was told the delivery is for (its path), if it was told.
    """

    source: str
    event: Any
    record: Mapping[str, Any] = attrs.field(repr=False)
    key: Hashable
    kind: HarvestKind | None = attrs.field(default=None, repr=False)
    account: str | None = None


@attrs.frozen
class WebhookSource:
    """A platform that pushes events: served at ``/{name}``."""

    name: str
    parse: Callable[[bytes, str], Delivery]


Callback = Callable[[Delivery], Awaitable[None] | None]


class RecentKeys:
    """Keys of deliveries handled lately (bounded), so a redelivery is acknowledged, not redone;
    and of those being handled now, so that a copy arriving meanwhile waits instead of running
    the callback a second time."""

    def __init__(self, size: int = 10_000) -> None:
        self._keys: collections.OrderedDict[Hashable, None] = collections.OrderedDict()
        self._running: dict[Hashable, asyncio.Future[None]] = {}
        self.size = size

    def __contains__(self, key: Hashable) -> bool:
        return key in self._keys

    def add(self, key: Hashable) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)

    async def claim(self, key: Hashable) -> bool:
        """Whether this copy of the delivery ``key`` is to be handled: ``False`` once it was
        (waiting first for a copy being handled now); ``True`` when no copy is, or the one that
        was failed. A claim is ended by :meth:`release`."""
        while key not in self._keys:
            running = self._running.get(key)
            if running is None:
                self._running[key] = asyncio.get_running_loop().create_future()
                return True
            # Shielded: a waiter cancelled (its client left) must not cancel what the others await.
            await asyncio.shield(running)
        return False

    def release(self, key: Hashable, *, handled: bool) -> None:
        """End the claim on ``key``: remembered when ``handled``, else another copy may try."""
        if handled:
            self.add(key)
        running = self._running.pop(key, None)
        if running is not None and not running.done():
            running.set_result(None)


def token_matches(given: str | None, expected: str | None) -> bool:
    """``True`` when no token is required, or the one given is right (compared in constant time)."""
    if expected is None:
        return True
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def too_large(size: int, max_body: int) -> WebhookRejected | None:
    """The refusal of a body of ``size`` bytes (413), if it is over ``max_body``."""
    return WebhookRejected(413, f"body over {max_body} bytes") if size > max_body else None


def admit(
    token: str | None, expected_token: str | None, length: int | None, max_body: int = MAX_BODY
) -> tuple[int, str] | None:
    """What is decided before a body is read: ``(401, …)`` for a missing or wrong token, ``(413, …)``
    for a declared ``length`` (``Content-Length``) over ``max_body``; ``None`` to read on."""
    if not token_matches(token, expected_token):
        return 401, "missing or wrong token"
    refused = too_large(length or 0, max_body)
    return (refused.status, refused.reason) if refused else None


async def receive(
    source: WebhookSource,
    body: bytes,
    content_type: str,
    callback: Callback,
    *,
    token: str | None = None,
    expected_token: str | None = None,
    recent: RecentKeys | None = None,
    max_body: int = MAX_BODY,
    account: str | None = None,
) -> tuple[int, str]:
    """One delivery, start to end: ``(HTTP status, short text)`` to answer with.

    With ``recent``, a delivery handled before is acknowledged without the callback, and copies
    of one delivery received together run it once (the others answer as that one did). An
    ``account`` (the receiver's configuration names it) goes with the delivery, and into its key:
    one event for two accounts is two deliveries."""
    refused = admit(token, expected_token, len(body), max_body)
    if refused is not None:
        return refused
    try:
        delivery = source.parse(body, content_type)
    except WebhookRejected as rejected:
        log.info("refused a %s delivery: %s", source.name, redact(rejected.reason))
        return rejected.status, rejected.reason
    if account is not None:
        delivery = attrs.evolve(delivery, account=account, key=(account, delivery.key))
    if recent is not None and not await recent.claim(delivery.key):
        return 200, "already received"
    handled = False
    try:
        outcome = callback(delivery)
        if inspect.isawaitable(outcome):
            await outcome
        handled = True
    except Exception as error:  # the platform delivers again later
        log.warning(
            "the callback failed on a %s delivery: %s",
            source.name,
            redact(f"{type(error).__name__}: {error}"),
        )
        return 500, "not processed; deliver again later"
    finally:
        if recent is not None:
            recent.release(delivery.key, handled=handled)
    return 200, "received"


def request_token(query: Mapping[str, str]) -> str | None:
    """The shared secret a platform sends back: the ``token`` of the URL the user registered.

    ``None`` when it is absent, or given more than once (``?token=T&token=X`` is ambiguous, so it
    is refused as a missing token would be); pass a multi-mapping (aiohttp's ``request.query``) so
    that a repeat can be seen."""
    getall = getattr(query, "getall", None)  # a multi-mapping's (multidict is not imported here)
    if getall is None:
        return query.get("token")
    given: list[str] = getall("token", [])
    return given[0] if len(given) == 1 else None
