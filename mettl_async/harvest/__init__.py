"""Harvesting whole lists to JSONL, CSV or SQLite, resumably."""

from .checkpoint import Checkpoint, HarvestError
from .kinds import Filter, HarvestKind, Platform, Setting, kinds
from .progress import Progress
from .runner import HarvestSummary, harvest_fingerprint, run_harvest, summarize
from .sinks import FORMATS, Sink, format_for, open_sink

__all__ = [
    "FORMATS",
    "Checkpoint",
    "Filter",
    "HarvestError",
    "HarvestKind",
    "HarvestSummary",
    "Platform",
    "Progress",
    "Setting",
    "Sink",
    "format_for",
    "harvest_fingerprint",
    "kinds",
    "open_sink",
    "run_harvest",
    "summarize",
]
