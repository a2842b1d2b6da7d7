"""One rate budget and one uniqueness store shared by every process on a key, through Redis.

Web backends run several worker processes on one API key, and harvests run
beside them; through this package they share one rate (a 429 seen by one
slows all) and never sign two requests alike::

    from mettl_async.redisstore import shared_budget

    budget = shared_budget("redis://localhost:6379/0", name="acct-key-id", rate=40)
    client = CertiCheckClient(limiter=budget.limiter, uniqueness=budget.uniqueness)
    ...
    await budget.aclose()

Needs the ``redis`` extra (``pip install 'mettl-async[redis]'``). redis-py is
imported only when something here is used, never by ``import mettl_async``. If
Redis cannot be reached, one warning is logged and each process carries on with
its in-process limiter and uniqueness store until Redis answers again.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .budget import SharedBudget, shared_budget
    from .limiter import RedisRateLimiter
    from .link import RedisLink
    from .uniqueness import RedisUniqueness

_LAZY = {
    "SharedBudget": ".budget",
    "shared_budget": ".budget",
    "RedisRateLimiter": ".limiter",
    "RedisLink": ".link",
    "RedisUniqueness": ".uniqueness",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["RedisLink", "RedisRateLimiter", "RedisUniqueness", "SharedBudget", "shared_budget"]
