"""The session's log lines: a listener of its events (``mettl_async.session``).

Every attempt at DEBUG (its request line masked, its status and code, its time), every retry
and every clock correction at WARNING. A line is formatted only when it will be written.
"""

from __future__ import annotations

import logging

from .errors import ApiError
from .telemetry import ClockCorrected, RequestDone, RetryScheduled, SessionEvent

log = logging.getLogger("mettl_async.session")


def log_event(event: SessionEvent) -> None:
    """Write the log line ``event`` makes, if any and if it will be written."""
    if isinstance(event, RequestDone):
        if log.isEnabledFor(logging.DEBUG):
            _attempt_line(event)
    elif isinstance(event, RetryScheduled):
        log.warning(
            "retrying %s %s in %.2fs after attempt %d failed: %s",
            event.method,
            event.url,
            event.delay,
            event.attempt,
            event.error,
        )
    elif isinstance(event, ClockCorrected):
        log.warning(
            "%s %s: the server refused the request's time; clock offset set to %+.0fs from its "
            "Date header, re-signing once",
            event.method,
            event.url,
            event.offset,
        )


def _attempt_line(event: RequestDone) -> None:
    milliseconds = event.elapsed * 1000
    if event.status is None:
        outcome = event.error or "abandoned"
        log.debug("%s failed: %s (attempt %d)", event.shown(), outcome, event.attempt)
    elif isinstance(event.error, ApiError):
        code = event.error.code or "error"
        log.debug(
            "%s -> %d %s in %.1f ms (attempt %d)",
            event.shown(),
            event.status,
            code,
            milliseconds,
            event.attempt,
        )
    else:
        log.debug(
            "%s -> %d in %.1f ms (attempt %d)", event.shown(), event.status, milliseconds, event.attempt
        )
