"""Budgets by name over one Redis client per process: a fleet of accounts, one connection pool.

A process harvesting 200 accounts shares one rate budget per account with the other processes
of its fleet, and needs one connection pool to Redis for all of them, not 200. A
:class:`BudgetRegistry` holds that client (made from a URL, one per event loop; or yours, a
``redis.asyncio.Redis``, never closed here) and hands out one :class:`SharedBudget` per name::

    registry = BudgetRegistry("redis://cache:6379/0")  # or BudgetRegistry(your_redis_client)
    budget = registry.budget("acct-key-id", rate=40)
    client = CertiCheckClient(options=ClientOptions(limiter=budget.limiter, uniqueness=budget.uniqueness))
    ...
    await registry.aclose()  # or registry.close() from synchronous code
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..core.errors import ConfigurationError
from ..core.ratelimit import FLOOR
from .budget import SharedBudget
from .limiter import STATE_TTL, RedisRateLimiter
from .link import RETRY_EVERY, TIMEOUT, RedisLink, namespace
from .uniqueness import CLAIM_TTL, RedisUniqueness

if TYPE_CHECKING:
    import redis.asyncio

#: The registries :func:`registry_for` made in this process, by URL and link settings.
_REGISTRIES: dict[tuple[str, float, float], BudgetRegistry] = {}


class BudgetRegistry:
    """One Redis client (per event loop) shared by every budget it hands out, one budget per name.

    ``redis`` is a ``redis://`` (``rediss://``, ``unix://``) URL, or a ``redis.asyncio.Redis`` of
    yours: used in the loop it belongs to, never closed here. ``timeout`` bounds each call to
    Redis (a URL's client); ``retry_every`` is how long a process keeps to its in-process
    fallback after Redis failed before it tries Redis again.
    """

    def __init__(
        self, redis: str | redis.asyncio.Redis, *, timeout: float = TIMEOUT, retry_every: float = RETRY_EVERY
    ) -> None:
        if not _positive(timeout) or not _positive(retry_every):
            raise ConfigurationError(
                f"timeout and retry_every must be > 0 seconds, got {timeout!r}, {retry_every!r}"
            )
        if isinstance(redis, str):
            self.link = RedisLink.from_url(redis, timeout=timeout, retry_every=retry_every)
        else:
            self.link = RedisLink.borrowing(redis, retry_every=retry_every)
        self._budgets: dict[str, tuple[tuple[Any, ...], SharedBudget]] = {}

    def __repr__(self) -> str:
        return f"BudgetRegistry({self.link.where!r}, budgets={len(self._budgets)})"

    def budget(
        self,
        name: str,
        rate: float | None = None,
        burst: int = 1,
        *,
        ceiling: float | None = None,
        floor: float = FLOOR,
        claim_ttl: int = CLAIM_TTL,
        state_ttl: int = STATE_TTL,
    ) -> SharedBudget:
        """The budget called ``name`` (normally the API key's id: one budget per key), made on
        first ask, the same one after.

        ``name`` is hashed before it becomes a Redis key name, so even a secret would not show.
        ``rate``, ``burst``, ``ceiling`` and ``floor`` are as for the in-process limiter and
        should be the same in every process; asking again for a name with other settings is a
        :class:`ConfigurationError`. ``claim_ttl`` and ``state_ttl`` are how long a signed
        second's claim and the idle limiter state are kept (seconds). Nothing is sent until
        the first request.
        """
        if not isinstance(name, str) or not name:
            raise ConfigurationError("name must be a non-empty text naming the budget (the API key's id)")
        settings = (rate, burst, ceiling, floor, claim_ttl, state_ttl)
        found = self._budgets.get(name)
        if found is None:
            prefix = namespace(name)
            try:
                limiter = RedisRateLimiter(
                    self.link, prefix, rate, burst, ceiling=ceiling, floor=floor, state_ttl=state_ttl
                )
                uniqueness = RedisUniqueness(self.link, prefix, claim_ttl=claim_ttl)
            except ValueError as error:
                raise ConfigurationError(str(error)) from None
            found = self._budgets[name] = (settings, SharedBudget(limiter, uniqueness))
        elif found[0] != settings:
            labels = ("rate", "burst", "ceiling", "floor", "claim_ttl", "state_ttl")
            differ = [
                f"{label} {old!r} (this call: {new!r})"
                for label, old, new in zip(labels, found[0], settings, strict=True)
                if old != new
            ]
            raise ConfigurationError(
                f"that budget was made in this process with other settings: {', '.join(differ)}; "
                "every user of a budget gives the same"
            )
        self.link.hold()
        return found[1]

    async def aclose(self) -> None:
        """Finish every budget's background updates and close the connections this registry
        opened (in every event loop; a client of yours is left open). It may be used again."""
        for _, budget in self._budgets.values():
            await budget.limiter.drain()
        await self.link.close()

    def close(self) -> None:
        """:meth:`aclose` from synchronous code: each loop's connections are closed in that loop
        (a synchronous client's portal runs it)."""
        self.link.close_blocking()

    async def __aenter__(self) -> BudgetRegistry:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __enter__(self) -> BudgetRegistry:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _positive(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def registry_for(url: str, *, timeout: float = TIMEOUT, retry_every: float = RETRY_EVERY) -> BudgetRegistry:
    """This process's registry for the Redis at ``url`` (made on first ask): every caller naming
    the same Redis shares its client."""
    key = (url, timeout, retry_every)
    found = _REGISTRIES.get(key)
    if found is None:
        found = _REGISTRIES[key] = BudgetRegistry(url, timeout=timeout, retry_every=retry_every)
    return found


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

    The budget of this process's :func:`registry_for` ``redis_url`` (one Redis client per
    process and event loop, whatever the number of budgets): see :meth:`BudgetRegistry.budget`
    for the arguments. ``timeout`` bounds each call to Redis; while Redis cannot be reached, the
    process uses its in-process limiter (with its share of the rate) and store, trying Redis
    again every ``retry_every`` seconds.
    """
    registry = registry_for(redis_url, timeout=timeout, retry_every=retry_every)
    return registry.budget(
        name, rate, burst, ceiling=ceiling, floor=floor, claim_ttl=claim_ttl, state_ttl=state_ttl
    )
