"""A rate limiter shared by every process that names the same budget, held in Redis.

It has the public face of :class:`mettl_async.core.ratelimit.RateLimiter` (what a
session uses: ``acquire``, ``throttled``, ``succeeded``, ``rate``) and its policy;
the state lives in one Redis hash, changed only by the Lua in ``scripts.py``, so
a 429 answered to one process holds and slows them all.

``throttled`` and ``succeeded`` are called by the session without ``await``:
they schedule the Redis update as a background task, tracked until it ends; a
task's failure is logged, never lost, and a 429 whose update cannot reach Redis
is given to the in-process fallback instead. :meth:`RedisRateLimiter.acquire` first waits for
this process's pending 429 updates, so its own next request already sees them.

While Redis cannot be used, each process paces with an in-process
:class:`RateLimiter` holding its share of the budget: the rate (told, or last
seen in Redis) divided by the processes seen alive in the last few seconds.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from ..core.ratelimit import (
    DECREASE,
    FLOOR,
    INCREASE,
    MAX_PAUSE,
    MEASURE,
    MIN_STEP,
    RECOVER,
    SETTLE,
    WINDOW,
    RateLimiter,
)
from . import scripts
from .link import REDIS_ERRORS, RedisLink

log = logging.getLogger("mettl_async.redisstore")

#: Seconds the shared state outlives its last use: a budget idle for an hour starts afresh
#: (as a new process would), and names no longer used do not stay in Redis.
STATE_TTL = 3600
#: Seconds a process counts as alive after its last request (to share the budget on fallback).
PEER_TTL = 10.0
#: How often a process says it is alive.
HEARTBEAT_EVERY = 1.0
#: Shortest interval between two rate increases sent from one process (the script itself raises
#: at most once a second; this only saves round trips).
SUCCESS_EVERY = 0.25


def _number(value: float | None) -> str:
    return "" if value is None else repr(float(value))


class RedisRateLimiter:
    """``rate`` requests per second shared through Redis (``None``: find the server's limit).

    ``burst``, ``ceiling`` and ``floor`` mean what they mean for :class:`RateLimiter`;
    every process sharing a budget should pass the same values. ``clock`` is for
    tests only: it replaces Redis's clock in the scripts.
    """

    def __init__(
        self,
        link: RedisLink,
        namespace: str,
        rate: float | None = None,
        burst: int = 1,
        *,
        ceiling: float | None = None,
        floor: float = FLOOR,
        state_ttl: int = STATE_TTL,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if isinstance(state_ttl, bool) or not isinstance(state_ttl, int) or state_ttl < 1:
            raise ValueError(f"state_ttl must be an integer of at least 1 second, got {state_ttl!r}")
        # Checked (ValueError) and kept as this process's fallback until an outage builds a share.
        self._fallback = RateLimiter(rate, burst, ceiling=ceiling, floor=floor)
        self.link = link
        self.told, self.burst, self.ceiling = self._fallback.told, burst, self._fallback.ceiling
        self.floor = self._fallback.floor
        self._keys = (f"{namespace}:limiter", f"{namespace}:sent", f"{namespace}:peers")
        self._settings = (
            _number(self.told),
            _number(self.ceiling),
            _number(self.floor),
            str(burst),
            str(int(state_ttl)),
            *(
                _number(x)
                for x in (DECREASE, INCREASE, MIN_STEP, MAX_PAUSE, WINDOW, SETTLE, MEASURE, RECOVER)
            ),
        )
        self._clock = clock
        self._acquire = link.script(scripts.ACQUIRE)
        self._throttled = link.script(scripts.THROTTLED)
        self._succeeded = link.script(scripts.SUCCEEDED)
        #: This limiter in the set of processes alive (made again in a forked child).
        self._token, self._token_pid = "", 0
        self._heartbeat_at = -float("inf")
        self._fallback_outage = 0
        #: The shared rate as last seen (``None``: unpaced), and the processes last seen alive.
        self._rate: float | None = self._fallback.rate
        self.peers = 1
        self._tasks: set[asyncio.Task[None]] = set()
        self._pending_pauses: set[asyncio.Task[None]] = set()
        self._success_at = -float("inf")
        self._success_task: asyncio.Task[None] | None = None
        #: Clean responses not yet counted in Redis.
        self._unsent_clean = 0

    def __repr__(self) -> str:
        return f"RedisRateLimiter(told={self.told!r}, rate={self.rate!r}, link={self.link!r})"

    @property
    def rate(self) -> float | None:
        """Requests per second now, for the whole budget (``None``: unpaced); while Redis is
        down, this process's share."""
        return self._rate if self.link.up else self._local().rate

    # -- the scripts -------------------------------------------------------------------------

    async def _run(self, script: Any, *args: str) -> Any:
        now = "" if self._clock is None else f"{self._clock():.6f}"
        reply = await script(keys=self._keys, args=(*self._settings, now, *args))
        self.link.worked()
        return reply

    async def reserve(self, seen: int | None = None) -> tuple[float, int]:
        """Take the next shared slot: ``(seconds to wait, pauses so far)``. With ``seen`` (the
        pauses a caller slept under), the slot already taken stands if no 429 came since.
        Raises one of ``REDIS_ERRORS`` when Redis cannot be used."""
        now = time.monotonic()
        heartbeat = now - self._heartbeat_at >= HEARTBEAT_EVERY
        if heartbeat and self._token_pid != os.getpid():
            self._token, self._token_pid = os.urandom(8).hex(), os.getpid()
        reply: Sequence[bytes] = await self._run(
            self._acquire,
            "" if seen is None else str(seen),
            self._token if heartbeat else "",
            _number(PEER_TTL),
        )
        wait, pauses, rate, peers = (part.decode() for part in reply)
        self._rate = float(rate) if rate else None
        if heartbeat:
            self._heartbeat_at = now
            self.peers = max(1, int(peers))
        return float(wait), int(pauses)

    async def record_throttled(self, retry_after: float | None) -> float:
        """Apply a 429 to the shared state; returns the new shared rate."""
        rate, _pause = await self._run(self._throttled, _number(retry_after))
        self._rate = float(rate.decode())
        return self._rate

    async def record_succeeded(self, count: int = 1) -> float | None:
        """Apply ``count`` clean responses to the shared state; returns the shared rate."""
        rate: bytes = await self._run(self._succeeded, str(count))
        self._rate = float(rate.decode()) if rate else None
        return self._rate

    # -- what the session calls --------------------------------------------------------------

    async def acquire(self) -> None:
        """Wait for this request's slot in the shared budget (or, while Redis is down, in this
        process's share of it)."""
        if self._pending_pauses:
            await asyncio.wait(set(self._pending_pauses))
        seen: int | None = None
        while await self.link.ready():
            try:
                wait, pauses = await self.reserve(seen)
            except REDIS_ERRORS as error:
                self.link.failed(error)
                break
            if wait <= 0:
                return
            seen = pauses
            await asyncio.sleep(wait)
            # Slept towards a slot taken before: it stands unless a 429 came meanwhile.
        await self._local().acquire()

    def throttled(self, retry_after: float | None) -> None:
        """The server said 429: hold and slow every process of the budget (in the background)."""
        if not self.link.up:
            self._local().throttled(retry_after)
            return
        task = self._spawn(self._throttle(retry_after))
        self._pending_pauses.add(task)
        task.add_done_callback(self._pending_pauses.discard)

    def succeeded(self) -> None:
        """A clean response: let the shared rate rise (in the background, a few times a second
        at most, and only while it is below the limit)."""
        if not self.link.up:
            self._local().succeeded()
            return
        self._unsent_clean += 1  # counted towards the limit a 429 measures, sent in batches
        now = time.monotonic()
        if now - self._success_at < SUCCESS_EVERY or self._success_task is not None:
            return
        self._success_at = now
        self._success_task = self._spawn(self._raise())

    async def _throttle(self, retry_after: float | None) -> None:
        try:
            await self.record_throttled(retry_after)
        except REDIS_ERRORS as error:
            self.link.failed(error)
            self._local().throttled(retry_after)

    async def _raise(self) -> None:
        count, self._unsent_clean = self._unsent_clean, 0
        try:
            await self.record_succeeded(count)
        except REDIS_ERRORS as error:
            self.link.failed(error)
        finally:
            self._success_task = None

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("updating the shared rate limiter failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for the background updates still running."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    # -- the fallback ------------------------------------------------------------------------

    def _local(self) -> RateLimiter:
        """This process's in-process limiter, rebuilt at each outage with its share of the
        budget: the rate divided by the processes alive when Redis was last reached."""
        if self._fallback_outage != self.link.outages:
            self._fallback_outage = self.link.outages
            share = max(1, self.peers)
            told = self.told / share if self.told else None
            ceiling = self.ceiling / share if self.ceiling else None
            local = RateLimiter(told, max(1, self.burst // share), ceiling=ceiling, floor=self.floor)
            if self._rate is not None:  # what the budget had learnt, shared out
                cap = min(told or float("inf"), ceiling or float("inf"))
                local.rate = max(self.floor, min(self._rate / share, cap))
            self._fallback = local
        return self._fallback
