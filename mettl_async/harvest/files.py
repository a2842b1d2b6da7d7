"""JSONL and CSV outputs: an append-only file plus ``<file>.checkpoint.json`` beside it.

The steps are ordered so that no crash point lies: a fresh run touches nothing
until its first page arrives, then removes the old checkpoint (durably) before
it truncates the output; every page is fsynced before its checkpoint replaces
the previous one; a resume checks the output against the checkpoint (present,
at least as long as the checkpoint says, exactly that long when complete) and
cuts off what came after it.
"""

from __future__ import annotations

import abc
import csv
import hashlib
import io
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from ..core.jsoncodec import dumps
from ..core.paging_styles import PagePosition
from .checkpoint import Checkpoint, HarvestError, check_fingerprint, remove_durably, write_atomically
from .kinds import HarvestKind
from .locking import OutputLock
from .sinks import Sink


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class FileSink(Sink):
    """An append-only file plus ``<file>.checkpoint.json``, locked against other writers
    (``<file>.lock``, see :mod:`.locking`) from opening to :meth:`close` unless ``lock`` is false
    (the caller holds the lock)."""

    def __init__(
        self,
        path: Path,
        kind: HarvestKind,
        fingerprint: Mapping[str, Any],
        *,
        resume: bool,
        restart: bool = False,
        lock: bool = True,
    ) -> None:
        super().__init__(kind, fingerprint)
        self.path = path
        self.checkpoint_path = path.with_name(path.name + ".checkpoint.json")
        self._file: BinaryIO | None = None
        self._landed: set[bytes] | None = None
        _check_writable(path)
        self._lock = OutputLock.acquire(path) if lock else None
        try:
            if not resume and not restart:
                self._refuse_to_overwrite_unfinished()
            checkpoint = self._load() if resume else None
            if checkpoint is not None:
                self._check_output(checkpoint)
                self.resumed, self.records = checkpoint, checkpoint.records
                if not checkpoint.complete:
                    self._file = self._reopen(checkpoint)
        except BaseException:
            self.close()
            raise

    # -- opening ------------------------------------------------------------------------------

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
        check_fingerprint(checkpoint, self.fingerprint, self.checkpoint_path)
        return checkpoint

    def _check_output(self, checkpoint: Checkpoint) -> None:
        """The output must hold what the checkpoint says was written, complete or not."""
        size = checkpoint.size or 0
        try:
            actual = self.path.stat().st_size
        except FileNotFoundError:
            raise HarvestError(
                f"{self.path} is gone but its checkpoint remains; run without --resume"
            ) from None
        if actual < size:
            raise HarvestError(
                f"{self.path} is shorter ({actual} bytes) than its checkpoint says ({size} bytes): it was "
                "changed or cut after the harvest; run without --resume to start over"
            )
        if checkpoint.complete and actual != size:
            raise HarvestError(
                f"{self.path} ({actual} bytes) no longer matches its finished harvest ({size} bytes); "
                "run without --resume to start over"
            )

    def _reopen(self, checkpoint: Checkpoint) -> BinaryIO:
        handle = open(self.path, "r+b")  # noqa: SIM115  # closed by close()
        handle.truncate(checkpoint.size or 0)  # drop what was written after the last checkpoint
        handle.seek(checkpoint.size or 0)
        return handle

    def _start_fresh(self) -> BinaryIO:
        # The old checkpoint goes first: a crash before the truncation must not leave a
        # "complete" checkpoint beside an output that no longer holds what it says.
        remove_durably(self.checkpoint_path)
        try:
            handle = open(self.path, "wb")  # noqa: SIM115  # closed by close()
        except OSError as error:
            raise HarvestError(f"cannot write {self.path}: {error.strerror}") from None
        handle.write(self.header())
        return handle

    # -- writing ------------------------------------------------------------------------------

    def header(self) -> bytes:
        return b""

    @abc.abstractmethod
    def encode(self, records: list[Any]) -> bytes: ...

    @abc.abstractmethod
    def units(self, records: list[Any]) -> Iterator[tuple[int, bytes]]:
        """``(record index, bytes)`` for each unit of output (a line, a row) of ``records``."""

    @abc.abstractmethod
    def existing_units(self) -> Iterator[bytes]:
        """The units already in the file (for landing events without duplicates)."""

    def _sync(self) -> None:
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())

    def write_page(self, records: list[Any], following: PagePosition | None) -> None:
        if self._file is None:
            if self.resumed is not None:
                raise HarvestError(f"{self.path} is not open for writing (the harvest was complete)")
            self._file = self._start_fresh()
        self._file.write(self.encode(records))
        self._sync()
        self.records += len(records)
        checkpoint = Checkpoint(self.fingerprint, following, self.records, self._file.tell())
        write_atomically(self.checkpoint_path, checkpoint.to_json())

    def land(self, records: list[Any]) -> int:
        if self._landed is None:
            self._file, self._landed = self._open_for_events()
        assert self._file is not None
        fresh: set[int] = set()
        chunks: list[bytes] = []
        for index, unit in self.units(records):
            digest = _digest(unit)
            if digest not in self._landed:
                self._landed.add(digest)
                fresh.add(index)
                chunks.append(unit)
        if chunks:
            self._file.write(b"".join(chunks))
            self._sync()
        return len(fresh)

    def _open_for_events(self) -> tuple[BinaryIO, set[bytes]]:
        landed = {_digest(unit) for unit in self.existing_units()} if self.path.exists() else set()
        try:
            handle = open(self.path, "ab")  # noqa: SIM115  # closed by close()
        except OSError as error:
            raise HarvestError(f"cannot write {self.path}: {error.strerror}") from None
        if handle.tell() == 0:
            handle.write(self.header())
        return handle, landed

    def close(self) -> None:
        try:
            if self._file is not None:
                self._file.close()
                self._file = None
        finally:
            if self._lock is not None:
                self._lock.release()


def _check_writable(path: Path) -> None:
    """Fail before anything is sent when the output cannot be written."""
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise HarvestError(f"cannot write {path}: No such file or directory ({parent} does not exist)")
    if path.is_dir():
        raise HarvestError(f"cannot write {path}: it is a directory")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise HarvestError(f"cannot write {path}: Permission denied")


def jsonl_units(records: list[Any]) -> Iterator[tuple[int, bytes]]:
    """``(record index, line)``: each record as the API returned it, on one line."""
    for index, record in enumerate(records):
        yield index, dumps(record) + b"\n"


class JsonlSink(FileSink):
    """One line per record, the record as the API returned it: every key, unknown ones too."""

    def encode(self, records: list[Any]) -> bytes:
        return b"".join(dumps(record) + b"\n" for record in records)

    def units(self, records: list[Any]) -> Iterator[tuple[int, bytes]]:
        return jsonl_units(records)

    def existing_units(self) -> Iterator[bytes]:
        with open(self.path, "rb") as f:
            for line in f:
                if line.endswith(b"\n"):  # a torn last line is not a record
                    yield line


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def csv_header(kind: HarvestKind) -> bytes:
    """The CSV header line: the kind's documented columns."""
    return _csv([list(kind.columns)])


def _csv_rows(kind: HarvestKind, record: Any) -> list[list[Any]]:
    return [[_csv_value(row[c]) for c in kind.columns] for row in kind.rows(record)]


def csv_units(kind: HarvestKind, records: list[Any]) -> Iterator[tuple[int, bytes]]:
    """``(record index, CSV line)`` for each row of each record."""
    for index, record in enumerate(records):
        for row in _csv_rows(kind, record):
            yield index, _csv([row])


class CsvSink(FileSink):
    """The kind's documented columns, one row per record (or per nested element)."""

    def header(self) -> bytes:
        return csv_header(self.kind)

    def encode(self, records: list[Any]) -> bytes:
        return _csv([row for record in records for row in _csv_rows(self.kind, record)])

    def units(self, records: list[Any]) -> Iterator[tuple[int, bytes]]:
        return csv_units(self.kind, records)

    def existing_units(self) -> Iterator[bytes]:
        with open(self.path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader, None)  # the header
            for row in reader:
                yield _csv([row])
