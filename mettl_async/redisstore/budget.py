"""A shared budget: a client's ``limiter`` and ``uniqueness``, through Redis."""

from __future__ import annotations

from types import TracebackType
from typing import NamedTuple

from .limiter import RedisRateLimiter
from .link import RedisLink
from .uniqueness import RedisUniqueness


class SharedBudget(NamedTuple):
    """A budget's limiter and uniqueness store (unpack it, or pass its fields to a client).

    Close it when done (``await budget.aclose()``, ``async with``, or ``budget.close()`` from
    synchronous code): background updates are finished and, once no other budget of its
    registry is open, the Redis connections closed. Clients using it do not close it, so one
    budget may serve many clients of a process.
    """

    limiter: RedisRateLimiter
    uniqueness: RedisUniqueness

    @property
    def link(self) -> RedisLink:
        """The connection both share (with every budget of their registry), and whether Redis is
        in use (``link.up``)."""
        return self.limiter.link

    async def aclose(self) -> None:
        """Finish the background updates; the last budget of its registry closes the connections."""
        await self.limiter.drain()
        await self.link.release()

    def close(self) -> None:
        """:meth:`aclose` from synchronous code (the connections are closed in the event loop
        they belong to: a synchronous client's)."""
        self.link.release_blocking()

    async def __aenter__(self) -> SharedBudget:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
