"""How far a harvest got, written so that a crash at any instant leaves the old or the new state."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import orjson

from ..core.errors import MettlError
from ..core.paging_styles import PagePosition


class HarvestError(MettlError):
    """A harvest cannot start or resume as asked (the message says why and what to do)."""


@attrs.frozen
class Checkpoint:
    """How far a harvest got: ``next`` is the page to fetch (``None`` when complete)."""

    fingerprint: Mapping[str, Any]
    next: PagePosition | None
    records: int
    #: Bytes of output durably written (file formats).
    size: int | None = None
    #: Complete units after ``size`` are webhook events a receiver landed (file formats): a resume
    #: keeps them, where it would cut off a page written after the checkpoint.
    events_follow: bool = False

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
                **({"events_follow": True} if self.events_follow else {}),
            },
            option=orjson.OPT_INDENT_2,
        )

    @classmethod
    def from_json(cls, data: bytes) -> Checkpoint:
        raw = orjson.loads(data)
        following = raw.get("next")
        records, size, events = raw["records"], raw.get("size"), raw.get("events_follow", False)
        if not isinstance(records, int) or records < 0 or not (size is None or isinstance(size, int)):
            raise ValueError("records and size must be non-negative integers")
        if not isinstance(events, bool):
            raise ValueError("events_follow must be true or false")
        return cls(
            fingerprint=raw["fingerprint"],
            next=PagePosition.from_dict(following) if following else None,
            records=records,
            size=size,
            events_follow=events,
        )


def check_fingerprint(checkpoint: Checkpoint, fingerprint: Mapping[str, Any], where: Path | str) -> None:
    if dict(checkpoint.fingerprint) != dict(fingerprint):
        raise HarvestError(
            f"the checkpoint in {where} is for another harvest: "
            f"{fingerprint_differences(checkpoint.fingerprint, fingerprint)}; "
            "run without --resume to start over, or resume with the options it was started with"
        )


def fingerprint_differences(kept: Mapping[str, Any], wanted: Mapping[str, Any]) -> str:
    """How two harvests differ, as a reader says it: ``kind tests (this run: results), filters
    none (this run: assessment=101)``."""

    def shown(value: Any) -> str:
        if isinstance(value, Mapping):
            return ", ".join(f"{k}={v}" for k, v in sorted(value.items())) or "none"
        return "none" if value is None else str(value)

    return ", ".join(
        f"{key} {shown(kept.get(key))} (this run: {shown(wanted.get(key))})"
        for key in sorted(set(kept) | set(wanted))
        if kept.get(key) != wanted.get(key)
    )


def fsync_directory(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new content; a
    :class:`HarvestError` naming the file when it cannot be written (the old content stands)."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        with open(temporary, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
        fsync_directory(path.parent)
    except OSError as error:
        raise HarvestError(f"cannot write {path}: {error.strerror or error}") from None


def remove_durably(path: Path) -> None:
    """Delete ``path`` (if present) and make the deletion durable before going on."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    fsync_directory(path.parent)
