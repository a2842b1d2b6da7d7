"""Retry policy as data; tenacity runs the loop.

What is retried:

* a connection that could not be made, HTTP 429 and a reused-signature
  rejection, always: the server did not act on the request (the last one only
  when the HTTP layer cannot have resent the request by itself);
* transport failures after sending, 5xx and E000, only for requests that are
  safe to repeat (every GET but deleteSlotWindow, and the POSTs the services
  mark as such);
* nothing else: authentication and validation errors do not change on a repeat.

E504 is not retried by the policy: the session corrects its clock from the
response's ``Date`` and re-signs once by itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs
import tenacity
from tenacity.wait import wait_base

from .errors import (
    ApiError,
    ConnectError,
    RateLimitedError,
    SignatureExpiredError,
    TransportError,
)


@attrs.frozen
class RetryPolicy:
    """How hard to try: total attempts, a time budget, exponential backoff with jitter.

    ``max_elapsed`` bounds the whole call: no retry starts whose wait would end past it.
    """

    attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    max_elapsed: float = attrs.field(default=120.0, validator=attrs.validators.ge(0))
    backoff_initial: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    backoff_max: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))
    jitter: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt only."""
        return cls(attempts=1)


def is_retryable(error: BaseException, *, safe_to_repeat: bool, http_resends: bool = False) -> bool:
    """Whether another attempt may succeed without risking a double effect.

    ``http_resends``: the HTTP layer may have resent the request by itself (aiohttp
    does so for a GET on a dead pooled connection, with the same signature), so a
    reused-signature refusal no longer proves that the server did not act.
    """
    if isinstance(error, SignatureExpiredError):
        return safe_to_repeat or not http_resends
    if isinstance(error, ConnectError | RateLimitedError):
        return True
    if isinstance(error, TransportError):
        return safe_to_repeat
    if isinstance(error, ApiError):
        return error.retryable and safe_to_repeat
    return False


class wait_for_server(wait_base):
    """The server's own delay when it gave one (Retry-After); none after a reused
    signature (the new attempt signs afresh); otherwise the fallback backoff."""

    def __init__(self, fallback: wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            return error.retry_after
        if isinstance(error, SignatureExpiredError):
            return 0.0
        return self.fallback(retry_state)


def build_retrying(
    policy: RetryPolicy,
    *,
    safe_to_repeat: bool,
    http_resends: bool = False,
    before_sleep: Callable[[tenacity.RetryCallState], Awaitable[None] | None] | None = None,
) -> tenacity.AsyncRetrying:
    """A tenacity loop that follows ``policy`` and re-raises the last error."""
    backoff = tenacity.wait_exponential(
        multiplier=policy.backoff_initial, max=policy.backoff_max
    ) + tenacity.wait_random(0, policy.jitter)
    return tenacity.AsyncRetrying(
        stop=tenacity.stop_after_attempt(policy.attempts) | tenacity.stop_before_delay(policy.max_elapsed),
        wait=wait_for_server(backoff),
        retry=tenacity.retry_if_exception(
            lambda e: is_retryable(e, safe_to_repeat=safe_to_repeat, http_resends=http_resends)
        ),
        before_sleep=before_sleep,
        reraise=True,
    )
