"""Mettl CertiCHECK API v2: client, services, models, harvest kinds and sandbox.

Names are imported on first use, so that ``mettl-async --version`` does not load aiohttp.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .config import DEFAULT_BASE_URL, ENV_BASE_URL, ENV_SUBDOMAIN

if TYPE_CHECKING:
    from .client import CertiCheckClient
    from .services import batches

_LAZY = {"CertiCheckClient": ".client", "batches": ".services"}

__all__ = ["DEFAULT_BASE_URL", "ENV_BASE_URL", "ENV_SUBDOMAIN", "CertiCheckClient", "batches"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
