"""The journal of one onboarding: every row's state, in SQLite beside the input.

A row is ``pending`` until its call goes out; it is marked ``sent`` and *committed before the
call*, and given its outcome (``done``, ``already there``, ``refused``, ``unknown``) committed
after the answer. So whenever the process dies (SIGKILL included), a row in ``sent`` is exactly a
row whose call may have reached the platform without its answer being recorded: the next run
reads it back before anything else is sent (:mod:`.runner`). SQLite in WAL mode with full
synchronisation: a committed state survives the process and the machine.

One run at a time: an exclusive ``flock`` on ``<journal>.lock`` (as the harvest's outputs), so two
runs cannot send the same rows. A journal continues only the run it was started for: the same
operation, input bytes, account and options; anything else is refused before a call is made.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import attrs
import orjson

from ..core.errors import InputError
from ..harvest.locking import OutputLock
from .model import Answer, State
from .source import InputRow

SCHEMA = """
CREATE TABLE IF NOT EXISTS onboard_run (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS onboard_rows (
    position INTEGER PRIMARY KEY,  -- the row's place among the input's rows (1-based)
    line INTEGER NOT NULL,         -- its line in the input file
    data TEXT NOT NULL,            -- its values (JSON), as read
    state TEXT NOT NULL,
    solo INTEGER NOT NULL DEFAULT 0,  -- sent alone next (its batch was refused as a whole)
    lost INTEGER NOT NULL DEFAULT 0,  -- a call of it lost its answer
    calls INTEGER NOT NULL DEFAULT 0, -- calls that carried it
    message TEXT NOT NULL DEFAULT '',
    value TEXT NOT NULL DEFAULT ''
);
"""


class JournalError(InputError):
    """The journal belongs to another run, or cannot be used; nothing was sent."""

    def __init__(self, rule: str) -> None:
        super().__init__("--journal", rule)


@attrs.define
class Entry:
    """One row as the journal holds it."""

    position: int
    line: int
    values: dict[str, str]
    state: State
    solo: bool = False
    lost: bool = False
    calls: int = 0
    message: str = ""
    value: str = ""


def journal_path(input_path: Path) -> Path:
    """The default journal: ``<input>.journal.sqlite`` beside the input."""
    return input_path.with_name(input_path.name + ".journal.sqlite")


class Journal:
    """The rows of one run and their states; every change is committed before it returns."""

    def __init__(self, path: Path, db: sqlite3.Connection, lock: OutputLock, entries: list[Entry]) -> None:
        self.path = path
        self._db = db
        self._lock = lock
        self.entries = entries
        self._by_position = {e.position: e for e in entries}

    @classmethod
    def open(cls, path: Path, run: Mapping[str, str], rows: Sequence[InputRow]) -> Journal:
        """The journal at ``path``, made with ``rows`` all pending if new; an existing one must
        hold the same ``run`` (operation, input digest, account, options)."""
        lock = OutputLock.acquire(path)
        try:
            db = sqlite3.connect(path, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
                db.executescript(SCHEMA)
                entries = cls._start(db, path, run, rows)
            except BaseException:
                db.close()
                raise
        except sqlite3.DatabaseError as error:
            lock.release()
            raise JournalError(f"{path}: cannot be used as a journal ({error})") from None
        except BaseException:
            lock.release()
            raise
        return cls(path, db, lock, entries)

    @staticmethod
    def _start(
        db: sqlite3.Connection, path: Path, run: Mapping[str, str], rows: Sequence[InputRow]
    ) -> list[Entry]:
        held = dict(db.execute("SELECT name, value FROM onboard_run").fetchall())
        if held and held != dict(run):
            differs = sorted(k for k in {*held, *run} if held.get(k) != run.get(k))
            raise JournalError(
                f"{path} records another run (not the same: {', '.join(differs)}): finish that run with the "
                "same file and options, or give this one its own --journal"
            )
        if not held:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO onboard_run VALUES (?, ?)", sorted(run.items()))
            db.executemany(
                "INSERT INTO onboard_rows (position, line, data, state) VALUES (?, ?, ?, ?)",
                [
                    (n, row.line, orjson.dumps(row.values).decode(), State.PENDING.value)
                    for n, row in enumerate(rows, 1)
                ],
            )
            db.execute("COMMIT")
        found = db.execute(
            "SELECT position, line, data, state, solo, lost, calls, message, value FROM onboard_rows "
            "ORDER BY position"
        )
        return [
            Entry(p, line, orjson.loads(data), State(state), bool(solo), bool(lost), calls, message, value)
            for p, line, data, state, solo, lost, calls, message, value in found
        ]

    def in_state(self, state: State) -> list[Entry]:
        return [e for e in self.entries if e.state is state]

    def counts(self) -> Counter[State]:
        return Counter(e.state for e in self.entries)

    def _write(self, entries: Iterable[Entry], *, calls: int = 0) -> None:
        rows = [
            (e.state.value, int(e.solo), int(e.lost), calls, e.message, e.value, e.position) for e in entries
        ]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(
                "UPDATE onboard_rows SET state = ?, solo = ?, lost = ?, calls = calls + ?, message = ?, "
                "value = ? WHERE position = ?",
                rows,
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def mark_sent(self, entries: Sequence[Entry]) -> None:
        """Before the call: these rows may reach the platform from now on."""
        for entry in entries:
            entry.state = State.SENT
            entry.calls += 1
        self._write(entries, calls=1)

    def settle(self, answers: Sequence[tuple[Entry, Answer]]) -> None:
        """The platform's outcome of each row."""
        for entry, answer in answers:
            entry.state, entry.message, entry.value = answer.state, answer.message, answer.value
        self._write(entry for entry, _ in answers)

    def requeue(self, entries: Sequence[Entry], *, solo: bool = False, lost: bool = False) -> None:
        """Back to pending: the platform did not act on them (or holds nothing of them)."""
        for entry in entries:
            entry.state = State.PENDING
            entry.solo = entry.solo or solo
            entry.lost = entry.lost or lost
        self._write(entries)

    def close(self) -> None:
        self._db.close()
        self._lock.release()
