"""Stream outputs: ``--out -`` (standard output) and paths that are not regular files
(``/dev/stdout``, a named pipe, a terminal).

Records are written and flushed page by page, in JSONL (the default) or CSV,
with no fsync (a pipe has nothing to sync) and no checkpoint (nothing can be
cut back or continued; a commit has nothing to do): such a run cannot be resumed. When the reader goes
away (``| head -1``) the write fails with a broken pipe; the sink points the
descriptor at ``/dev/null`` (so nothing later fails on it, the interpreter's
last flush included) and raises :class:`OutputClosedError`, which the command
turns into the conventional status of a writer whose reader left, 141, and no
message.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from ..core.jsoncodec import json_lines
from ..core.paging_styles import PagePosition
from .checkpoint import HarvestError
from .files import csv_header, csv_units, jsonl_units
from .kinds import HarvestKind
from .outputs import STDOUT, shown
from .sink import Sink


class OutputClosedError(HarvestError):
    """The reader of a stream output went away (a broken pipe): the run stops, nothing is wrong."""


def _silence(stream: BinaryIO) -> None:
    """Point the stream's descriptor at /dev/null: later writes and flushes go nowhere, quietly."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        fd = stream.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)


class StreamSink(Sink):
    """Records written to a stream as they come; no checkpoint, so no resume."""

    def __init__(
        self,
        target: Path | str,
        fmt: str,
        kind: HarvestKind,
        fingerprint: Mapping[str, Any],
        *,
        resume: bool = False,
        stream: BinaryIO | None = None,
        account: str | None = None,
    ) -> None:
        super().__init__(kind, fingerprint, account)
        self.where = shown(target)
        if resume:
            raise HarvestError(f"{self.where} is a stream, which keeps no checkpoint: it cannot be resumed")
        if fmt not in ("jsonl", "csv"):
            raise HarvestError(f"{fmt} cannot be written to a stream ({self.where}); use jsonl or csv")
        self.fmt = fmt
        self.as_sent = fmt == "jsonl"
        self._owned = stream is None and str(target) != STDOUT
        if stream is not None:
            self._stream = stream
        elif not self._owned:
            self._stream = sys.stdout.buffer
        else:
            try:
                self._stream = open(target, "ab")  # noqa: SIM115  # closed by close(); never truncates
            except OSError as error:
                raise HarvestError(f"cannot write {self.where}: {error.strerror}") from None
        self._started = False
        self._closed = False
        self._landed: set[bytes] = set()

    def _units(self, records: list[Any]) -> Iterator[tuple[int, bytes]]:
        return jsonl_units(records) if self.fmt == "jsonl" else csv_units(self.kind, self.account, records)

    def _write(self, data: bytes) -> None:
        if self._closed:
            raise OutputClosedError(f"the reader of {self.where} went away")
        if not self._started and self.fmt == "csv":
            data = csv_header(self.kind) + data
        try:
            self._stream.write(data)
            self._stream.flush()
        except BrokenPipeError:
            self._closed = True
            _silence(self._stream)
            raise OutputClosedError(f"the reader of {self.where} went away") from None
        except OSError as error:
            raise HarvestError(f"cannot write {self.where}: {error.strerror}") from None
        self._started = True

    def add_page(self, records: list[Any], following: PagePosition | None) -> None:
        if self.fmt == "jsonl":
            self._write(json_lines(records))
        else:
            self._write(b"".join(unit for _, unit in self._units(records)))
        self.records += len(records)

    def commit(self) -> None:
        """Nothing to make durable: each page was flushed as it came."""

    def land(self, records: list[Any]) -> int:
        """Write the events not written before by this process (a stream cannot be read back)."""
        fresh: set[int] = set()
        chunks: list[bytes] = []
        for index, unit in self._units(records):
            digest = hashlib.blake2b(unit, digest_size=16).digest()
            if digest not in self._landed:
                self._landed.add(digest)
                fresh.add(index)
                chunks.append(unit)
        if chunks:
            self._write(b"".join(chunks))
        return len(fresh)

    def close(self) -> None:
        if self._owned and not self._stream.closed:
            with contextlib.suppress(OSError):
                self._stream.close()
