"""Where harvested records land, durably, with the checkpoint that makes a run resumable.

After every page a sink makes the page durable and then records a checkpoint:
the position of the next page and the count of records written. A run killed at
any instant resumes from its last checkpoint and the finished output is the set
a clean run produces:

* JSONL and CSV: the checkpoint (``<out>.checkpoint.json``, replaced
  atomically) also records the byte size of the output; a resume cuts the file
  back to it, dropping whatever was written after the checkpoint.
* SQLite: the rows and the checkpoint are written in one transaction, and rows
  are upserted on the kind's natural key, so even a run without ``--resume``
  never duplicates a row.
"""

from __future__ import annotations

import abc
import contextlib
import csv
import io
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import attrs
import orjson

from ..errors import MettlError
from ..pagination import PagePosition
from .kinds import HarvestKind

FORMATS = ("jsonl", "csv", "sqlite")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".sqlite": "sqlite", ".db": "sqlite"}


class HarvestError(MettlError):
    """A harvest cannot start or resume as asked (the message says why and what to do)."""


def format_for(path: Path, given: str | None) -> str:
    """The output format: as given, else from the file extension."""
    if given is not None:
        return given
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise HarvestError(
            f"cannot tell the format of {path.name!r} from its extension; pass --format jsonl, csv or sqlite"
        ) from None


@attrs.frozen
class Checkpoint:
    """How far a harvest got: ``next`` is the page to fetch (``None`` when complete)."""

    fingerprint: Mapping[str, Any]
    next: PagePosition | None
    records: int
    #: Bytes of output durably written (file formats).
    size: int | None = None

    @property
    def complete(self) -> bool:
        return self.next is None

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "fingerprint": self.fingerprint,
                "next": self.next.to_dict() if self.next else None,
                "records": self.records,
                "size": self.size,
                "complete": self.complete,
            },
            option=orjson.OPT_INDENT_2,
        )

    @classmethod
    def from_json(cls, data: bytes) -> Checkpoint:
        raw = orjson.loads(data)
        following = raw.get("next")
        return cls(
            fingerprint=raw["fingerprint"],
            next=PagePosition.from_dict(following) if following else None,
            records=int(raw["records"]),
            size=raw.get("size"),
        )


def _check_fingerprint(checkpoint: Checkpoint, fingerprint: Mapping[str, Any], where: Path) -> None:
    if dict(checkpoint.fingerprint) != dict(fingerprint):
        raise HarvestError(
            f"the checkpoint in {where} is for another harvest ({dict(checkpoint.fingerprint)}); "
            "run without --resume to start over"
        )


class Sink(abc.ABC):
    """A destination. ``resumed`` is the checkpoint a resume continues from, if any."""

    def __init__(self, kind: HarvestKind, fingerprint: Mapping[str, Any]) -> None:
        self.kind = kind
        self.fingerprint = dict(fingerprint)
        self.resumed: Checkpoint | None = None
        self.records = 0

    @abc.abstractmethod
    def write_page(self, records: list[Any], following: PagePosition | None) -> None:
        """Make ``records`` durable, then record ``following`` as where to continue."""

    @abc.abstractmethod
    def close(self) -> None: ...


def _fsync_directory(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new content."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    _fsync_directory(path.parent)


class FileSink(Sink):
    """An append-only file plus ``<file>.checkpoint.json``."""

    def __init__(
        self,
        path: Path,
        kind: HarvestKind,
        fingerprint: Mapping[str, Any],
        *,
        resume: bool,
        restart: bool = False,
    ) -> None:
        super().__init__(kind, fingerprint)
        self.path = path
        self.checkpoint_path = path.with_name(path.name + ".checkpoint.json")
        self._file: BinaryIO | None = None
        if not resume and not restart:
            self._refuse_to_overwrite_unfinished()
        checkpoint = self._load() if resume else None
        if checkpoint is not None:
            self.resumed, self.records = checkpoint, checkpoint.records
            if not checkpoint.complete:
                self._file = self._reopen(checkpoint)
        else:
            try:
                self._file = open(path, "wb")  # noqa: SIM115  # closed by close()
            except OSError as error:
                raise HarvestError(f"cannot write {path}: {error.strerror}") from None
            self.checkpoint_path.unlink(missing_ok=True)
            self._file.write(self.header())
            self._sync()

    def _refuse_to_overwrite_unfinished(self) -> None:
        """A fresh run would truncate the output: not when it holds a harvest still to finish."""
        try:
            unfinished = not Checkpoint.from_json(self.checkpoint_path.read_bytes()).complete
        except FileNotFoundError:
            return
        except (ValueError, KeyError, TypeError, AttributeError):
            unfinished = True
        if unfinished:
            raise HarvestError(
                f"{self.path} holds an unfinished harvest (see {self.checkpoint_path.name}); "
                "continue it with --resume, or start over with --restart"
            )

    def _load(self) -> Checkpoint | None:
        try:
            checkpoint = Checkpoint.from_json(self.checkpoint_path.read_bytes())
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise HarvestError(f"the checkpoint {self.checkpoint_path} is unreadable ({error})") from None
        _check_fingerprint(checkpoint, self.fingerprint, self.checkpoint_path)
        return checkpoint

    def _reopen(self, checkpoint: Checkpoint) -> BinaryIO:
        size = checkpoint.size or 0
        try:
            handle = open(self.path, "r+b")  # noqa: SIM115  # closed by close()
        except FileNotFoundError:
            raise HarvestError(
                f"{self.path} is gone but its checkpoint remains; run without --resume"
            ) from None
        if os.fstat(handle.fileno()).st_size < size:
            handle.close()
            raise HarvestError(
                f"{self.path} is shorter than its checkpoint says ({size} bytes); run without --resume"
            )
        handle.truncate(size)  # drop what was written after the last checkpoint
        handle.seek(size)
        return handle

    def header(self) -> bytes:
        return b""

    @abc.abstractmethod
    def encode(self, records: list[Any]) -> bytes: ...

    def _sync(self) -> None:
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())

    def write_page(self, records: list[Any], following: PagePosition | None) -> None:
        if self._file is None:
            raise HarvestError(f"{self.path} is not open for writing (the harvest was complete)")
        self._file.write(self.encode(records))
        self._sync()
        self.records += len(records)
        checkpoint = Checkpoint(self.fingerprint, following, self.records, self._file.tell())
        write_atomically(self.checkpoint_path, checkpoint.to_json())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class JsonlSink(FileSink):
    """One line per record, the record as the API returned it: every key, unknown ones too."""

    def encode(self, records: list[Any]) -> bytes:
        return b"".join(orjson.dumps(record) + b"\n" for record in records)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class CsvSink(FileSink):
    """The kind's documented columns, one row per record (or per nested element)."""

    def _csv(self, rows: list[list[Any]]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        return buffer.getvalue().encode("utf-8")

    def header(self) -> bytes:
        return self._csv([list(self.kind.columns)])

    def encode(self, records: list[Any]) -> bytes:
        columns = self.kind.columns
        return self._csv(
            [[_csv_value(row[c]) for c in columns] for record in records for row in self.kind.rows(record)]
        )


class SqliteSink(Sink):
    """A table per kind keyed on its natural key; rows and checkpoint in one transaction."""

    _CREATE_CHECKPOINTS = (
        "CREATE TABLE IF NOT EXISTS mettl_harvest_checkpoints "
        "(harvest TEXT PRIMARY KEY, next TEXT, records INTEGER NOT NULL)"
    )
    _READ_CHECKPOINT = "SELECT next, records FROM mettl_harvest_checkpoints WHERE harvest = ?"
    _WRITE_CHECKPOINT = (
        "INSERT INTO mettl_harvest_checkpoints (harvest, next, records) VALUES (?, ?, ?) "
        "ON CONFLICT (harvest) DO UPDATE SET next = excluded.next, records = excluded.records"
    )

    def __init__(
        self, path: Path, kind: HarvestKind, fingerprint: Mapping[str, Any], *, resume: bool
    ) -> None:
        super().__init__(kind, fingerprint)
        self.path = path
        self._harvest = orjson.dumps(self.fingerprint, option=orjson.OPT_SORT_KEYS).decode()
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        columns = ", ".join(f'"{c}"' for c in (*kind.columns, "record"))
        key = ", ".join(f'"{c}"' for c in kind.key)
        self._db.execute(f'CREATE TABLE IF NOT EXISTS "{kind.table}" ({columns}, PRIMARY KEY ({key}))')
        self._db.execute(self._CREATE_CHECKPOINTS)
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in (*kind.columns, "record") if c not in kind.key)
        placeholders = ", ".join("?" for _ in (*kind.columns, "record"))
        # Table and column names are the kind's own constants; every value is bound.
        self._upsert = (
            f'INSERT INTO "{kind.table}" ({columns}) VALUES ({placeholders}) '  # noqa: S608
            f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
        )
        if resume:
            found = self._db.execute(self._READ_CHECKPOINT, (self._harvest,)).fetchone()
            if found is not None:
                following = PagePosition.from_dict(orjson.loads(found[0])) if found[0] else None
                self.resumed = Checkpoint(self.fingerprint, following, found[1])
                self.records = found[1]

    def _row(self, row: Mapping[str, Any], record: Any) -> tuple[Any, ...]:
        # A NULL in a key would never conflict (NULLs are distinct), so keys hold '' instead.
        key = self.kind.key
        values = ("" if row[c] is None and c in key else row[c] for c in self.kind.columns)
        return (*values, orjson.dumps(record).decode())

    def write_page(self, records: list[Any], following: PagePosition | None) -> None:
        rows = [self._row(row, record) for record in records for row in self.kind.rows(record)]
        self.records += len(records)
        following_json = orjson.dumps(following.to_dict()).decode() if following else None
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(self._upsert, rows)
            self._db.execute(self._WRITE_CHECKPOINT, (self._harvest, following_json, self.records))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            self.records -= len(records)
            raise

    def close(self) -> None:
        self._db.close()


def open_sink(
    path: Path,
    fmt: str,
    kind: HarvestKind,
    fingerprint: Mapping[str, Any],
    *,
    resume: bool,
    restart: bool = False,
) -> Sink:
    """The sink for ``fmt``: continuing a checkpoint (``resume``), or starting afresh.

    A fresh JSONL or CSV run refuses to truncate an output whose harvest is
    unfinished unless ``restart`` says so (SQLite loses nothing on a fresh run).
    """
    if fmt == "jsonl":
        return JsonlSink(path, kind, fingerprint, resume=resume, restart=restart)
    if fmt == "csv":
        return CsvSink(path, kind, fingerprint, resume=resume, restart=restart)
    if fmt == "sqlite":
        return SqliteSink(path, kind, fingerprint, resume=resume)
    raise HarvestError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
