"""Receiving what the platforms push: one exchange for every platform, usable from any framework.

A platform contributes a :class:`WebhookSource`: a name (its path, ``/mettl``)
and a pure ``parse(body, content_type) -> Delivery``. :func:`receive` runs the
whole exchange: check the shared secret (constant time), parse, skip a
delivery already handled, run the caller's callback, and only then answer 2xx.
Malformed or unauthenticated input gets a 4xx and never reaches the callback; a
failing callback gets a 5xx, so the platform delivers again later.
"""

from __future__ import annotations

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

#: Larger bodies are refused (413): no platform sends results this big.
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
    ``key`` identifies the event: a redelivery has the same key.
    """

    source: str
    event: Any
    record: Mapping[str, Any] = attrs.field(repr=False)
    key: Hashable
    kind: HarvestKind | None = attrs.field(default=None, repr=False)


@attrs.frozen
class WebhookSource:
    """A platform that pushes events: served at ``/{name}``."""

    name: str
    parse: Callable[[bytes, str], Delivery]


Callback = Callable[[Delivery], Awaitable[None] | None]


class RecentKeys:
    """Keys of deliveries handled lately (bounded), so a redelivery is acknowledged, not redone."""

    def __init__(self, size: int = 10_000) -> None:
        self._keys: collections.OrderedDict[Hashable, None] = collections.OrderedDict()
        self.size = size

    def __contains__(self, key: Hashable) -> bool:
        return key in self._keys

    def add(self, key: Hashable) -> None:
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)


def token_matches(given: str | None, expected: str | None) -> bool:
    """``True`` when no token is required, or the one given is right (compared in constant time)."""
    if expected is None:
        return True
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


async def receive(
    source: WebhookSource,
    body: bytes,
    content_type: str,
    callback: Callback,
    *,
    token: str | None = None,
    expected_token: str | None = None,
    recent: RecentKeys | None = None,
) -> tuple[int, str]:
    """One delivery, start to end: ``(HTTP status, short text)`` to answer with."""
    if not token_matches(token, expected_token):
        return 401, "missing or wrong token"
    if len(body) > MAX_BODY:
        return 413, f"body over {MAX_BODY} bytes"
    try:
        delivery = source.parse(body, content_type)
    except WebhookRejected as rejected:
        log.info("refused a %s delivery: %s", source.name, redact(rejected.reason))
        return rejected.status, rejected.reason
    if recent is not None and delivery.key in recent:
        return 200, "already received"
    try:
        outcome = callback(delivery)
        if inspect.isawaitable(outcome):
            await outcome
    except Exception as error:  # the platform delivers again later
        log.warning(
            "the callback failed on a %s delivery: %s",
            source.name,
            redact(f"{type(error).__name__}: {error}"),
        )
        return 500, "not processed; deliver again later"
    if recent is not None:
        recent.add(delivery.key)
    return 200, "received"


def request_token(query: Mapping[str, str]) -> str | None:
    """The shared secret a platform sends back: the ``token`` of the URL the user registered."""
    return query.get("token")
