"""ProctorExam API v3: client, services, models, harvest kinds and sandbox.

Names are imported on first use, so that ``mettl-async --version`` does not load aiohttp.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .config import ENV_API_TOKEN, ENV_BASE_URL, ENV_SECRET_KEY, TENANT_URL

if TYPE_CHECKING:
    from .auth import ProctorExamCredentials, ProctorExamSigning, signature, signing_string
    from .client import ProctorExamClient

_LAZY = {
    "ProctorExamClient": ".client",
    "ProctorExamCredentials": ".auth",
    "ProctorExamSigning": ".auth",
    "signature": ".auth",
    "signing_string": ".auth",
}

__all__ = [
    "ENV_API_TOKEN",
    "ENV_BASE_URL",
    "ENV_SECRET_KEY",
    "TENANT_URL",
    "ProctorExamClient",
    "ProctorExamCredentials",
    "ProctorExamSigning",
    "signature",
    "signing_string",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
