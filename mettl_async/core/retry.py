"""Retry policy as data, the decision as pure functions; tenacity runs the loop.

What is retried:

* a connection that could not be made, "too many requests" (429, E509) and a
  reused-signature refusal, always: the server did not act on the request (the
  last one only when the HTTP layer cannot have resent the request by itself);
* transport failures after sending, 5xx and E000, only for requests that are
  safe to repeat;
* nothing else: authentication and validation errors do not change on a repeat,
  and a TLS certificate the client refuses will be refused again.

A caller runs out of *time* while the server keeps saying "later" (429, a
reused signature): those answers do not use up attempts, only ``max_elapsed``.
Every wait has jitter, so callers throttled together do not retry in lockstep.
A clock rejection (E504) is not retried by the policy: the session corrects
its clock from the response's ``Date`` and re-signs once by itself.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import attrs
import tenacity
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from .errors import (
    ApiError,
    ConnectError,
    MettlError,
    RateLimitedError,
    SignatureExpiredError,
    TLSVerificationError,
    TransportError,
)


@attrs.frozen
class RetryPolicy:
    """How hard to try: attempts, a time budget, exponential backoff with jitter.

    ``attempts`` counts failures that a retry may cure (lost connections, 5xx);
    ``max_elapsed`` bounds the whole call, throttling included: no retry starts
    whose wait would end past it.
    """

    attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    max_elapsed: float = attrs.field(default=120.0, validator=attrs.validators.ge(0))
    backoff_initial: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    backoff_max: float = attrs.field(default=30.0, validator=attrs.validators.ge(0))
    jitter: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt only."""
        return cls(attempts=1, max_elapsed=0.0)


def is_throttling(error: BaseException) -> bool:
    """The server said "later" without acting: it costs time, not an attempt."""
    return isinstance(error, RateLimitedError | SignatureExpiredError)


def is_retryable(error: BaseException, *, safe_to_repeat: bool, http_resends: bool = False) -> bool:
    """Whether another attempt may succeed without risking a double effect.

    ``http_resends``: the HTTP layer may have resent the request by itself (aiohttp
    does so for a GET on a dead pooled connection, with the same signature), so a
    reused-signature refusal no longer proves that the server did not act.
    """
    if isinstance(error, SignatureExpiredError):
        return safe_to_repeat or not http_resends
    if isinstance(error, TLSVerificationError):
        return False
    if isinstance(error, ConnectError | RateLimitedError):
        return True
    if isinstance(error, TransportError):
        return safe_to_repeat
    if isinstance(error, ApiError):
        return error.retryable and safe_to_repeat
    return False


def backoff(policy: RetryPolicy, failures: int) -> float:
    """Exponential backoff after ``failures`` curable failures, capped, plus jitter."""
    base = policy.backoff_initial * 2.0 ** max(0, failures - 1)
    return min(policy.backoff_max, base) + random.uniform(0, policy.jitter)


def wait_after(error: BaseException | None, policy: RetryPolicy, failures: int) -> float:
    """How long to wait before the next attempt, jitter included.

    After a 429: the server's Retry-After (the shared limiter also holds every
    other caller that long, and then releases them at a lowered rate, not all
    at once). After a reused signature: only jitter (the session waits for the
    next second when it signs again). Otherwise: the backoff.
    """
    jitter = random.uniform(0, policy.jitter)
    if isinstance(error, RateLimitedError):
        if error.retry_after is None:
            return backoff(policy, max(1, failures))
        return error.retry_after + jitter
    if isinstance(error, SignatureExpiredError):
        return jitter
    return backoff(policy, failures)


class _Budget(stop_base):
    """Stop when curable failures reach ``attempts`` or the next wait would overrun the time
    budget. Throttling answers count against time only."""

    def __init__(self, policy: RetryPolicy, started: float, timer: Callable[[], float]) -> None:
        self.policy = policy
        self.started = started
        self.timer = timer
        self.failures = 0

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        if error is not None and not is_throttling(error):
            self.failures += 1
        if self.failures >= self.policy.attempts:
            return True
        upcoming = retry_state.upcoming_sleep or 0.0
        return self.timer() - self.started + upcoming > self.policy.max_elapsed


class _Wait(wait_base):
    def __init__(self, budget: _Budget) -> None:
        self.budget = budget

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        failures = self.budget.failures + (0 if error is None or is_throttling(error) else 1)
        return wait_after(error, self.budget.policy, failures)


class Retries:
    """The decisions of one call's retry loop, made on its first failure: tenacity's stop and
    wait strategies (built from the policy) judge each failure against a ``RetryCallState``.

    :func:`retried` owns every attempt, the first included; a call that succeeds at once never
    builds this (it would cost more than the request: tenacity's own loop, per call, costs more
    than the whole request path).
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        safe_to_repeat: bool,
        http_resends: bool,
        started: float,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.safe_to_repeat = safe_to_repeat
        self.http_resends = http_resends
        self._budget = _Budget(policy, started, timer)
        self._wait = _Wait(self._budget)
        self._state = tenacity.RetryCallState(None, None, (), {})  # type: ignore[arg-type]

    def after(self, error: BaseException) -> float:
        """Seconds to wait before the next attempt; ``error`` itself when none should follow."""
        if not is_retryable(error, safe_to_repeat=self.safe_to_repeat, http_resends=self.http_resends):
            raise error
        state = self._state
        state.outcome = tenacity.Future.construct(state.attempt_number, error, True)
        state.upcoming_sleep = delay = self._wait(state)
        if self._budget(state):
            raise error
        state.prepare_for_next_attempt()
        return delay


R = TypeVar("R")


async def retried(
    attempt: Callable[[int], Awaitable[R]],
    policy: RetryPolicy,
    *,
    safe_to_repeat: bool,
    http_resends: bool = False,
    on_retry: Callable[[int, float, BaseException], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    timer: Callable[[], float] = time.monotonic,
) -> R:
    """``attempt(1)``, then ``attempt(2)``… for as long as ``policy`` says a failure may be cured
    by another attempt; the last failure is raised. ``on_retry(number, delay, error)`` hears of
    each retry before its wait. ``sleep`` waits and ``timer`` measures ``max_elapsed``: a fake
    clock's pair in tests (``ClientOptions.sleep``)."""
    started = timer()
    retries: Retries | None = None
    number = 1
    while True:
        try:
            return await attempt(number)
        except MettlError as error:
            if retries is None:
                retries = Retries(
                    policy,
                    safe_to_repeat=safe_to_repeat,
                    http_resends=http_resends,
                    started=started,
                    timer=timer,
                )
            delay = retries.after(error)
            if on_retry is not None:
                on_retry(number, delay, error)
            await sleep(delay)
            number += 1
