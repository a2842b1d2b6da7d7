"""Signed seconds shared by one user's processes on one machine, through files.

Two ``mettl-async harvest`` runs one after the other used to lose half a second: the second run's
first request was identical to the first run's last one, in the same second, so it signed
identically and the server refused the reused signature. Each process remembered only its own
claims. Here a claim is a file, created exclusively (``O_EXCL``: atomic, no lock), named by the
second and a hash of the request, in a directory only the user can enter. Knowing every claim of
the last :data:`LOOK_BACK` seconds, the store lets a request whose second is taken use one of
those nobody used (``look_back``; a past ``ts`` is as valid) before waiting for the next.

The command uses this store; a library client stays in-process unless given it
(``ClientOptions(uniqueness=FileUniqueness.for_user())``), or Redis across machines. Any
failure of the file system falls back to the in-process claims: the store never fails a request.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
import tempfile
from pathlib import Path

from .readers import ascii_digits
from .uniqueness import LOCAL, LocalUniqueness

log = logging.getLogger(__name__)

#: Seconds before the current one whose claims are all known here, so one nobody used may be
#: taken instead of waiting for the next (``look_back``); and how many are kept, a margin more.
LOOK_BACK = 3
KEEP_SECONDS = LOOK_BACK + 3


def claim_name(key: bytes, second: int) -> str:
    """The file that holds a claim: the second first (pruning reads it), then the request's hash."""
    return f"{second}-{hashlib.blake2b(key, digest_size=16).hexdigest()}"


def private_directory(path: Path) -> bool:
    """Whether ``path`` is a real directory of this user that no one else may enter (made so if
    absent): claims in a directory another user controls could be forged to stall requests."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def user_directory() -> Path:
    """Where one user's claims live: the runtime directory (memory, private) when there is one."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime else Path(tempfile.gettempdir()) / f"mettl-async-{os.getuid()}"
    return base / "mettl-async" / "seconds"


class FileUniqueness:
    """Claims of signed seconds as files in ``directory``; nonces as the in-process store's."""

    def __init__(self, directory: Path, *, fallback: LocalUniqueness = LOCAL) -> None:
        self.directory = directory
        self._fallback = fallback
        self._usable = private_directory(directory)
        self._pruned_at: int | None = None

    @classmethod
    def for_user(cls) -> FileUniqueness:
        """The store every process of this user on this machine shares."""
        return cls(user_directory())

    async def claim(self, key: bytes, second: int) -> bool:
        if not self._fallback.claim_now(key, second):
            return False  # this process had it: no file needed to say so
        if not self._usable:
            return True
        self._prune(second)
        try:
            os.close(
                os.open(self.directory / claim_name(key, second), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            )
        except FileExistsError:
            return False  # another process signed this request in this second
        except OSError as error:
            log.debug("claims in %s unusable (%s): this process's own claims only", self.directory, error)
            self._usable = False
        return True

    async def nonce(self) -> int:
        return self._fallback.nonce_now()

    @property
    def look_back(self) -> int:
        """Seconds before the current one this store knows every claim of (none once the
        directory failed: the in-process store forgets past seconds)."""
        return LOOK_BACK if self._usable else 0

    def _prune(self, second: int) -> None:
        """Remove the claims of seconds past (once per new second)."""
        if self._pruned_at is not None and second <= self._pruned_at:
            return
        self._pruned_at = second
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        for name in names:
            head = name.partition("-")[0]
            if ascii_digits(head) and int(head) < second - KEEP_SECONDS:
                with contextlib.suppress(OSError):  # another process removed it first
                    os.unlink(self.directory / name)
