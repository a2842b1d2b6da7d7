"""What ``--out`` names: a file, a stream (``-`` or a device, pipe, terminal), or a PostgreSQL URL.

Pure functions, no driver: the format an output takes, whether it can keep a
checkpoint, and how it is shown in messages (a URL's password never is).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from urllib.parse import unquote

from ..core.errors import InputError

FORMATS = ("jsonl", "csv", "sqlite", "postgresql")
#: ``--out -``: JSONL on standard output.
STDOUT = "-"
URL_SCHEMES = ("postgresql://", "postgres://")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".sqlite": "sqlite", ".db": "sqlite"}
_STREAM_FORMATS = ("jsonl", "csv")
MASK = "***"


def is_database_url(target: Path | str) -> bool:
    """Whether ``target`` is a PostgreSQL URL (``postgresql://…`` or ``postgres://…``)."""
    return isinstance(target, str) and target.lower().startswith(URL_SCHEMES)


def is_stream(target: Path | str) -> bool:
    """Whether ``target`` is written as a stream, with no fsync and no checkpoint: ``-`` (standard
    output), or an existing path that is not a regular file (``/dev/stdout``, a named pipe, a
    terminal) or lies under ``/dev`` or ``/proc`` (no checkpoint can be kept beside it)."""
    if is_database_url(target):
        return False
    if str(target) == STDOUT:
        return True
    try:
        mode = os.stat(target).st_mode
    except (OSError, ValueError):
        return False
    if not stat.S_ISREG(mode):
        return True
    return Path(os.path.abspath(target)).parts[1:2] in (("dev",), ("proc",))


def format_for(target: Path | str, given: str | None) -> str:
    """The output format: as given, else from the target (a URL, a stream, a file's extension)."""
    if is_database_url(target):
        if given not in (None, "postgresql"):
            raise InputError("--format", f"a PostgreSQL URL takes no --format {given}; leave --format out")
        return "postgresql"
    if given == "postgresql":
        raise InputError("--out", "--format postgresql needs --out postgresql://user@host/database")
    if is_stream(target):
        if given not in (None, *_STREAM_FORMATS):
            raise InputError(
                "--format", f"{given} cannot be written to a stream; give a file, or jsonl or csv"
            )
        return given or "jsonl"
    if given is not None:
        return given
    path = Path(target)
    try:
        return _SUFFIXES[path.suffix.lower()]
    except KeyError:
        rule = (
            f"cannot tell the format of {path.name!r} from its extension; pass --format jsonl, csv or sqlite"
        )
        raise InputError("--out", rule) from None


def _userinfo(url: str) -> tuple[str, str, str] | None:
    """``(scheme://, userinfo, rest)`` of a URL with credentials: userinfo runs to the last ``@``
    before any query, so a password with a stray ``/`` or ``@`` is still all of it."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    head = rest.split("?", 1)[0]
    if "@" not in head:
        return None
    userinfo = head.rpartition("@")[0]
    return scheme + sep, userinfo, rest[len(userinfo) :]


def url_password(url: str) -> str | None:
    """The password of a URL as written (percent-encoded), if it has one."""
    parts = _userinfo(url)
    if parts is None or ":" not in parts[1]:
        return None
    return parts[1].split(":", 1)[1] or None


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (and any ``password=`` parameter likewise)."""
    parts = _userinfo(url)
    if parts is not None and url_password(url) is not None:
        scheme, userinfo, rest = parts
        url = f"{scheme}{userinfo.split(':', 1)[0]}:{MASK}{rest}"
    return re.sub(r"(?i)(password=)[^&#]*", rf"\g<1>{MASK}", url)


def redact_url(text: str, url: str) -> str:
    """``text`` (an error message, say) with every form of ``url``'s password masked."""
    secrets = set()
    password = url_password(url)
    if password:
        secrets |= {password, unquote(password)}
    for match in re.finditer(r"(?i)password=([^&#]*)", url):
        if match.group(1):
            secrets |= {match.group(1), unquote(match.group(1))}
    text = text.replace(url, mask_url(url))
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def shown(target: Path | str) -> str:
    """How messages name an output: ``stdout`` for ``-``, a URL without its password, else the path."""
    if is_database_url(target):
        return mask_url(str(target))
    if str(target) == STDOUT:
        return "stdout"
    return str(target)
