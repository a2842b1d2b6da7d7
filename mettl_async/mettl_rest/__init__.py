"""The Mettl REST API v1/v2/v3 (its signing and E-codes are shared with CertiCHECK:
:mod:`mettl_async.mettlfamily`).

Names are imported on first use, so that ``mettl-async --version`` does not load aiohttp::

    from mettl_async.mettl_rest import MettlClient, ScheduleSpec, CandidateRegistration
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .config import (
    API_VERSIONS,
    DEFAULT_API_BASE_URL,
    DEFAULT_API_VERSION,
    ENV_API_BASE_URL,
    ENV_API_VERSION,
)

if TYPE_CHECKING:
    from .candidates import RegistrationReport, batches
    from .client import MettlClient
    from .specs import (
        Access,
        AssessmentSettings,
        AssessmentSpec,
        CandidateRegistration,
        ScheduleSpec,
        WebProctoringSpec,
        WhiteLabel,
        Window,
    )

_LAZY = {
    "MettlClient": ".client",
    "RegistrationReport": ".candidates",
    "batches": ".candidates",
    "Access": ".specs",
    "AssessmentSettings": ".specs",
    "AssessmentSpec": ".specs",
    "CandidateRegistration": ".specs",
    "ScheduleSpec": ".specs",
    "WebProctoringSpec": ".specs",
    "WhiteLabel": ".specs",
    "Window": ".specs",
}

__all__ = [
    "API_VERSIONS",
    "DEFAULT_API_BASE_URL",
    "DEFAULT_API_VERSION",
    "ENV_API_BASE_URL",
    "ENV_API_VERSION",
    "Access",
    "AssessmentSettings",
    "AssessmentSpec",
    "CandidateRegistration",
    "MettlClient",
    "RegistrationReport",
    "ScheduleSpec",
    "WebProctoringSpec",
    "WhiteLabel",
    "Window",
    "batches",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
