"""What a session tells about itself: counters (:class:`SessionStats`) and events.

Events say what the session is doing as it happens: an attempt answered or
failed, a retry scheduled (why, and when the next attempt starts), every caller
held by a 429 (until when), a wait for the next second because a single-use
signature of the same request was issued in this one, the clock corrected.
The CLI's progress display listens to them to say why a harvest waits; your
code can turn them into log lines or metrics::

    def on_event(event: SessionEvent) -> None:
        if isinstance(event, RequestDone):
            histogram.record(event.elapsed, {"status": event.status or 0})

    unsubscribe = client.events.subscribe(on_event)

Listeners are plain functions called on the event loop, in the request's own
coroutine: they must return quickly and never block. An exception a listener
raises is logged (``mettl_async.telemetry``) and does not reach the request.
The session's own counters (:class:`SessionStats`) and log lines
(:mod:`~mettl_async.core.session_log`) are listeners of the same stream.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import attrs

from .errors import (
    ApiError,
    ConnectError,
    ConnectionLostError,
    RateLimitedError,
    RequestTimeoutError,
    SignatureExpiredError,
    TransportError,
)

log = logging.getLogger("mettl_async.telemetry")


@attrs.define
class SessionStats:
    """Counters a progress display, a benchmark or your metrics read (``client.stats``).

    ``requests`` counts attempts (retries included, coalesced calls not);
    ``bytes_sent`` and ``bytes_received`` count request and response bodies
    (decompressed), not headers.
    """

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    clock_corrections: int = 0
    coalesced: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    #: Seconds spent on attempts, from sending to the whole answer read (or the failure).
    request_seconds: float = 0.0

    @property
    def mean_latency(self) -> float | None:
        """Seconds an attempt took on average; ``None`` before the first."""
        return self.request_seconds / self.requests if self.requests else None

    def record(self, event: SessionEvent) -> None:
        """Count ``event`` (the session subscribes its counters to its events)."""
        if isinstance(event, RequestDone):
            self.requests += 1
            self.request_seconds += event.elapsed
            self.bytes_sent += event.bytes_sent
            self.bytes_received += event.bytes_received
        elif isinstance(event, RetryScheduled):
            self.retries += 1
        elif isinstance(event, Throttled):
            self.rate_limited += 1
        elif isinstance(event, ClockCorrected):
            self.clock_corrections += 1
        elif isinstance(event, Shared):
            self.coalesced += 1


@attrs.frozen
class RequestDone:
    """One attempt ended: answered (``status``) or failed on the way (``status`` is ``None``);
    ``status`` and ``error`` both ``None``: it was abandoned (cancelled) before its answer.

    ``url`` has no query string, so no credential. ``error`` is the exception the
    attempt raised, if any (an API error for an error answer).
    """

    method: str
    url: str
    attempt: int
    status: int | None
    #: Seconds from sending to the whole answer read (or the failure).
    elapsed: float
    bytes_sent: int
    bytes_received: int
    error: Exception | None = None
    #: The request line for a log (``METHOD URL`` with its query, every credential masked),
    #: made only when asked for.
    shown: Callable[[], str] = attrs.field(default=lambda: "", eq=False, repr=False)


@attrs.frozen
class RetryScheduled:
    """An attempt failed and another follows after ``delay`` seconds (at ``at``, epoch seconds)."""

    method: str
    url: str
    #: The attempt that failed (1 for the first).
    attempt: int
    delay: float
    at: float
    error: BaseException

    @property
    def reason(self) -> str:
        """Why, in a few words: ``cannot connect: …``, ``429 too many requests``, ``E000: …``."""
        return describe_failure(self.error)


@attrs.frozen
class Throttled:
    """The server said 429: the client's rate limiter holds every caller for ``delay`` seconds
    (until ``until``, epoch seconds) and then paces more slowly."""

    method: str
    url: str
    retry_after: float | None
    delay: float
    until: float


@attrs.frozen
class WaitingForSecond:
    """An identical request was already signed in this second; a single-use signature must differ,
    so this one waits ``delay`` seconds for the next second (until ``until``, epoch seconds)."""

    method: str
    url: str
    delay: float
    until: float


@attrs.frozen
class ClockCorrected:
    """The server refused the request's time; its clock is ``offset`` seconds from the local one
    (learnt from the answer to ``method`` ``url``, which is signed again)."""

    offset: float
    method: str = ""
    url: str = ""


@attrs.frozen
class Shared:
    """A call got the answer of an identical GET in flight or answered within the second, and
    sent nothing (``stats.coalesced``)."""

    method: str
    url: str


@attrs.frozen
class CallStarted:
    """A call began: its attempts, retries and waits follow, told in the same task (a tracer
    opens its span here: :mod:`mettl_async.otel`)."""

    method: str
    url: str


@attrs.frozen
class CallEnded:
    """A call ended after ``attempts`` attempts: answered (``error`` is ``None``) or with the
    exception it raised (an API error, a transport error, a cancellation)."""

    method: str
    url: str
    attempts: int
    error: BaseException | None = None


SessionEvent = (
    CallStarted
    | RequestDone
    | RetryScheduled
    | Throttled
    | WaitingForSecond
    | ClockCorrected
    | Shared
    | CallEnded
)
Listener = Callable[[SessionEvent], None]


class SessionEvents:
    """The listeners of one session's events (``client.events``)."""

    __slots__ = ("listeners",)

    def __init__(self) -> None:
        #: A tuple, replaced on change: emitting iterates it without a copy or a lock.
        self.listeners: tuple[Listener, ...] = ()

    def __repr__(self) -> str:
        return f"SessionEvents({len(self.listeners)} listeners)"

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event)`` for every event from now on; returns the function that stops it."""
        if not callable(listener):
            raise TypeError(f"a listener must be callable, got {listener!r}")
        self.listeners = (*self.listeners, listener)

        def unsubscribe() -> None:
            self.unsubscribe(listener)

        return unsubscribe

    def unsubscribe(self, listener: Listener) -> None:
        """Stop calling ``listener`` (once, if it subscribed twice); unknown listeners are ignored."""
        listeners = list(self.listeners)
        if listener in listeners:
            listeners.remove(listener)
            self.listeners = tuple(listeners)

    def emit(self, event: SessionEvent) -> None:
        """Tell every listener, in the order they subscribed."""
        for listener in self.listeners:
            try:
                listener(event)
            except Exception:
                log.exception("a session event listener failed on %s", type(event).__name__)


#: aiohttp's "Cannot connect to host H:P ssl:default [reason]": the host and the reason.
_CANNOT_CONNECT = re.compile(r"Cannot connect to host (\S+) ssl:\S+ \[(.*)\]$", re.DOTALL)


def _detail(error: BaseException) -> str:
    """A transport error's message without ``METHOD URL:`` and the aiohttp exception's name."""
    text = str(error)
    if isinstance(error, TransportError):
        # "GET https://host/path?…: ClientConnectorError: Cannot connect to host …": the URL
        # holds no ": " (its query is percent-encoded), so the first one ends it.
        _, sep, rest = text.partition(": ")
        text = rest if sep else text
        name, sep, rest = text.partition(": ")
        if sep and name.isidentifier():
            text = rest
    return text


def describe_failure(error: BaseException) -> str:
    """Why an attempt failed, in a few words (for a progress display or a log line)."""
    if isinstance(error, RateLimitedError):
        after = f", Retry-After {error.retry_after:g} s" if error.retry_after is not None else ""
        return f"429 too many requests{after}"
    if isinstance(error, SignatureExpiredError):
        return "signature already used (another request signed in the same second)"
    if isinstance(error, ConnectError):
        detail = _detail(error)
        found = _CANNOT_CONNECT.match(detail)
        if found:
            return f"cannot connect to {found[1]}: {found[2]}"
        return detail if detail.startswith("cannot connect") else f"cannot connect: {detail}"
    if isinstance(error, ConnectionLostError):
        return f"connection lost: {_detail(error)}"
    if isinstance(error, RequestTimeoutError):
        return "no answer in time"
    if isinstance(error, TransportError):
        return _detail(error)
    if isinstance(error, ApiError):
        return str(error)
    return f"{type(error).__name__}: {error}"
