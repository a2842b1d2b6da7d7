"""A clock that moves only when something waits on it, for tests of code that waits.

Give one clock to both sides of a test: the sandbox's config (``clock=fake.time``) and the
client (``clock=fake.time, sleep=fake.sleep``, see
:class:`~mettl_async.core.options.ClientOptions`). A retry's backoff, a 429's pause, the next
second of a single-use signature and the rate limiter's pacing then move the shared time on
instead of taking real time, and each wait is recorded in :attr:`FakeClock.slept`, for the
test to check what was waited.
"""

from __future__ import annotations

import asyncio
import time


class FakeClock:
    """Epoch seconds (:meth:`time`) that advance by what :meth:`sleep` is asked to wait.

    The sandbox reads it from its own thread: the time is one float, written only by ``sleep``.
    Concurrent sleepers each move it on by their own wait (time passes faster than a real
    clock's would when waits overlap, never slower): a wait is never cut short.
    """

    def __init__(self, start: float | None = None) -> None:
        #: The time now, in epoch seconds (starts at the real time unless told).
        self.now = time.time() if start is None else float(start)
        #: Every wait asked for, in order (seconds).
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Move the time on by ``seconds`` at once, then let other tasks run (as a real wait
        would)."""
        self.slept.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        """Move the time on without a wait (the test itself lets time pass)."""
        self.now += seconds

    @property
    def waited(self) -> float:
        """Seconds waited in all."""
        return sum(self.slept)
