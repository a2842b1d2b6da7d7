"""One writer per output: an exclusive ``flock`` on ``<out>.lock``, held while the output is open.

``flock`` because the kernel releases it when its holder dies, however it dies
(SIGKILL, power loss of a client on a network file system aside): a lock left by
a killed run never blocks the next one. The file records who holds it (PID,
host, command, since when) so a refused run can name the other process; the
command is described by the program (``mettl-async harvest results --out …``),
never copied from the command line, whose flags may hold keys.

The holder deletes the file while it still holds the lock. A run that opened
the old file and locks it after the deletion checks that the path still names
the file it locked, and starts over if not, so a deletion never lets two
writers in.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
from pathlib import Path

import orjson

from .checkpoint import HarvestError
from .outputs import shown

#: What this process is, for others it keeps out (set by the command line; see :func:`set_command`).
_COMMAND = [Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"]


class OutputBusyError(HarvestError):
    """Another process is writing the output (the message names it)."""


def set_command(description: str) -> None:
    """Describe this process to the ones its locks keep out (no secret in it: it is written down)."""
    _COMMAND[0] = description


def command() -> str:
    """This process as :func:`set_command` described it."""
    return _COMMAND[0]


def lock_path(output: Path) -> Path:
    """The lock file of an output: ``<out>.lock`` beside it."""
    return output.with_name(output.name + ".lock")


def holder_text(pid: object, host: object, what: object, since: object) -> str:
    """One process named for a refusal: ``pid 123 on host, since 12:00:01: mettl-async harvest …``."""
    where = f" on {host}" if host and host != socket.gethostname() else ""
    started = f", since {since}" if since else ""
    return f"pid {pid}{where}{started}: {what}"


def _same_file(fd: int, path: Path) -> bool:
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _describe_holder(fd: int) -> str:
    try:
        info = orjson.loads(os.pread(fd, 4096, 0))
        return holder_text(info["pid"], info.get("host"), info["command"], info.get("since"))
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not yet said which"


if sys.platform == "win32":  # pragma: no cover - no flock there: one writer is not enforced

    def _try_lock(fd: int) -> bool:
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


class OutputLock:
    """The exclusive lock of one output file (JSONL, CSV, SQLite); :meth:`release` when done."""

    def __init__(self, output: Path, path: Path, fd: int) -> None:
        self.output = output
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, output: Path) -> OutputLock:
        """Take the lock at once, or raise :class:`OutputBusyError` naming its holder."""
        path = lock_path(output)
        for _ in range(20):
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as error:
                raise HarvestError(
                    f"cannot write {shown(output)}: cannot create its lock {path.name}: {error.strerror}"
                ) from None
            try:
                if not _try_lock(fd):
                    raise OutputBusyError(
                        f"{shown(output)} is being written by another process ({_describe_holder(fd)}); "
                        "one writer per output: wait for it to finish or stop it, or write elsewhere"
                    )
                if _same_file(fd, path):
                    lock = cls(output, path, fd)
                    lock._record()
                    return lock
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # its holder deleted it after we opened it: lock the file now there
        raise HarvestError(f"cannot lock {shown(output)}: {path.name} keeps being replaced")

    def _record(self) -> None:
        assert self._fd is not None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": command(),
            "since": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        with contextlib.suppress(OSError):  # the lock holds without its description
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, orjson.dumps(info) + b"\n", 0)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        """Delete the lock file (while still holding it) and let go. Idempotent."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if _same_file(fd, self.path):
                with contextlib.suppress(OSError):
                    self.path.unlink()
        finally:
            os.close(fd)
