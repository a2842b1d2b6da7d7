"""What changed since the last complete run: pure functions the table outputs share.

A record is identified by its account and its natural key (:func:`record_key`); its content by a
hash of its canonical JSON (:func:`content_hash`: keys sorted, so a server that reorders them
changes nothing). A run classifies each record against what the table holds
(:func:`classify`): ``new`` (absent, or gone before), ``changed`` (another hash) or
``unchanged``. When a complete run ends, the records the same harvest's earlier runs saw and this
one did not are ``gone``: marked, never deleted. The change feed (:func:`feed_line`) is a JSONL
line per new, changed or gone record.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from ..core.jsoncodec import dumps, loads_exact


class Change(enum.Enum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    GONE = "gone"


def content_hash(record: Any) -> str:
    """The record's content, as 32 hex digits of a hash of its canonical JSON."""
    return hashlib.blake2b(dumps(record, sort_keys=True), digest_size=16).hexdigest()


def record_key(values: Sequence[Any]) -> str:
    """The natural key's values (as sent) as JSON text: what ``_key`` holds."""
    return dumps(list(values)).decode()


def layout_digest(columns: Iterable[str]) -> str:
    """Which columns a row was written with (``_schema``): a row written with fewer is written
    again when next seen, so that a column added since gets its value."""
    return hashlib.blake2b("\n".join(columns).encode(), digest_size=6).hexdigest()


def new_run_id(now: datetime) -> str:
    """``20261207T045633Z-3f2a9c1d``: sortable by start, unique."""
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


@attrs.frozen
class Stored:
    """What the table holds of a record: its content hash, whether it was gone, its layout."""

    hash: str
    gone: bool
    schema: str


def classify(stored: Stored | None, hash_: str) -> Change:
    """The change a run sees in a record."""
    if stored is None or stored.gone:
        return Change.NEW
    return Change.UNCHANGED if stored.hash == hash_ else Change.CHANGED


@attrs.define
class Tally:
    """Records a run (or a page) found new, changed, unchanged, and gone at its end."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0

    def add(self, change: Change, n: int = 1) -> None:
        setattr(self, change.value, getattr(self, change.value) + n)

    def text(self) -> str:
        """``new 12 · changed 3 · gone 1``."""
        return f"new {self.new:,} · changed {self.changed:,} · gone {self.gone:,}"


def feed_line(change: str, account: str, kind: str, key_names: Sequence[str], key: str, record: Any) -> bytes:
    """One line of the change feed: the change, the account, the kind, the key by name, the record
    as the API returned it (for ``gone``: as it was last seen)."""
    values = loads_exact(key)
    entry: Mapping[str, Any] = {
        "change": change,
        "account": account,
        "kind": kind,
        "key": dict(zip(key_names, values, strict=False)),
        "record": record,
    }
    return dumps(entry) + b"\n"
