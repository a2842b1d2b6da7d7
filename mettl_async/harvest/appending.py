"""A JSONL or CSV output appended to durably: whole units or nothing.

A unit is a JSONL line or a CSV row. Appended data counts once it is written
and fsynced; a write that fails cuts the file back to where it began, and an
fsync that fails cuts it back to its durable size, so no half-written unit stays
for the next append to be glued onto (and whoever acknowledged nothing can write
it again). Writes may be gathered under one fsync (:meth:`AppendFile.write`, then
:meth:`AppendFile.sync`): a harvest's group commit. A file this process creates
has its directory entry fsynced too, or a power cut could lose the file with
everything fsynced in it.

Read back, a last unit without its end (torn by a crash or a full disk: never
acknowledged, never checkpointed) is not a unit; :func:`complete_units` stops
before it, and the writer cuts it off before appending.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .checkpoint import HarvestError, fsync_directory


def complete_units(lines: Iterable[bytes], *, quoted: bool) -> Iterator[bytes]:
    """The complete units of a file's ``lines`` (newlines kept), in order.

    A unit ends with a line's ``\\n``; with ``quoted`` (CSV, where a quoted field may hold
    newlines) only where the quotes since the unit began are balanced (a doubled quote inside a
    field counts twice). What follows the last complete unit is not given.
    """
    pending: list[bytes] = []
    open_quote = False
    for line in lines:
        pending.append(line)
        if quoted and line.count(b'"') % 2:
            open_quote = not open_quote
        if line.endswith(b"\n") and not open_quote:
            yield b"".join(pending)
            pending.clear()


def _error(path: Path, error: OSError) -> HarvestError:
    return HarvestError(f"cannot write {path}: {error.strerror or error}")


class AppendFile:
    """An output file open for durable appends; ``size`` is how much of it is durable, ``written``
    how much is written (the durable part and what the next :meth:`sync` makes durable)."""

    def __init__(self, path: Path, fd: int, size: int) -> None:
        self.path = path
        self._fd: int | None = fd
        self.size = size
        self.written = size

    @classmethod
    def open(cls, path: Path, *, truncate: bool) -> AppendFile:
        """Open (or create) ``path``, emptied when ``truncate``; appends go after its current end
        (:meth:`cut` it first to drop a torn end). A file created here has its directory fsynced."""
        created = not path.exists()
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | (os.O_TRUNC if truncate else 0)
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as error:
            raise _error(path, error) from None
        try:
            size = os.fstat(fd).st_size
            if created:
                fsync_directory(path.parent)
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd, size)

    def _descriptor(self) -> int:
        if self._fd is None:
            raise HarvestError(f"{self.path} is closed")
        return self._fd

    def append(self, data: bytes) -> None:
        """Write ``data`` after the durable end and fsync it; on failure cut back, and raise
        :class:`HarvestError`: then none of ``data`` is in the file."""
        self.write(data)
        self.sync()

    def write(self, data: bytes) -> None:
        """Write ``data`` after what was written, not yet durable; on failure cut back to where it
        began, and raise :class:`HarvestError`."""
        fd = self._descriptor()
        start = self.written
        try:
            if os.fstat(fd).st_size != start:  # a cut that failed before, or a torn end
                os.ftruncate(fd, start)
            view, offset = memoryview(data), start
            while view:
                written = os.pwrite(fd, view, offset)
                view, offset = view[written:], offset + written
        except OSError as error:
            with contextlib.suppress(OSError):  # else the next write cuts it first
                os.ftruncate(fd, start)
                os.fsync(fd)
            raise _error(self.path, error) from None
        self.written = start + len(data)

    def sync(self) -> None:
        """Make what was written durable; on failure cut the file back to its durable size (what
        was written since is gone), and raise :class:`HarvestError`."""
        fd = self._descriptor()
        try:
            os.fsync(fd)
        except OSError as error:
            with contextlib.suppress(HarvestError):  # else the next write cuts it first
                self.cut(self.size)
            self.written = self.size
            raise _error(self.path, error) from None
        self.size = self.written

    def cut(self, size: int) -> None:
        """Make the file ``size`` bytes long, durably (what lay beyond is gone)."""
        fd = self._descriptor()
        try:
            os.ftruncate(fd, size)
            os.fsync(fd)
        except OSError as error:
            raise _error(self.path, error) from None
        self.size = self.written = size

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
