"""Client-side rate limiting: one limiter shared by every coroutine of a client.

The pacing is a generic cell rate algorithm (GCRA): one number, the theoretical
arrival time of the next request, stands for a token bucket. Each caller
reserves its slot at once and sleeps until it comes, so waiters are served in
order without a lock, and a 429 pushes every waiter back in one assignment.

The rate adapts:

* told a rate, the limiter paces at it from the first request;
* not told, it does not pace at all until the server first says 429 (a web
  backend is never throttled by a guess), never above ``ceiling``.

At a 429 every caller is held for the server's ``Retry-After`` (callers already
asleep towards a slot queue again behind the pause), and the rate drops once per
congestion: to just under what got through since the last pause when that can be
measured (at least a second of sending, most of it accepted), else to half the
rate sent. Clean responses then raise it once a second: quickly back to just under
the limit measured, then gently, to find out whether the server allows more.
Every 429 costs a whole pause, so the policy aims at few of them.

The server counts a request when it arrives (or when its own loop gets to it), the client
when it sends: a request that reaches the server late (a new connection, the loop busy
decoding a page, either process descheduled) makes the next ones look closer together than
they were sent. So a caller of :meth:`RateLimiter.acquire` keeps :data:`JITTER` seconds of
the burst unspent (at least one request): told the server's own rate and burst, that much
jitter is absorbed instead of turning into a 429. It costs nothing at a steady rate, only
part of the burst after an idle time. (With a burst of 1 there is nothing to keep back:
tell a rate a little under the server's.)
"""

from __future__ import annotations

import asyncio
import collections
import math
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

#: The longest a 429 may hold the limiter, whatever its Retry-After says.
MAX_PAUSE = 300.0
#: Factor applied to the rate on a 429 when the server's limit cannot be measured yet.
DECREASE = 0.5
#: Share of the measured limit to pace at after a 429 (just under it).
SETTLE = 0.95
#: Seconds of clean sending, since the last pause, over which a limit can be measured.
MEASURE = 1.0
#: Share of the current rate added per second of clean responses (never less than MIN_STEP):
#: RECOVER up to SETTLE x the last measured limit, INCREASE above it (probing gently for more).
RECOVER = 0.25
INCREASE = 0.005
MIN_STEP = 0.5
#: The lowest rate the limiter will fall to (requests per second): under any server's limit.
FLOOR = 0.2
#: Seconds of sending over which the rate being sent is measured.
WINDOW = 1.0
#: Seconds of the server's burst a caller keeps unspent (at least one request's worth), for the
#: jitter between when requests are sent and when the server counts them.
JITTER = 0.1


class Limiter(Protocol):
    """What a session needs of a rate limiter: :class:`RateLimiter` in one process, or
    ``mettl_async.redisstore.RedisRateLimiter`` shared by several.

    ``throttled`` and ``succeeded`` are called from the session's coroutines without
    ``await``: they must not block.
    """

    @property
    def rate(self) -> float | None:
        """Requests per second now; ``None`` while nothing is paced."""
        ...

    async def acquire(self) -> None:
        """Wait for this request's slot."""
        ...

    def throttled(self, retry_after: float | None) -> None:
        """The server said 429 (``retry_after`` seconds, if it said)."""
        ...

    def succeeded(self) -> None:
        """A clean response."""
        ...


def _check_rate(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or math.isinf(value):
        raise ValueError(f"{name} must be a positive number of requests per second, got {value!r}")
    return float(value)


class RateLimiter:
    """``rate`` requests per second (``None``: find the server's limit), at most ``burst`` at once.

    ``ceiling`` bounds the rate the limiter may climb to when it adapts. ``clock`` (seconds,
    monotonic) and ``sleep`` replace the event loop's time and ``asyncio.sleep`` (a fake clock's,
    in tests: ``ClientOptions.sleep``).
    """

    def __init__(
        self,
        rate: float | None = None,
        burst: int = 1,
        *,
        ceiling: float | None = None,
        floor: float = FLOOR,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.told = _check_rate("rate", rate)
        self.ceiling = _check_rate("ceiling", ceiling)
        self.floor = _check_rate("floor", floor) or FLOOR
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError(f"burst must be an integer >= 1, got {burst!r}")
        if self.told is not None and self.ceiling is not None and self.ceiling < self.told:
            raise ValueError(f"ceiling ({ceiling!r}) must not be below rate ({rate!r})")
        self.burst = burst
        #: Requests per second now; ``None`` while nothing is paced.
        self.rate: float | None = (
            self.told if self.ceiling is None else min(self.told or math.inf, self.ceiling)
        )
        if self.rate == math.inf:
            self.rate = None
        self._clock = clock
        self._sleep = sleep
        #: The loop whose clock the times below are read from, and that clock minus
        #: ``time.monotonic()`` (to carry them over to the next loop's clock).
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_offset = 0.0
        self._tat = -math.inf
        #: Counts pauses, so that a caller who slept through one knows to queue again.
        self.pauses = 0
        #: Until when 429s belong to the congestion already answered (no second decrease).
        self._calm_after = -math.inf
        self._raised_at: float | None = None
        #: The limit measured (or guessed) at the last 429: recovery is quick below it.
        self._peak: float | None = None
        #: Clean responses since ``_calm_since`` (the end of the last pause): what got through.
        self._clean = 0
        self._calm_since: float | None = None
        self._sent: collections.deque[float] = collections.deque()
        #: Until when every caller is held (the server's Retry-After).
        self.paused_until = -math.inf

    def _now(self) -> float:
        if self._clock:
            return self._clock()
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._follow(loop)
        return loop.time()

    def _follow(self, loop: asyncio.AbstractEventLoop) -> None:
        """Read time from ``loop`` from now on (a client kept across ``asyncio.run`` calls
        meets a new loop each time), carrying the pacing state over to its clock."""
        offset = loop.time() - time.monotonic()
        if self._loop is not None:
            self.shift(offset - self._loop_offset)
        self._loop, self._loop_offset = loop, offset

    def shift(self, seconds: float) -> None:
        """Move every time the limiter holds by ``seconds`` (a new clock's origin)."""
        self._tat += seconds
        self.paused_until += seconds
        self._calm_after += seconds
        if self._raised_at is not None:
            self._raised_at += seconds
        if self._calm_since is not None:
            self._calm_since += seconds
        self._sent = collections.deque(t + seconds for t in self._sent)

    @property
    def _limit(self) -> float:
        """The highest rate the limiter may adapt up to."""
        return min(self.told or math.inf, self.ceiling or math.inf)

    @property
    def _tolerance(self) -> float:
        return (self.burst - 1) / self.rate if self.rate else 0.0

    def reserve(self, now: float, *, margin: float = 0.0) -> float:
        """Take the next slot; return how many seconds to wait for it. ``margin``: seconds of the
        burst to leave unspent, at least one request's (as if the burst were that much smaller)."""
        self._note_sent(now)
        if self.rate is None:
            return max(0.0, self.paused_until - now)
        tat = max(self._tat, now)
        self._tat = tat + 1.0 / self.rate
        tolerance = max(0.0, self._tolerance - max(margin, 1.0 / self.rate)) if margin else self._tolerance
        return max(0.0, tat - tolerance - now)

    def try_reserve(self, now: float) -> float:
        """Take the next slot only if it is free now (0.0); else leave it and return the wait.

        This is how a server polices a rate: it refuses instead of queueing.
        """
        if self.rate is None:
            return self.reserve(now)
        wait = max(self._tat, now) - self._tolerance - now
        return wait if wait > 0 else self.reserve(now)

    async def acquire(self) -> None:
        """Wait for the next slot, keeping :data:`JITTER` seconds of the burst unspent."""
        while True:
            pauses = self.pauses
            wait = self.reserve(self._now(), margin=JITTER)
            if wait > 0:
                await self._sleep(wait)
            if pauses == self.pauses:
                return
            # A 429 arrived while this caller waited: its slot predates the pause.

    def _note_sent(self, now: float) -> None:
        sent = self._sent
        sent.append(now)
        while sent and sent[0] < now - WINDOW:
            sent.popleft()

    def sending_rate(self, now: float) -> float:
        """Requests per second reserved over the last :data:`WINDOW` (or since the first)."""
        sent = self._sent
        while sent and sent[0] < now - WINDOW:
            sent.popleft()
        if not sent:
            return self.floor
        span = max(now - sent[0], 1.0 / len(sent), 0.05)
        return len(sent) / min(span, WINDOW)

    def throttled(self, retry_after: float | None) -> None:
        """The server said 429: hold every caller for ``retry_after`` and, once per congestion,
        lower the rate."""
        now = self._now()
        self.pauses += 1
        if now >= self._calm_after:
            current = self.rate if self.rate is not None else self.sending_rate(now)
            span = now - self._calm_since if self._calm_since is not None else 0.0
            accepted = self._clean / span if span >= MEASURE else None
            if accepted is not None and current * DECREASE <= accepted < current:
                # Sending above the limit for a while: what got through *is* the limit. (Far
                # below what was sent, it says more about idle time than about the limit.)
                self._peak = accepted
                self.rate = max(self.floor, accepted * SETTLE)
            else:  # a burst, or too soon to tell: halve
                self._peak = current
                self.rate = max(self.floor, current * DECREASE)
            self._raised_at = None
        assert self.rate is not None
        pause = min(retry_after, MAX_PAUSE) if retry_after is not None else 1.0 / self.rate
        self.paused_until = max(self.paused_until, now + pause)
        # A slot at the pause's end with the whole burst spent: the next caller waits `pause`.
        self._tat = max(self._tat, self.paused_until + self._tolerance)
        # Answers to requests sent before this pause are the same congestion.
        self._calm_after = max(self._calm_after, self.paused_until + 1.0 / self.rate)
        self._calm_since, self._clean = self._calm_after, 0

    def pause_left(self) -> float:
        """Seconds every caller is still held by a 429 (0.0 when none holds them)."""
        return max(0.0, self.paused_until - self._now())

    def succeeded(self) -> None:
        """A clean response: raise the rate a step towards the limit, once per second."""
        now = self._now()
        if self._calm_since is None:
            self._calm_since = now
        if now >= self._calm_since:
            self._clean += 1
        if self.rate is None or self.rate >= self._limit:
            return
        if now < self._calm_after:
            return
        if self._raised_at is None:
            self._raised_at = now
            return
        elapsed = now - self._raised_at
        if elapsed >= 1.0:
            settled = self._peak * SETTLE if self._peak is not None else math.inf
            if self.rate < settled:  # back towards just under the last 429's rate, quickly
                self.rate = min(
                    self._limit, settled, self.rate + max(MIN_STEP, self.rate * RECOVER) * elapsed
                )
            else:  # then probe for more, gently
                self.rate = min(self._limit, self.rate + max(MIN_STEP, self.rate * INCREASE) * elapsed)
            self._raised_at = now
