"""OpenTelemetry spans for a client's calls: one span per call, its attempts and waits as events
inside it, and a failed call an errored span with its code.

Mettl answers errors inside HTTP 200 bodies, so the aiohttp instrumentation alone shows a failed
attempt as a 200 with its status unset, and a call retried five times as five unrelated spans.
Here the span is the call, as the caller made it::

    from mettl_async.otel import trace_calls

    stop = trace_calls(client)  # the global tracer provider, or tracer_provider=...

The span is current while the call runs, so the aiohttp instrumentation's spans of its attempts
(if you use it) are its children. Attributes: ``http.request.method``, ``url.full`` (no query:
the signatures stay out), ``mettl.attempts``; a failure adds ``error.type``,
``mettl.error.code`` and ``http.response.status_code``. Imported only when used; it needs
``opentelemetry-api`` (which an application that traces already has).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import context, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider

from ._version import __version__
from .core.errors import ApiError
from .core.telemetry import CallEnded, CallStarted, RequestDone, RetryScheduled, SessionEvent, Throttled

#: The span of the call running in this task, and the token that made it current.
_Current = tuple[Span, object]


def trace_calls(client: Any, tracer_provider: TracerProvider | None = None) -> Callable[[], None]:
    """Trace every call ``client`` makes from now on (any client: its ``events``); returns the
    function that stops it."""
    tracer = trace.get_tracer("mettl_async", __version__, tracer_provider)
    current: contextvars.ContextVar[_Current | None] = contextvars.ContextVar(
        "mettl_async_call", default=None
    )

    def on_event(event: SessionEvent) -> None:
        # Events of one call are told in its own task, so a context variable follows it.
        if isinstance(event, CallStarted):
            span = tracer.start_span(
                f"{event.method} {urlsplit(event.url).path}",
                kind=SpanKind.CLIENT,
                attributes={"http.request.method": event.method, "url.full": event.url},
            )
            current.set((span, context.attach(trace.set_span_in_context(span))))
            return
        found = current.get()
        if found is None:
            return
        span, token = found
        if isinstance(event, RequestDone):
            span.add_event("attempt", attempt_attributes(event))
        elif isinstance(event, RetryScheduled):
            span.add_event("retry scheduled", {"mettl.attempt": event.attempt, "mettl.delay_s": event.delay})
        elif isinstance(event, Throttled):
            span.add_event("throttled (429)", {"mettl.delay_s": event.delay})
        elif isinstance(event, CallEnded):
            end(span, event)
            context.detach(token)  # type: ignore[arg-type]  # the token attach gave
            current.set(None)

    return client.events.subscribe(on_event)  # type: ignore[no-any-return]


def attempt_attributes(event: RequestDone) -> dict[str, Any]:
    """One attempt as a span event's attributes: its number, status (0: no answer), time, code."""
    found: dict[str, Any] = {
        "mettl.attempt": event.attempt,
        "http.response.status_code": event.status or 0,
        "mettl.elapsed_s": event.elapsed,
    }
    if event.error is not None:
        found["error.type"] = type(event.error).__name__
    if isinstance(event.error, ApiError) and event.error.code:
        found["mettl.error.code"] = event.error.code
    return found


def end(span: Span, event: CallEnded) -> None:
    """End the call's span: its attempts, and for a failure an error status with the code."""
    span.set_attribute("mettl.attempts", event.attempts)
    error = event.error
    if error is not None and not isinstance(error, Exception):  # cancelled: no failure of the call
        span.set_attribute("mettl.cancelled", True)
    elif error is not None:
        span.set_attribute("error.type", type(error).__name__)
        if isinstance(error, ApiError):
            if error.code:
                span.set_attribute("mettl.error.code", error.code)
            span.set_attribute("http.response.status_code", error.http_status)
        span.set_status(Status(StatusCode.ERROR, str(error) or type(error).__name__))
    span.end()
