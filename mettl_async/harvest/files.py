"""JSONL and CSV outputs: an append-only file plus ``<file>.checkpoint.json`` beside it.

The steps are ordered so that no crash point lies: a fresh run touches nothing
until its first page arrives, then removes the old checkpoint (durably) before
it truncates the output; pages are written as they come and made durable in
groups (:meth:`FileSink.commit`: one fsync for the pages since the last, then
their checkpoint replaces the previous one), so the checkpoint never counts a
byte that is not durable; a resume checks the output against the checkpoint
(present, at least as long as the checkpoint says, exactly that long when
complete) and cuts off what came after it (pages written but never made
durable), except webhook events a receiver landed there.

Events land in whole units, durably (:mod:`.appending`): a write that fails
leaves nothing behind, and a torn last unit is cut off before the first event
is appended. Beside a harvest's checkpoint, the receiver first cuts off a page
written after it (what a resume would cut off) and marks the checkpoint
``events_follow``; a resume then keeps the events and moves its checkpoint past
them before writing on.
"""

from __future__ import annotations

import abc
import csv
import hashlib
import io
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from ..core.jsoncodec import json_line, json_lines
from ..core.paging_styles import PagePosition
from .appending import AppendFile, complete_units
from .checkpoint import Checkpoint, HarvestError, check_fingerprint, remove_durably, write_atomically
from .kinds import HarvestKind
from .locking import OutputLock
from .sink import Sink


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


class FileSink(Sink):
    """An append-only file plus ``<file>.checkpoint.json``, locked against other writers
    (``<file>.lock``, see :mod:`.locking`) from opening to :meth:`close` unless ``lock`` is false
    (the caller holds the lock)."""

    #: Whether a unit may hold newlines inside quotes (CSV), for reading units back.
    quoted = False

    def __init__(
        self,
        path: Path,
        kind: HarvestKind,
        fingerprint: Mapping[str, Any],
        *,
        resume: bool,
        restart: bool = False,
        lock: bool = True,
        account: str | None = None,
    ) -> None:
        super().__init__(kind, fingerprint, account)
        self.path = path
        self.checkpoint_path = path.with_name(path.name + ".checkpoint.json")
        self._output: AppendFile | None = None
        self._landed: set[bytes] | None = None
        #: Where the last page added says to continue, whether pages await a commit, and the
        #: records durable.
        self._following: PagePosition | None = None
        self._pending = False
        self._durable = 0
        _check_writable(path)
        self._lock = OutputLock.acquire(path) if lock else None
        try:
            if not resume and not restart:
                self._refuse_to_overwrite_unfinished()
            checkpoint = self._load() if resume else None
            if checkpoint is not None:
                self._check_output(checkpoint)
                self.resumed, self.records = checkpoint, checkpoint.records
                self._durable = checkpoint.records
                if not checkpoint.complete:
                    self._output = self._reopen(checkpoint)
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
        if checkpoint.complete and actual != size and not checkpoint.events_follow:
            raise HarvestError(
                f"{self.path} ({actual} bytes) no longer matches its finished harvest ({size} bytes); "
                "run without --resume to start over"
            )

    def _units_from(self, offset: int) -> Iterator[bytes]:
        """The complete units of the output from ``offset`` (where a unit begins) on."""
        with open(self.path, "rb") as f:
            f.seek(offset)
            yield from complete_units(f, quoted=self.quoted)

    def _reopen(self, checkpoint: Checkpoint) -> AppendFile:
        """The output cut back to its checkpoint, dropping what a killed run wrote after it; but
        events landed after it stay (whole units), and the checkpoint is moved past them before
        any page is written, so that the next resume keeps them too."""
        output = AppendFile.open(self.path, truncate=False)
        try:
            size = checkpoint.size or 0
            if checkpoint.events_follow:
                size += sum(len(unit) for unit in self._units_from(size))
            output.cut(size)
            if checkpoint.events_follow:
                moved = attrs.evolve(checkpoint, size=size, events_follow=False)
                write_atomically(self.checkpoint_path, moved.to_json())
        except BaseException:
            output.close()
            raise
        return output

    def _start_fresh(self) -> AppendFile:
        # The old checkpoint goes first: a crash before the truncation must not leave a
        # "complete" checkpoint beside an output that no longer holds what it says.
        remove_durably(self.checkpoint_path)
        return AppendFile.open(self.path, truncate=True)

    # -- writing ------------------------------------------------------------------------------

    def header(self) -> bytes:
        return b""

    @abc.abstractmethod
    def encode(self, records: list[Any]) -> bytes: ...

    @abc.abstractmethod
    def units(self, records: list[Any]) -> Iterator[tuple[int, bytes]]:
        """``(record index, bytes)`` for each unit of output (a line, a row) of ``records``."""

    def canonical(self, unit: bytes) -> bytes:
        """A unit read back from the file as :meth:`units` would write it (to recognize it)."""
        return unit

    def add_page(self, records: list[Any], following: PagePosition | None) -> None:
        self._check_not_lost()
        data = self.encode(records)
        if self._output is None:
            if self.resumed is not None:
                raise HarvestError(f"{self.path} is not open for writing (the harvest was complete)")
            self._output = self._start_fresh()
            data = self.header() + data
        self._output.write(data)
        self.records += len(records)
        self._following, self._pending = following, True

    def commit(self) -> None:
        """One fsync for the pages added since the last commit, then their checkpoint (an fsync
        that fails loses those pages: the file is cut back, and the count with it)."""
        self._check_not_lost()
        if not self._pending or self._output is None:
            return
        try:
            self._output.sync()
        except HarvestError as error:
            self.records, self._pending = self._durable, False
            self._lose(error)
            raise
        checkpoint = Checkpoint(self.fingerprint, self._following, self.records, self._output.size)
        try:
            write_atomically(self.checkpoint_path, checkpoint.to_json())
        except HarvestError as error:  # the pages are durable, the checkpoint before them stands
            raise HarvestError(
                f"{error}; the checkpoint records {self._durable:,} records: --resume continues from there"
            ) from None
        self._pending, self._durable = False, self.records
        self.commits += 1

    def land(self, records: list[Any]) -> int:
        """Append the units not already in the file; a digest is kept only once its unit is durable,
        so that after a failed write the redelivery writes it again."""
        if self._landed is None:
            self._output, self._landed = self._open_for_events()
        assert self._output is not None
        fresh: dict[bytes, bytes] = {}
        records_fresh: set[int] = set()
        for index, unit in self.units(records):
            digest = _digest(unit)
            if digest not in self._landed and digest not in fresh:
                fresh[digest] = unit
                records_fresh.add(index)
        if fresh:
            self._output.append(b"".join(fresh.values()))
            self._landed.update(fresh)
        return len(records_fresh)

    def _open_for_events(self) -> tuple[AppendFile, set[bytes]]:
        """The output ready for events: after its complete units (their digests, so that none is
        landed twice), a torn end cut off, the header written into an empty file."""
        output = AppendFile.open(self.path, truncate=False)
        try:
            self._make_room_for_events(output)
            landed: set[bytes] = set()
            end = 0
            for unit in self._units_from(0):
                if end or not self.header():  # the first unit of a file with a header is that
                    landed.add(_digest(self.canonical(unit)))
                end += len(unit)
            if output.size != end:
                output.cut(end)
            if end == 0:
                output.append(self.header())
        except BaseException:
            output.close()
            raise
        return output, landed

    def _make_room_for_events(self, output: AppendFile) -> None:
        """Beside a harvest's checkpoint: cut off the page an unfinished harvest wrote after it
        (never checkpointed; a resume fetches it again), then mark the checkpoint
        ``events_follow`` so that a resume keeps what is appended from here on."""
        try:
            checkpoint = Checkpoint.from_json(self.checkpoint_path.read_bytes())
        except FileNotFoundError:
            return
        except (ValueError, KeyError, TypeError, AttributeError):
            return  # unreadable: a resume refuses it anyway
        size = checkpoint.size
        if checkpoint.events_follow or size is None or output.size < size:
            return  # marked already, or not an output this checkpoint can be resumed on
        if not checkpoint.complete:
            output.cut(size)
        write_atomically(self.checkpoint_path, attrs.evolve(checkpoint, events_follow=True).to_json())

    def close(self) -> None:
        """Commit the pages added since the last commit, then close and let go of the lock."""
        try:
            if self._output is not None:
                try:
                    if self._pages_lost is None:
                        self.commit()
                finally:
                    self._output.close()
                    self._output = None
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
    """``(record index, line)``: each record as the API returned it, on one line (:func:`json_line`)."""
    for index, record in enumerate(records):
        yield index, json_line(record) + b"\n"


class JsonlSink(FileSink):
    """One line per record, the record's bytes as the API sent them (:func:`json_line`): every key,
    unknown ones too, in the server's order and spelling."""

    as_sent = True

    def encode(self, records: list[Any]) -> bytes:
        return json_lines(records)

    def units(self, records: list[Any]) -> Iterator[tuple[int, bytes]]:
        return jsonl_units(records)


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
    """The CSV header line: ``account``, then the kind's documented columns."""
    return _csv([["account", *kind.columns]])


def _csv_rows(kind: HarvestKind, account: str, record: Any) -> list[list[Any]]:
    return [[account, *(_csv_value(row[c]) for c in kind.columns)] for row in kind.rows(record)]


def csv_units(kind: HarvestKind, account: str, records: list[Any]) -> Iterator[tuple[int, bytes]]:
    """``(record index, CSV line)`` for each row of each record."""
    for index, record in enumerate(records):
        for row in _csv_rows(kind, account, record):
            yield index, _csv([row])


class CsvSink(FileSink):
    """The account and the kind's documented columns, one row per record (or per nested element),
    values as sent."""

    quoted = True

    def header(self) -> bytes:
        return csv_header(self.kind)

    def encode(self, records: list[Any]) -> bytes:
        return _csv([row for record in records for row in _csv_rows(self.kind, self.account, record)])

    def units(self, records: list[Any]) -> Iterator[tuple[int, bytes]]:
        return csv_units(self.kind, self.account, records)

    def canonical(self, unit: bytes) -> bytes:
        return _csv(list(csv.reader(io.StringIO(unit.decode("utf-8", "replace"), newline=""))))
