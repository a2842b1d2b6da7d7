"""The uniqueness store of ``mettl_async.core.uniqueness``, shared by processes through Redis.

*Claims.* A (request, second) pair is one key, set with ``SET NX EX``: the
first process to set it signs that request in that second; any other waits for
the next. A claim lives :data:`CLAIM_TTL` seconds. It must outlive the second by
as much as the clocks of the processes sharing a key may differ (a process whose
clock runs 30 s behind signs "second s" 30 s later), and no longer, so that
Redis holds at most (distinct requests per second x TTL) small keys. Two
minutes covers hosts kept by NTP with a wide margin; clocks further apart are
still safe, only slower: the server refuses the reused signature and the
session retries it in the next second, re-signed.

*Nonces.* Each process takes blocks of :data:`NONCE_BLOCK` numbers from one
counter with ``INCRBY`` and hands them out locally, so no two processes on one
store ever get the same nonce. The counter starts at Redis's clock in
microseconds x 1000 (about 1.8e18, the scale of the in-process nonces) and grows
by one per nonce, so it stays positive and below 2**63 (until the year 2262),
and a Redis restarted without its data starts again above every value it gave
(that would take a billion nonces a second to catch up with the clock).

Both fall back to the in-process store (:data:`mettl_async.core.uniqueness.LOCAL`)
while Redis cannot be used; claims are also noted there, so a process never
repeats its own signature across an outage.
"""

from __future__ import annotations

import hashlib
import os

from ..core.uniqueness import LOCAL, LocalUniqueness
from . import scripts
from .link import REDIS_ERRORS, RedisLink

#: Seconds a (request, second) claim is kept (see the module's text).
CLAIM_TTL = 120
#: Nonces a process takes from the shared counter at once.
NONCE_BLOCK = 1000
#: Seconds the nonce counter outlives its last use (memory for names no longer used).
NONCE_TTL = 7 * 86_400


class RedisUniqueness:
    """Claims and nonces unique across every process using the same budget name."""

    def __init__(
        self,
        link: RedisLink,
        namespace: str,
        *,
        claim_ttl: int = CLAIM_TTL,
        block: int = NONCE_BLOCK,
        fallback: LocalUniqueness = LOCAL,
    ) -> None:
        if isinstance(claim_ttl, bool) or not isinstance(claim_ttl, int) or claim_ttl < 2:
            raise ValueError(f"claim_ttl must be an integer of at least 2 seconds, got {claim_ttl!r}")
        if isinstance(block, bool) or not isinstance(block, int) or not 1 <= block <= 1_000_000:
            raise ValueError(f"block must be an integer from 1 to 1000000, got {block!r}")
        self.link = link
        self.claim_ttl = claim_ttl
        self.block = block
        self.fallback = fallback
        self._prefix = f"{namespace}:claim:"
        self._counter = f"{namespace}:nonce"
        self._take_block = link.script(scripts.NONCE_BLOCK)
        #: The block of nonces being handed out, and the process it was taken for (a child
        #: forked with a block must not hand out the same numbers as its parent).
        self._next, self._last, self._pid = 1, 0, 0

    def __repr__(self) -> str:
        return f"RedisUniqueness(link={self.link!r})"

    async def claim(self, key: bytes, second: int) -> bool:
        """Take ``second`` for the request ``key`` across every process; false when taken."""
        if not self.fallback.claim_now(key, second):
            return False  # this process signed it already: no need to ask
        if not await self.link.ready():
            return True
        name = f"{self._prefix}{hashlib.blake2b(key, digest_size=16).hexdigest()}:{second}"
        try:
            taken = await self.link.client.set(name, b"", nx=True, ex=self.claim_ttl)
        except REDIS_ERRORS as error:
            self.link.failed(error)
            return True
        self.link.worked()
        return bool(taken)

    async def nonce(self) -> int:
        """A positive number below 2**63 no process on this store got before."""
        if self._next <= self._last and self._pid == os.getpid():
            value = self._next
            self._next += 1
            return value
        if await self.link.ready():
            try:
                reply: bytes = await self._take_block(keys=(self._counter,), args=(self.block, NONCE_TTL))
            except REDIS_ERRORS as error:
                self.link.failed(error)
            else:
                self.link.worked()
                last = int(reply.decode())
                first = last - self.block + 1
                if self._next > self._last or self._pid != os.getpid():  # not refilled meanwhile
                    self._next, self._last, self._pid = first + 1, last, os.getpid()
                return first
        return self.fallback.nonce_now()
