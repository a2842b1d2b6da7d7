"""Bulk writes from a spreadsheet, exactly once: ``mettl-async onboard OPERATION FILE``.

Each operation (the registry's :func:`~mettl_async.platforms.operations`) reads a CSV or JSONL file,
checks every row before anything is sent, and lands each row once through a journal
(:mod:`~mettl_async.onboard.journal`) that survives any stop: a call whose answer was lost is
read back before anything is sent again (:mod:`~mettl_async.onboard.runner`). The report says
what happened to every row (:mod:`~mettl_async.onboard.report`).
"""

from .job import onboard
from .journal import Journal, JournalError, journal_path
from .model import Answer, Operation, State
from .report import Summary
from .source import InputFileError, Sheet, read_sheet

__all__ = [
    "Answer",
    "InputFileError",
    "Journal",
    "JournalError",
    "Operation",
    "Sheet",
    "State",
    "Summary",
    "journal_path",
    "onboard",
    "read_sheet",
]
