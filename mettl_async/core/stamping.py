"""What makes each attempt unique and on time: the clock (corrected from the server's), a
single-use signature's second, a nonce.

A ``ts`` is never issued ahead of the corrected clock (a future ``ts`` would collide with other
processes for as long as it stayed ahead): an identical request already signed in this second
waits for the next one, its second claimed from a :class:`~.uniqueness.UniquenessStore` (in
process, or shared through Redis).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from .auth import AuthScheme, Stamp
from .request import Request
from .telemetry import ClockCorrected, SessionEvent, WaitingForSecond
from .uniqueness import LocalUniqueness, UniquenessStore


class Stamper:
    """The stamps of one session's attempts; ``emit`` tells listeners of waits and corrections."""

    def __init__(
        self,
        auth: AuthScheme,
        base_url: str,
        clock: Callable[[], float],
        uniqueness: UniquenessStore,
        emit: Callable[[SessionEvent], None],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.auth = auth
        self.base_url = base_url
        self.clock = clock
        self.uniqueness = uniqueness
        #: Seconds to add to ``clock()`` to get the server's time; set after a clock rejection.
        self.offset = 0.0
        self._emit = emit
        self._sleep = sleep
        #: The in-process store answers at once: asked directly, not through a coroutine.
        self._claim_now = uniqueness.claim_now if isinstance(uniqueness, LocalUniqueness) else None

    def now(self) -> float:
        """The server's time as best known: the local clock plus the correction."""
        return self.clock() + self.offset

    def correct(self, server_time: datetime, request: Request) -> float:
        """Take the server's time (from the ``Date`` of a refusal of ``request``'s time)."""
        self.offset = server_time.timestamp() - self.clock()
        self._emit(ClockCorrected(self.offset, request.method, self.base_url + request.path))
        return self.offset

    async def stamp(self, request: Request) -> Stamp:
        """What makes this attempt unique. An identical request already signed in this second
        waits for the next one: a ``ts`` is never issued ahead of the clock."""
        key = self.auth.unique_key(request, self.base_url)
        now = self.now()
        second = None
        if key is not None:
            second = await self._recent_second(key, int(now))
        if key is not None and second is None:
            second = int(now)
            claim_now = self._claim_now
            while not (claim_now(key, second) if claim_now else await self.uniqueness.claim(key, second)):
                delay = max(0.0, second + 1 - self.now()) + 0.001
                url = self.base_url + request.path
                self._emit(WaitingForSecond(request.method, url, delay, time.time() + delay))
                await self._sleep(delay)
                now = self.now()
                second = max(second + 1, int(now))
        nonce = await self.uniqueness.nonce() if self.auth.uses_nonce else None
        return Stamp(time=now, second=second, nonce=nonce)

    async def _recent_second(self, key: bytes, second: int) -> int | None:
        """``second``, or else one of the seconds just before it that nobody used for ``key``, if
        the store knows every claim of them (its ``look_back``, 0 by default): a past ``ts`` is as
        valid, never ahead of the clock, and needs no wait. A run started right after another
        found its first request signed by the other in this very second, and lost the rest of it."""
        for back in range(getattr(self.uniqueness, "look_back", 0) + 1):
            if await self.uniqueness.claim(key, second - back):
                return second - back
        return None
