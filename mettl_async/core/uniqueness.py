"""What must never repeat: a signed second per request (Mettl) and nonces (ProctorExam).

Mettl signatures are single-use and ``ts`` has one-second resolution, so two
identical requests in one second sign identically and the second is refused. A
store hands out each (request, second) pair once; a caller refused waits for the
next second. No ``ts`` is ever issued ahead of the clock: a future ``ts`` would
collide with other processes for as long as it stayed ahead.

ProctorExam wants a nonce never repeated within 24 hours on one key.

:class:`LocalUniqueness` holds both for one process (the default, shared by every
client of the process). A store shared by several processes (Redis) implements
the same two methods.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from typing import Protocol


class UniquenessStore(Protocol):
    async def claim(self, key: bytes, second: int) -> bool:
        """Take ``second`` for the request ``key``; false when it was taken before."""
        ...

    async def nonce(self) -> int:
        """A number never handed out before (within 24 hours, on this store)."""
        ...


#: Nonces are microseconds times this, plus a tag that differs between processes.
NONCE_TAGS = 1000


def _process_tag() -> int:
    return (os.getpid() ^ random.getrandbits(16)) % NONCE_TAGS


class LocalUniqueness:
    """The in-process store: thread-safe, bounded to the seconds not yet past."""

    def __init__(self, *, clock: Callable[[], float] = time.time, tag: int | None = None) -> None:
        self._claimed: set[tuple[bytes, int]] = set()
        self._pruned_at: int | None = None
        self._lock = threading.Lock()
        self._clock = clock
        # Two processes share a tag with probability 1/1000, and then collide only on the same
        # microsecond; a shared store (Redis) removes even that.
        self.tag = tag if tag is not None else _process_tag()
        self._last_micros = 0
        if tag is None:  # a forked worker must not keep its parent's tag
            os.register_at_fork(after_in_child=self._retag)

    def _retag(self) -> None:
        self.tag = _process_tag()
        self._lock = threading.Lock()

    async def claim(self, key: bytes, second: int) -> bool:
        return self.claim_now(key, second)

    def claim_now(self, key: bytes, second: int) -> bool:
        with self._lock:
            if self._pruned_at is None or second > self._pruned_at:
                # Seconds before the one claimed now are never claimed again (the clock
                # moves on); later ones are kept, in case a clock correction moved it back.
                self._claimed = {c for c in self._claimed if c[1] >= second}
                self._pruned_at = second
            if (key, second) in self._claimed:
                return False
            self._claimed.add((key, second))
            return True

    async def nonce(self) -> int:
        return self.nonce_now()

    def nonce_now(self) -> int:
        with self._lock:
            micros = max(int(self._clock() * 1_000_000), self._last_micros + 1)
            self._last_micros = micros
            return micros * NONCE_TAGS + self.tag


#: The store every client of this process uses unless given another.
LOCAL = LocalUniqueness()
