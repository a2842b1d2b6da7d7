"""The GCRA token bucket, driven by an injected clock (rates chosen so the arithmetic is exact)."""

from __future__ import annotations

import asyncio
import math

import pytest

from mettl_async.ratelimit import MAX_PAUSE, RECOVERY_FACTOR, TokenBucket


class FakeClock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def bucket(rate: float = 4.0, burst: int = 3, **kw: float) -> tuple[TokenBucket, FakeClock]:
    clock = FakeClock()
    return TokenBucket(rate, burst, clock=clock, **kw), clock


# -- reserve ------------------------------------------------------------------------------


def test_burst_then_spacing_at_the_rate() -> None:
    limiter, clock = bucket(rate=4.0, burst=3)
    waits = [limiter.reserve(clock.now) for _ in range(6)]
    assert waits == [0.0, 0.0, 0.0, 0.25, 0.5, 0.75]


def test_waiters_are_served_in_order_of_arrival() -> None:
    limiter, clock = bucket(rate=2.0, burst=1)
    first, second, third = (limiter.reserve(clock.now) for _ in range(3))
    assert first < second < third
    assert (second - first, third - second) == (0.5, 0.5)


def test_idle_time_refills_the_burst_but_no_more() -> None:
    limiter, clock = bucket(rate=4.0, burst=2)
    assert [limiter.reserve(clock.now) for _ in range(3)] == [0.0, 0.0, 0.25]
    clock.now += 60.0  # a long pause: the burst is back, not 240 requests' worth
    assert [limiter.reserve(clock.now) for _ in range(3)] == [0.0, 0.0, 0.25]


def test_spaced_requests_never_wait() -> None:
    limiter, clock = bucket(rate=4.0, burst=1)
    for _ in range(10):
        assert limiter.reserve(clock.now) == 0.0
        clock.now += 0.25


# -- try_reserve --------------------------------------------------------------------------


def test_try_reserve_refuses_without_consuming() -> None:
    limiter, clock = bucket(rate=4.0, burst=2)
    assert limiter.try_reserve(clock.now) == 0.0
    assert limiter.try_reserve(clock.now) == 0.0
    assert limiter.try_reserve(clock.now) == 0.25
    assert limiter.try_reserve(clock.now) == 0.25  # the refusal took nothing
    clock.now += 0.25
    assert limiter.try_reserve(clock.now) == 0.0
    assert limiter.try_reserve(clock.now) == 0.25


def test_try_reserve_and_reserve_share_the_same_slots() -> None:
    limiter, clock = bucket(rate=4.0, burst=1)
    assert limiter.reserve(clock.now) == 0.0
    assert limiter.try_reserve(clock.now) == 0.25
    assert limiter.reserve(clock.now) == 0.25


# -- slow_down and recovery ---------------------------------------------------------------


def test_slow_down_halves_the_rate() -> None:
    limiter, _ = bucket(rate=8.0, burst=1)
    limiter.slow_down(None)
    assert limiter.rate == 4.0
    limiter.slow_down(0.0)
    assert limiter.rate == 2.0
    assert limiter.target_rate == 8.0


def test_slow_down_never_goes_below_min_rate() -> None:
    limiter, _ = bucket(rate=8.0, burst=1, min_rate=1.5)
    for _ in range(5):
        limiter.slow_down(None)
    assert limiter.rate == 1.5


def test_default_min_rate_is_a_sixteenth() -> None:
    limiter, _ = bucket(rate=8.0)
    for _ in range(10):
        limiter.slow_down(None)
    assert limiter.rate == 0.5


@pytest.mark.parametrize("min_rate", [10.0, 0.0, -1.0, float("nan")])
def test_min_rate_must_be_positive_and_at_most_rate(min_rate: float) -> None:
    with pytest.raises(ValueError, match="min_rate"):
        TokenBucket(4.0, min_rate=min_rate)


def test_slow_down_pauses_every_caller_for_retry_after() -> None:
    limiter, clock = bucket(rate=4.0, burst=3)
    limiter.slow_down(2.0)  # rate is now 2/s
    waits = [limiter.reserve(clock.now) for _ in range(3)]
    assert waits == [2.0, 2.5, 3.0]
    assert limiter.try_reserve(clock.now + 1.0) == 2.5  # a later arrival still waits the pause out


def test_slow_down_does_not_pull_a_later_queue_forward() -> None:
    limiter, clock = bucket(rate=4.0, burst=1)
    queued = [limiter.reserve(clock.now) for _ in range(20)]
    assert queued[-1] == 4.75
    limiter.slow_down(1.0)
    assert limiter.reserve(clock.now) >= 5.0


def test_slow_down_without_retry_after_waits_one_slot_at_the_new_rate() -> None:
    limiter, clock = bucket(rate=4.0, burst=1)
    limiter.slow_down(None)
    assert limiter.reserve(clock.now) == 0.5


def test_successes_recover_towards_the_target_rate() -> None:
    limiter, _ = bucket(rate=8.0)
    limiter.slow_down(None)
    steps_needed = math.ceil(math.log(2) / math.log(RECOVERY_FACTOR))
    for _ in range(steps_needed - 1):
        limiter.record_success()
    assert 4.0 < limiter.rate < 8.0
    limiter.record_success()
    assert limiter.rate == 8.0
    limiter.record_success()
    assert limiter.rate == 8.0


def test_success_at_full_rate_changes_nothing() -> None:
    limiter, _ = bucket(rate=8.0)
    limiter.record_success()
    assert limiter.rate == 8.0


# -- arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0, -1.0, math.nan])
def test_rate_must_be_positive(rate: float) -> None:
    with pytest.raises(ValueError, match="rate must be > 0"):
        TokenBucket(rate)


@pytest.mark.parametrize("burst", [0, -3, 2.5, True])
def test_burst_must_be_an_integer_of_at_least_one(burst: int) -> None:
    with pytest.raises(ValueError, match="burst must be an integer >= 1"):
        TokenBucket(1.0, burst)


# -- acquire (async by nature: it sleeps on the running loop's clock) ---------------------


async def test_acquire_sleeps_for_the_reserved_slot() -> None:
    limiter = TokenBucket(rate=50.0, burst=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    finished: list[int] = []

    async def call(n: int) -> None:
        await limiter.acquire()
        finished.append(n)

    await asyncio.gather(*(call(n) for n in range(4)))
    assert finished == [0, 1, 2, 3]
    assert loop.time() - started >= 3 / 50.0 - 0.005


async def test_callers_already_waiting_queue_again_behind_a_429() -> None:
    """A caller asleep towards a slot reserved before the 429 must not send during the pause."""
    limiter = TokenBucket(rate=20.0, burst=1)
    loop = asyncio.get_running_loop()
    sent: list[float] = []

    async def caller() -> None:
        await limiter.acquire()
        sent.append(loop.time())

    start = loop.time()
    waiting = [asyncio.create_task(caller()) for _ in range(4)]  # slots at 0, 50, 100, 150 ms
    await asyncio.sleep(0.01)
    limiter.slow_down(0.3)  # the first has sent; the other three are asleep
    await asyncio.gather(*waiting)
    assert sent[0] - start < 0.05
    assert all(t - start >= 0.3 for t in sent[1:])


def test_a_huge_retry_after_pauses_at_most_max_pause() -> None:
    limiter, clock = bucket(rate=4.0)
    limiter.slow_down(10**9)
    assert limiter.reserve(clock.now) == pytest.approx(MAX_PAUSE)
