"""Webhook deliveries remembered across receivers, through Redis.

Several ``webhooks serve`` processes behind one address (a load balancer, a second machine)
each remember the deliveries they handled (:class:`~mettl_async.webhooks.receiver.RecentKeys`);
with this store, a delivery one receiver handled is known to all: a platform's redelivery to
another receiver is acknowledged without landing it again. A delivery is remembered only once
it was handled (landed durably), for ``ttl`` seconds, under a hash of its key. While Redis
cannot be used, each receiver goes on with what it remembers itself (a redelivery then lands
again: an upsert, the same row).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Hashable

from ..webhooks.receiver import RecentKeys
from .link import REDIS_ERRORS, RedisLink

#: Seconds a handled delivery is remembered in Redis (platforms redeliver within hours).
TTL = 86_400


class SharedRecentKeys(RecentKeys):
    """:class:`RecentKeys` whose handled deliveries every receiver on the same Redis knows."""

    def __init__(self, link: RedisLink, *, ttl: int = TTL, size: int = 10_000) -> None:
        super().__init__(size)
        self.link = link
        self.ttl = ttl
        self._writes: set[asyncio.Task[None]] = set()

    @staticmethod
    def name(key: Hashable) -> str:
        """The Redis key of a delivery: a hash of its key (an e-mail address never shows)."""
        digest = hashlib.blake2b(repr(key).encode(), digest_size=16, person=b"mettl-webhook").hexdigest()
        return f"mettl_async:webhook:{digest}"

    async def claim(self, key: Hashable) -> bool:
        if key not in self and await self.link.ready():
            try:
                seen = await self.link.client.exists(self.name(key))
            except REDIS_ERRORS as error:
                self.link.failed(error)
            else:
                self.link.worked()
                if seen:
                    self.add(key)  # another receiver handled it
        return await super().claim(key)

    def release(self, key: Hashable, *, handled: bool) -> None:
        super().release(key, handled=handled)
        if handled:
            task = asyncio.get_running_loop().create_task(self._remember(key))
            self._writes.add(task)
            task.add_done_callback(self._writes.discard)

    async def _remember(self, key: Hashable) -> None:
        try:
            await self.link.client.set(self.name(key), b"1", ex=self.ttl)
        except REDIS_ERRORS as error:
            self.link.failed(error)
        else:
            self.link.worked()

    async def drain(self) -> None:
        """Wait for the deliveries still being written to Redis."""
        while self._writes:
            await asyncio.wait(set(self._writes))
