"""Client-side rate limiting: a token bucket that every coroutine of a client shares.

The bucket is kept as a generic cell rate algorithm (GCRA): one number, the
theoretical arrival time of the next request, stands for the whole bucket. Each
caller reserves its slot at once and sleeps until it comes, so waiters are
served in order without a lock, and a 429 can push the slot of every waiter
back in one assignment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

#: How much of the lost rate one successful response wins back after a 429.
RECOVERY_FACTOR = 1.05
#: The longest a 429 may hold the bucket, whatever its Retry-After says.
MAX_PAUSE = 300.0


class TokenBucket:
    """``rate`` requests per second on average, at most ``burst`` at once.

    After a 429 the bucket pauses every caller for the server's Retry-After
    (at most ``MAX_PAUSE``) and halves its rate (never below ``min_rate``); each
    success then raises the rate by 5 % until it is back to ``rate``. Callers
    already waiting when the 429 arrives queue again behind the pause.
    """

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        min_rate: float | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if not rate > 0:  # also refuses NaN
            raise ValueError(f"rate must be > 0 requests per second, got {rate!r}")
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError(f"burst must be an integer >= 1, got {burst!r}")
        floor = min_rate if min_rate is not None else rate / 16
        if not 0 < floor <= rate:
            raise ValueError(f"min_rate must be > 0 and <= rate, got {min_rate!r}")
        self.target_rate = float(rate)
        self.rate = float(rate)
        self.burst = burst
        self.min_rate = float(floor)
        self._clock = clock
        self._tat = float("-inf")
        #: Counts 429s, so that a caller who slept through one knows to queue again.
        self._pauses = 0

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    @property
    def _tolerance(self) -> float:
        return (self.burst - 1) / self.rate

    def reserve(self, now: float) -> float:
        """Take the next slot; return how many seconds to wait for it."""
        tat = max(self._tat, now)
        self._tat = tat + 1.0 / self.rate
        return max(0.0, tat - self._tolerance - now)

    def try_reserve(self, now: float) -> float:
        """Take the next slot only if it is free now (0.0); else leave it and return the wait.

        This is how a server polices a rate: it refuses instead of queueing.
        """
        wait = max(self._tat, now) - self._tolerance - now
        if wait > 0:
            return wait
        return self.reserve(now)

    async def acquire(self) -> None:
        while True:
            pauses = self._pauses
            wait = self.reserve(self._now())
            if wait > 0:
                await asyncio.sleep(wait)
            if pauses == self._pauses:
                return
            # A 429 arrived while this caller waited: its slot predates the pause.

    def slow_down(self, retry_after: float | None) -> None:
        """The server said 429: halve the rate and hold every caller for ``retry_after``."""
        self._pauses += 1
        self.rate = max(self.min_rate, self.rate / 2)
        pause = min(retry_after, MAX_PAUSE) if retry_after is not None else 1.0 / self.rate
        # A slot at now + pause with the whole burst spent: the next caller waits `pause`.
        self._tat = max(self._tat, self._now() + pause + self._tolerance)

    def record_success(self) -> None:
        if self.rate < self.target_rate:
            self.rate = min(self.target_rate, self.rate * RECOVERY_FACTOR)
