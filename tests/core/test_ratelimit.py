"""The shared rate limiter, driven by an injected clock (rates chosen so the arithmetic is exact)."""

from __future__ import annotations

import asyncio
import itertools
import math

import pytest

from mettl_async.core.ratelimit import (
    DECREASE,
    FLOOR,
    INCREASE,
    MAX_PAUSE,
    MIN_STEP,
    RECOVER,
    SETTLE,
    RateLimiter,
)


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def limiter(rate: float | None = 4.0, burst: int = 3, **kw: float) -> tuple[RateLimiter, FakeClock]:
    clock = FakeClock()
    return RateLimiter(rate, burst, clock=clock, **kw), clock


# -- told a rate ------------------------------------------------------------------------------


def test_burst_then_spacing_at_the_rate() -> None:
    bucket, clock = limiter(rate=4.0, burst=3)
    assert [bucket.reserve(clock.now) for _ in range(6)] == [0.0, 0.0, 0.0, 0.25, 0.5, 0.75]


def test_waiters_are_served_in_order_of_arrival() -> None:
    bucket, clock = limiter(rate=2.0, burst=1)
    first, second, third = (bucket.reserve(clock.now) for _ in range(3))
    assert (second - first, third - second) == (0.5, 0.5)


def test_idle_time_refills_the_burst_but_no_more() -> None:
    bucket, clock = limiter(rate=4.0, burst=2)
    assert [bucket.reserve(clock.now) for _ in range(3)] == [0.0, 0.0, 0.25]
    clock.now += 60.0  # a long pause: the burst is back, not 240 requests' worth
    assert [bucket.reserve(clock.now) for _ in range(3)] == [0.0, 0.0, 0.25]


def test_spaced_requests_never_wait() -> None:
    bucket, clock = limiter(rate=4.0, burst=1)
    for _ in range(10):
        assert bucket.reserve(clock.now) == 0.0
        clock.now += 0.25


def test_try_reserve_refuses_without_consuming() -> None:
    bucket, clock = limiter(rate=4.0, burst=2)
    assert [bucket.try_reserve(clock.now) for _ in range(2)] == [0.0, 0.0]
    assert bucket.try_reserve(clock.now) == 0.25
    assert bucket.try_reserve(clock.now) == 0.25  # refusing took nothing
    clock.now += 0.25
    assert bucket.try_reserve(clock.now) == 0.0


# -- not told: unpaced until the server says 429 ------------------------------------------------


def test_not_told_a_rate_nothing_waits() -> None:
    bucket, clock = limiter(rate=None)
    assert bucket.rate is None
    assert all(bucket.reserve(clock.now) == 0.0 for _ in range(1000))


def test_the_first_429_paces_at_half_the_rate_being_sent() -> None:
    bucket, clock = limiter(rate=None, burst=1)
    for _ in range(40):  # 40 requests in the last half second: 80 per second
        bucket.reserve(clock.now)
        clock.now += 0.0125
    bucket.throttled(retry_after=1.0)
    assert bucket.rate == pytest.approx(80 * DECREASE, rel=0.05)
    assert bucket.reserve(clock.now) == pytest.approx(1.0)  # everyone waits out the Retry-After


def test_429s_of_one_congestion_lower_the_rate_once() -> None:
    bucket, clock = limiter(rate=10.0, burst=1)
    bucket.throttled(retry_after=1.0)
    bucket.throttled(retry_after=1.0)  # answers to requests already in flight
    assert bucket.rate == 10.0 * DECREASE
    clock.now += 5.0
    bucket.throttled(retry_after=1.0)  # a new congestion, nothing measured: halve again
    assert bucket.rate == 10.0 * DECREASE * DECREASE


def test_a_429_after_steady_sending_settles_just_under_what_got_through() -> None:
    """Paced at 60/s, 50/s accepted for two seconds: the server's limit is 50/s."""
    bucket, clock = limiter(rate=None, burst=1)
    bucket.reserve(clock.now)
    bucket.throttled(retry_after=0.0)  # the first 429 of an unpaced client: halve the rate sent
    bucket.rate = 60.0
    clock.now += 2.0  # past the pause and its calm
    for _ in range(150):  # three seconds at 50 accepted per second
        clock.now += 0.02
        bucket.succeeded()
    bucket.throttled(retry_after=1.0)
    assert bucket.rate == pytest.approx(50.0 * SETTLE, rel=0.02)


def test_idle_time_is_not_read_as_the_limit() -> None:
    """Few clean answers over a long quiet span say nothing about the limit: halve instead."""
    bucket, clock = limiter(rate=40.0, burst=1)
    bucket.succeeded()
    clock.now += 60.0
    bucket.succeeded()
    bucket.throttled(retry_after=1.0)
    assert bucket.rate == 40.0 * DECREASE


def test_the_rate_never_falls_below_the_floor() -> None:
    bucket, clock = limiter(rate=1.0, burst=1, floor=0.5)
    for _ in range(10):
        bucket.throttled(None)
        clock.now += 100.0
    assert bucket.rate == 0.5
    assert RateLimiter(None).floor == FLOOR


def test_a_pause_holds_every_caller_for_retry_after() -> None:
    bucket, clock = limiter(rate=4.0, burst=3)
    bucket.throttled(retry_after=2.0)
    assert bucket.reserve(clock.now) == pytest.approx(2.0)


def test_a_pause_never_pulls_a_later_queue_forward() -> None:
    bucket, clock = limiter(rate=1.0, burst=1)
    waits = [bucket.reserve(clock.now) for _ in range(5)]  # queue up to 4 s out
    bucket.throttled(retry_after=1.0)
    assert bucket.reserve(clock.now) > waits[-1]


def test_without_retry_after_the_pause_is_one_slot_at_the_new_rate() -> None:
    bucket, clock = limiter(rate=4.0, burst=1)
    bucket.throttled(None)
    assert bucket.reserve(clock.now) == pytest.approx(1 / (4.0 * DECREASE))


def test_a_huge_retry_after_pauses_at_most_max_pause() -> None:
    bucket, clock = limiter(rate=4.0, burst=1)
    bucket.throttled(retry_after=1e9)
    assert bucket.reserve(clock.now) <= MAX_PAUSE + 1


def test_clean_responses_raise_the_rate_once_a_second_up_to_the_rate_told() -> None:
    bucket, clock = limiter(rate=100.0, burst=1)
    bucket.throttled(retry_after=0.0)  # halved to 50; the last 429 was at 100
    clock.now += 1.0  # past the congestion
    rates = []
    for _ in range(60):
        bucket.succeeded()
        clock.now += 0.5
        rates.append(bucket.rate)
    assert rates == sorted(rates)
    assert rates[0] == 50.0
    assert rates[2] == pytest.approx(50.0 * (1 + RECOVER))  # quickly back towards the last 429's rate
    assert max(rates) <= 100.0
    below = [r for r in rates if r < 100.0 * SETTLE]
    above = [b - a for a, b in itertools.pairwise(rates) if a >= 100.0 * SETTLE and b > a]
    assert below
    assert all(step <= max(MIN_STEP, 100.0 * INCREASE) + 1e-9 for step in above)  # then gently


def test_not_told_the_rate_climbs_only_to_the_ceiling() -> None:
    bucket, clock = limiter(rate=None, burst=1, ceiling=6.0)
    bucket.reserve(clock.now)
    bucket.throttled(retry_after=0.0)
    for _ in range(200):
        clock.now += 1.0
        bucket.succeeded()
    assert bucket.rate == 6.0


@pytest.mark.parametrize("rate", [0, -1, math.nan, math.inf, True])
def test_rate_must_be_positive(rate: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(rate)


@pytest.mark.parametrize("burst", [0, -1, 1.5, True])
def test_burst_must_be_an_integer_of_at_least_one(burst: int) -> None:
    with pytest.raises(ValueError, match="burst"):
        RateLimiter(1.0, burst)


def test_a_ceiling_below_the_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="ceiling"):
        RateLimiter(10.0, ceiling=5.0)


async def test_acquire_sleeps_for_the_reserved_slot() -> None:
    bucket = RateLimiter(20.0, 1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(4):
        await bucket.acquire()
    assert loop.time() - started >= 0.15 - 0.01


async def test_callers_already_waiting_queue_again_behind_a_429() -> None:
    bucket = RateLimiter(10.0, 1)
    loop = asyncio.get_running_loop()
    done: list[float] = []

    async def caller() -> None:
        await bucket.acquire()
        done.append(loop.time())

    started = loop.time()
    tasks = [asyncio.create_task(caller()) for _ in range(3)]
    await asyncio.sleep(0.01)  # the first got through, two sleep towards their slots
    bucket.throttled(retry_after=0.3)
    await asyncio.gather(*tasks)
    assert done[0] - started < 0.05
    assert all(t - started >= 0.3 for t in done[1:])


# -- a margin for jitter ------------------------------------------------------------------------


async def test_a_client_told_the_servers_rate_and_burst_survives_a_late_first_arrival() -> None:
    """The server counts arrivals: the first request of a burst that reaches it late (here by
    90 % of an interval) must not make the following ones, on time, look early."""
    clock = FakeClock()

    async def sleep(seconds: float) -> None:
        clock.now += seconds

    client = RateLimiter(4.0, 3, clock=clock, sleep=sleep)
    server = RateLimiter(4.0, 3, clock=clock)
    refused = []
    for number in range(12):
        await client.acquire()
        late = 0.9 / 4.0 if number == 0 else 0.0
        refused.append(server.try_reserve(clock.now + late) > 0)
    assert not any(refused)
