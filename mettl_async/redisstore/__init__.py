"""One rate budget and one uniqueness store shared by every process on a key, through Redis.

Web backends run several worker processes on one API key, and harvests run
beside them; through this package they share one rate (a 429 seen by one
slows all) and never sign two requests alike::

    from mettl_async.redisstore import BudgetRegistry

    registry = BudgetRegistry("redis://localhost:6379/0")  # one Redis client for every budget
    budget = registry.budget("acct-key-id", rate=40)
    client = CertiCheckClient(options=ClientOptions(limiter=budget.limiter, uniqueness=budget.uniqueness))
    ...
    await registry.aclose()  # registry.close() from synchronous code

Needs the ``redis`` extra (``pip install 'mettl-async[redis]'``). redis-py is
imported only when something here is used, never by ``import mettl_async``. If
Redis cannot be reached, one warning is logged and each process carries on with
its in-process limiter and uniqueness store until Redis answers again.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .budget import SharedBudget
    from .limiter import RedisRateLimiter
    from .link import RedisLink
    from .registry import BudgetRegistry, registry_for, shared_budget
    from .uniqueness import RedisUniqueness

_LAZY = {
    "BudgetRegistry": ".registry",
    "registry_for": ".registry",
    "SharedBudget": ".budget",
    "shared_budget": ".registry",
    "RedisRateLimiter": ".limiter",
    "RedisLink": ".link",
    "RedisUniqueness": ".uniqueness",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BudgetRegistry",
    "RedisLink",
    "RedisRateLimiter",
    "RedisUniqueness",
    "SharedBudget",
    "registry_for",
    "shared_budget",
]
