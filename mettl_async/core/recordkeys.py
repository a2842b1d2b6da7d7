"""What names a record within a list, for a walk's duplicate check: its natural key, else its content.

A record is a decoded object (a ``dict``) or, in a walk that keeps records as sent, its JSON
text (:class:`~mettl_async.core.jsoncodec.AsSent`). From text, a :class:`NaturalKey` decodes only
its own fields; any other key, and the content, need the record decoded. Pure functions.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

import attrs

from .jsoncodec import ABSENT, dumps, loads_exact, members_reader

#: What identifies a record in a list, read from a decoded record.
RecordKey = Callable[[Mapping[str, Any]], Hashable]


def content_fingerprint(record: Mapping[str, Any]) -> int:
    """A record by its whole content (keys in any order): Python's keyed 64-bit hash of its
    canonical JSON bytes, enough to tell records apart within one walk."""
    return hash(dumps(record, sort_keys=True))


@attrs.frozen
class NaturalKey:
    """A record's natural key: the value of its one field, or the tuple of its ``fields``' values,
    or what ``fold`` makes of those values (``None``: the record has no key, so its content names
    it). A missing field reads as ``None``."""

    fields: tuple[str, ...]
    fold: Callable[..., Hashable] | None = None
    _read: Callable[[Any], tuple[Any, ...]] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_read", members_reader(self.fields))

    def __call__(self, record: Mapping[str, Any]) -> Hashable:
        return self._of([record.get(name) for name in self.fields])

    def from_text(self, text: Any) -> Hashable:
        """The key of a record's JSON text, its other members skipped; :class:`ValueError` for text
        whose key fields cannot be read (not an object, a number beyond a double's range)."""
        return self._of([None if value is ABSENT else value for value in self._read(text)])

    def _of(self, values: list[Any]) -> Hashable:
        if self.fold is not None:
            return self.fold(*values)
        return values[0] if len(values) == 1 else tuple(values)


def record_fingerprint(key: RecordKey | None, record: Any) -> int:
    """The record's natural key, hashed; its content where the key is missing (``None`` or all
    ``None``) or is not a value (a list or object from a misbehaving server), or where ``key`` is
    ``None``."""
    if record.__class__ is dict or isinstance(record, Mapping):
        value = None if key is None else key(record)
    else:
        value = _key_of_text(key, record)
    if value is None or (isinstance(value, tuple) and all(part is None for part in value)):
        return _content(record)
    if value.__class__ is str:
        return hash(value)
    try:
        hash(value)
    except TypeError:
        return _content(record)
    # Numbers hash as numbers (-1 and -2 alike, and every 2**61-1 apart): hash their text.
    return hash(dumps(value))


def _key_of_text(key: RecordKey | None, text: Any) -> Hashable:
    if key is None:
        return None
    try:
        if isinstance(key, NaturalKey):
            return key.from_text(text)
        return key(loads_exact(text))
    except ValueError:  # undecodable where the key is: the content names it
        return None


def _content(record: Any) -> int:
    if record.__class__ is dict or isinstance(record, Mapping):
        return content_fingerprint(record)
    try:
        return content_fingerprint(loads_exact(record))
    except ValueError:  # a number beyond a double's range, say: the text itself names it
        return hash(bytes(record))
