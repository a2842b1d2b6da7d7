"""Harvesting whole lists to JSONL, CSV or SQLite, resumably."""

from .kinds import KINDS, HarvestKind
from .progress import Progress
from .runner import HarvestSummary, harvest_fingerprint, run_harvest, summarize
from .sinks import FORMATS, Checkpoint, HarvestError, Sink, format_for, open_sink

__all__ = [
    "FORMATS",
    "KINDS",
    "Checkpoint",
    "HarvestError",
    "HarvestKind",
    "HarvestSummary",
    "Progress",
    "Sink",
    "format_for",
    "harvest_fingerprint",
    "open_sink",
    "run_harvest",
    "summarize",
]
