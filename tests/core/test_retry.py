"""Retry policy: what is retried, how long to wait, and the one loop that owns every attempt."""

from __future__ import annotations

import asyncio
import time

import pytest
import tenacity

from mettl_async.core.errors import (
    ApiError,
    AuthenticationError,
    ConnectError,
    ConnectionLostError,
    InputError,
    MalformedResponseError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    SignatureExpiredError,
    TimestampError,
    TLSVerificationError,
    TransportError,
    ValidationError,
)
from mettl_async.core.retry import RetryPolicy, is_retryable, is_throttling, retried, wait_after
from mettl_async.mettlfamily.codes import error_for_code

INSTANT = RetryPolicy(attempts=4, backoff_initial=0, jitter=0)

# -- is_retryable -------------------------------------------------------------------------

ALWAYS = [
    ConnectError("refused"),
    RateLimitedError("rate limited", retry_after=1.0, http_status=429, retryable=True),
    RateLimitedError("rate limited, flag unset", http_status=429),
    SignatureExpiredError("Signature expired", code="E401", retryable=True),
]
ONLY_WHEN_SAFE = [
    ConnectionLostError("dropped"),
    RequestTimeoutError("no answer"),
    TransportError("other"),
    ServerError("502", http_status=502, retryable=True),
    error_for_code("E000", "Some Error Occurred"),
    MalformedResponseError("html in a 200", retryable=True),
]
NEVER = [
    ValidationError("bad", code="E016"),
    AuthenticationError("no", code="E401"),
    error_for_code("E401", "Authentication failed/Signature mismatch"),
    TimestampError("Invalid Timestamp", code="E504"),
    ServerError("booking failed", code="E024"),  # a server error the table marks not retryable
    ApiError("unknown", code="E999"),
    InputError("page_size", "too big"),
    ValueError("not ours"),
    asyncio.CancelledError(),
]


def test_a_reused_signature_on_an_unsafe_request_is_retried_only_if_nothing_resent_it() -> None:
    """aiohttp resends a GET by itself on a borrowed session: the refusal may follow an action."""
    reused = SignatureExpiredError("Signature expired", code="E401", retryable=True)
    assert is_retryable(reused, safe_to_repeat=False, http_resends=False)
    assert not is_retryable(reused, safe_to_repeat=False, http_resends=True)
    assert is_retryable(reused, safe_to_repeat=True, http_resends=True)


@pytest.mark.parametrize("error", ALWAYS, ids=repr)
@pytest.mark.parametrize("safe", [True, False])
def test_retried_whatever_the_request(error: BaseException, safe: bool) -> None:
    assert is_retryable(error, safe_to_repeat=safe) is True


@pytest.mark.parametrize("error", ONLY_WHEN_SAFE, ids=repr)
def test_retried_only_when_safe_to_repeat(error: BaseException) -> None:
    assert is_retryable(error, safe_to_repeat=True) is True
    assert is_retryable(error, safe_to_repeat=False) is False


@pytest.mark.parametrize("error", NEVER, ids=repr)
@pytest.mark.parametrize("safe", [True, False])
def test_never_retried(error: BaseException, safe: bool) -> None:
    assert is_retryable(error, safe_to_repeat=safe) is False


# -- wait_for_server ----------------------------------------------------------------------


def failed_with(error: BaseException, attempt: int = 1) -> tenacity.RetryCallState:
    state = tenacity.RetryCallState(retry_object=tenacity.AsyncRetrying(), fn=None, args=(), kwargs={})
    state.attempt_number = attempt
    state.set_exception((type(error), error, None))
    return state


NO_JITTER = RetryPolicy(backoff_initial=1, backoff_max=5, jitter=0)


def test_wait_is_the_servers_retry_after() -> None:
    assert wait_after(RateLimitedError("slow", retry_after=42.5), NO_JITTER, 0) == 42.5
    assert wait_after(RateLimitedError("slow", retry_after=0.0), NO_JITTER, 0) == 0.0


def test_no_wait_after_a_reused_signature_but_jitter() -> None:
    assert wait_after(SignatureExpiredError("Signature expired", code="E401"), NO_JITTER, 0) == 0.0
    jittered = RetryPolicy(jitter=0.5)
    waits = {wait_after(SignatureExpiredError("x"), jittered, 0) for _ in range(50)}
    assert len(waits) > 40
    assert all(0 <= w <= 0.5 for w in waits)


def test_callers_throttled_together_do_not_retry_in_lockstep() -> None:
    """Defect: every caller slept exactly Retry-After and retried in the same instant."""
    policy = RetryPolicy(jitter=0.5)
    waits = [wait_after(RateLimitedError("slow", retry_after=1.0), policy, 0) for _ in range(100)]
    assert len(set(waits)) > 90
    assert all(1.0 <= w <= 1.5 for w in waits)


def test_backoff_otherwise_grows_exponentially() -> None:
    error = ServerError("502", retryable=True)
    assert [wait_after(error, NO_JITTER, n) for n in (1, 2, 3, 4)] == [1, 2, 4, 5]
    assert wait_after(RateLimitedError("slow", retry_after=None), NO_JITTER, 0) == 1


def test_throttling_costs_time_not_attempts() -> None:
    assert is_throttling(RateLimitedError("slow"))
    assert is_throttling(SignatureExpiredError("again"))
    assert not is_throttling(ServerError("502"))


# -- RetryPolicy --------------------------------------------------------------------------


def test_policy_defaults_and_never() -> None:
    policy = RetryPolicy()
    assert (policy.attempts, policy.max_elapsed) == (5, 120.0)
    assert (RetryPolicy.never().attempts, RetryPolicy.never().max_elapsed) == (1, 0.0)


@pytest.mark.parametrize(
    "kwargs",
    [{"attempts": 0}, {"max_elapsed": -1.0}, {"backoff_initial": -0.1}, {"backoff_max": -1}, {"jitter": -1}],
)
def test_policy_refuses_negative_values(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


# -- retried: the loop -----------------------------------------------------------------------


class Flaky:
    """Raises the given errors one per call, then returns "ok"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def attempt(self, number: int) -> str:
        self.calls += 1
        assert number == self.calls  # the loop numbers every attempt, the first included
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def test_retries_until_attempts_run_out_and_reraises_the_last_error() -> None:
    errors = [ServerError(f"502 #{n}", retryable=True) for n in range(4)]
    call = Flaky(*errors)
    with pytest.raises(ServerError) as caught:
        await retried(call.attempt, INSTANT, safe_to_repeat=True)
    assert call.calls == 4
    assert caught.value is errors[-1]


async def test_success_after_failures_returns_the_value() -> None:
    call = Flaky(ConnectError("refused"), RateLimitedError("slow", retry_after=0.0))
    assert await retried(call.attempt, INSTANT, safe_to_repeat=False) == "ok"
    assert call.calls == 3


async def test_unsafe_request_is_not_repeated_after_a_lost_connection() -> None:
    error = ConnectionLostError("dropped after sending")
    call = Flaky(error, error)
    with pytest.raises(ConnectionLostError):
        await retried(call.attempt, INSTANT, safe_to_repeat=False)
    assert call.calls == 1


async def test_validation_error_is_raised_at_once() -> None:
    call = Flaky(ValidationError("bad", code="E016"))
    with pytest.raises(ValidationError):
        await retried(call.attempt, INSTANT, safe_to_repeat=True)
    assert call.calls == 1


async def test_never_policy_makes_one_attempt() -> None:
    call = Flaky(ConnectError("refused"))
    with pytest.raises(ConnectError):
        await retried(call.attempt, RetryPolicy.never(), safe_to_repeat=True)
    assert call.calls == 1


async def test_no_retry_whose_wait_would_overshoot_the_budget() -> None:
    call = Flaky(RateLimitedError("slow", retry_after=60.0))
    policy = RetryPolicy(attempts=5, max_elapsed=10.0, backoff_initial=0, jitter=0)
    started = time.monotonic()
    with pytest.raises(RateLimitedError):
        await retried(call.attempt, policy, safe_to_repeat=True)
    assert call.calls == 1
    assert time.monotonic() - started < 5.0


async def test_throttling_runs_out_of_time_not_of_attempts() -> None:
    """Defect: 429s used up 5 attempts in seconds while the 120 s budget was barely used."""
    throttled = [RateLimitedError("slow", retry_after=0.01) for _ in range(12)]
    call = Flaky(*throttled)
    policy = RetryPolicy(attempts=3, max_elapsed=5.0, backoff_initial=0, jitter=0)
    assert await retried(call.attempt, policy, safe_to_repeat=True) == "ok"
    assert call.calls == 13


async def test_a_tls_failure_is_not_retried() -> None:
    call = Flaky(TLSVerificationError("self-signed certificate"))
    with pytest.raises(TLSVerificationError):
        await retried(call.attempt, INSTANT, safe_to_repeat=True)
    assert call.calls == 1


async def test_before_sleep_sees_each_retry() -> None:
    seen: list[tuple[int, str]] = []

    def on_retry(number: int, delay: float, error: BaseException) -> None:
        seen.append((number, str(error)))

    call = Flaky(ConnectError("a"), ConnectError("b"))
    await retried(call.attempt, INSTANT, safe_to_repeat=True, on_retry=on_retry)
    assert seen == [(1, "a"), (2, "b")]
