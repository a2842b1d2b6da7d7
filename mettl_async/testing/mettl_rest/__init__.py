"""The Mettl REST API's sandbox (v1, v2, v3); the signature check it shares with CertiCHECK's is
:mod:`mettl_async.testing.mettl_request_check`::

    from mettl_async.testing.mettl_rest import MettlRestSandbox, MettlRestConfig
    from mettl_async.testing import SandboxThread

    with SandboxThread(MettlRestSandbox(MettlRestConfig(candidates=50))) as sandbox:
        client = sandbox.client(api_version="v3")   # keys and base URL filled in

Names are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import MettlRestConfig
    from .lifecycle import Notification
    from .server import PREFIX, MettlRestSandbox
    from .world import RestWorld, build_world

_LAZY = {
    "PREFIX": ".server",
    "MettlRestConfig": ".config",
    "MettlRestSandbox": ".server",
    "Notification": ".lifecycle",
    "RestWorld": ".world",
    "build_world": ".world",
}

__all__ = ["PREFIX", "MettlRestConfig", "MettlRestSandbox", "Notification", "RestWorld", "build_world"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
