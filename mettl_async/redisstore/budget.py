"""Switching the shared budget on: one call giving a client's ``limiter`` and ``uniqueness``."""

from __future__ import annotations

from types import TracebackType
from typing import NamedTuple

from ..core.errors import ConfigurationError
from ..core.ratelimit import FLOOR
from .limiter import STATE_TTL, RedisRateLimiter
from .link import RETRY_EVERY, TIMEOUT, RedisLink, namespace
from .uniqueness import CLAIM_TTL, RedisUniqueness


class SharedBudget(NamedTuple):
    """A budget's limiter and uniqueness store (unpack it, or pass its fields to a client).

    Close it when done (``await budget.aclose()`` or ``async with``): background
    updates are finished and the Redis connections closed. Clients using it do
    not close it, so one budget may serve many clients of a process.
    """

    limiter: RedisRateLimiter
    uniqueness: RedisUniqueness

    @property
    def link(self) -> RedisLink:
        """The connection both share, and whether Redis is in use (``link.up``)."""
        return self.limiter.link

    async def aclose(self) -> None:
        """Finish the background updates and close the connections."""
        await self.limiter.drain()
        await self.link.close()

    async def __aenter__(self) -> SharedBudget:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def shared_budget(
    redis_url: str,
    name: str,
    rate: float | None = None,
    burst: int = 1,
    *,
    ceiling: float | None = None,
    floor: float = FLOOR,
    timeout: float = TIMEOUT,
    retry_every: float = RETRY_EVERY,
    claim_ttl: int = CLAIM_TTL,
    state_ttl: int = STATE_TTL,
) -> SharedBudget:
    """One rate budget and uniqueness store for every process naming the same budget::

        limiter, uniqueness = shared_budget("redis://cache:6379/0", name="acct-key-id", rate=40)
        client = CertiCheckClient(limiter=limiter, uniqueness=uniqueness)

    ``name`` identifies the budget, normally the API key's id (one budget per key);
    it is hashed before it becomes a Redis key name, so even a secret would not
    show. ``rate``, ``burst``, ``ceiling`` and ``floor`` are as for the in-process
    limiter and should be the same in every process. Nothing is sent until the
    first request; if Redis cannot be reached then or later, one warning is logged
    and the process uses its in-process limiter (with its share of the rate) and
    store, trying Redis again every ``retry_every`` seconds. ``timeout`` bounds
    each call to Redis.

    Make one per process and event loop (in a pre-forking server, in each worker
    after the fork, e.g. in the app's startup hook): its connections belong to the
    loop that first uses them.
    """
    if not isinstance(name, str) or not name:
        raise ConfigurationError("name must be a non-empty text naming the budget (the API key's id)")
    if not timeout > 0 or not retry_every > 0:
        raise ConfigurationError(
            f"timeout and retry_every must be > 0 seconds, got {timeout!r}, {retry_every!r}"
        )
    link = RedisLink.from_url(redis_url, timeout=timeout, retry_every=retry_every)
    prefix = namespace(name)
    try:
        limiter = RedisRateLimiter(
            link, prefix, rate, burst, ceiling=ceiling, floor=floor, state_ttl=state_ttl
        )
        uniqueness = RedisUniqueness(link, prefix, claim_ttl=claim_ttl)
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    return SharedBudget(limiter, uniqueness)
