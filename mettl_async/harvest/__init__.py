"""Harvesting whole lists to JSONL, CSV, SQLite or PostgreSQL, resumably, one writer per output;
or to a stream (stdout, a pipe) as they come.

Names are imported on first use (PEP 562), so that the command's ``--help``
and ``--version`` do not load the HTTP client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .checkpoint import Checkpoint, HarvestError
    from .kinds import Filter, HarvestKind
    from .locking import OutputBusyError
    from .progress import Progress
    from .runner import HarvestSummary, harvest_fingerprint, run_harvest, summarize
    from .sink import Sink
    from .sinks import FORMATS, format_for, open_sink
    from .stream import OutputClosedError

_LAZY = {
    "FORMATS": ".sinks",
    "Checkpoint": ".checkpoint",
    "Filter": ".kinds",
    "HarvestError": ".checkpoint",
    "HarvestKind": ".kinds",
    "HarvestSummary": ".runner",
    "OutputBusyError": ".locking",
    "OutputClosedError": ".stream",
    "Progress": ".progress",
    "Sink": ".sink",
    "format_for": ".sinks",
    "harvest_fingerprint": ".runner",
    "open_sink": ".sinks",
    "run_harvest": ".runner",
    "summarize": ".runner",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FORMATS",
    "Checkpoint",
    "Filter",
    "HarvestError",
    "HarvestKind",
    "HarvestSummary",
    "OutputBusyError",
    "OutputClosedError",
    "Progress",
    "Sink",
    "format_for",
    "harvest_fingerprint",
    "open_sink",
    "run_harvest",
    "summarize",
]
