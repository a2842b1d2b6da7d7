"""Harvesting whole lists to JSONL, CSV, SQLite or PostgreSQL, resumably, one writer per output;
or to a stream (stdout, a pipe) as they come."""

from .checkpoint import Checkpoint, HarvestError
from .kinds import Filter, HarvestKind, Platform, Setting, kinds
from .locking import OutputBusyError
from .progress import Progress
from .runner import HarvestSummary, harvest_fingerprint, run_harvest, summarize
from .sinks import FORMATS, Sink, format_for, open_sink
from .stream import OutputClosedError

__all__ = [
    "FORMATS",
    "Checkpoint",
    "Filter",
    "HarvestError",
    "HarvestKind",
    "HarvestSummary",
    "OutputBusyError",
    "OutputClosedError",
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
