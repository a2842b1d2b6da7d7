"""JSON as the platforms send it, read and written exactly: integers of any size, any depth.

Reading is msgspec's, in C: integers of any size exact, text strictly UTF-8 (no byte-order
mark, no lone surrogate), no ``NaN`` or infinities. A list page can also be read with its
records kept as the server sent them (:class:`AsSent`): each record's JSON text, sliced out of
the body and never decoded, for outputs that write records as they came (JSONL). Pure
functions. Only the package's own exceptions leave this module.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import msgspec
import orjson

#: What :func:`parse_json` returns for a body that is not JSON.
NOT_JSON: Any = object()

_read = msgspec.json.Decoder().decode

#: orjson reads integers outside [-2**63, 2**64) as floats. Written in JSON, such an integer has
#: 20 digits or more, or 19 after a minus sign; a text holding either (in a number or a string)
#: is found by mapping digits to "9", "-" to itself and the rest to " " (linear, unlike a regex).
_DIGITS = bytes(ord("9") if 48 <= b <= 57 else b if b == ord("-") else 32 for b in range(256))
_LONG_RUN = b"9" * 20
_LONG_NEGATIVE = b"-" + b"9" * 19


def may_hold_long_integer(data: bytes | str | msgspec.Raw) -> bool:
    """Whether JSON text may hold an integer orjson does not read exactly (outside
    [-2**63, 2**64)): a run of 20 digits or more, or 19 after a minus sign (in a string too)."""
    scan = (data.encode() if isinstance(data, str) else bytes(data)).translate(_DIGITS)
    return _LONG_RUN in scan or _LONG_NEGATIVE in scan


def loads_exact(data: bytes | str | msgspec.Raw) -> Any:
    """The JSON value of ``data``, integers of any size read exactly (a 30-digit id stays that id).

    Raises :class:`ValueError` for anything that is not JSON: ``NaN``, ``Infinity``, numbers
    beyond a double's range, text that is not UTF-8 (a byte-order mark included), lone
    surrogates, nesting deeper than 1,024 levels.
    """
    try:
        return _read(data)
    except RecursionError:
        return _read_deep(data)


def _read_deep(data: bytes | str | msgspec.Raw) -> Any:
    """msgspec recurses, as deep as the interpreter's recursion limit less the caller's stack
    (about 900 levels from a coroutine); orjson reads 1,024 levels, but integers beyond 64 bits
    as floats: a body holding one that deep is refused, never read wrongly."""
    if may_hold_long_integer(data):
        raise ValueError("nested too deeply to read its integers beyond 64 bits exactly")
    return orjson.loads(data if isinstance(data, str | bytes) else bytes(data))


@attrs.frozen
class AsSent:
    """What a list page's request expects: a JSON object whose records, at the first of the
    dotted ``paths`` present, are kept as sent (each object's text, a :class:`msgspec.Raw`);
    everything else in the body is decoded."""

    paths: tuple[str, ...]


#: What a request expects its answer's body to be: ``"json"``, ``"text"``, or :class:`AsSent`.
Expect = str | AsSent


def parse_json(body: bytes, expect: Expect = "json") -> Any:
    """The JSON value of a body, ``None`` for an empty one, :data:`NOT_JSON` for anything else.

    Integers of any size are read exactly (see :func:`loads_exact`). With :class:`AsSent`, the
    records are kept as their text where the body has the expected shape (see
    ``_records_as_sent``); any other body is read as without it, so that the usual checks
    say what is wrong with it.
    """
    if not body.strip():
        return None
    try:
        if isinstance(expect, AsSent):
            kept = _records_as_sent(body, expect.paths)
            if kept is not None:
                return kept
        return loads_exact(body)
    except ValueError:  # msgspec.DecodeError, orjson.JSONDecodeError and UnicodeError are ValueErrors
        return NOT_JSON


_members = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
_elements = msgspec.json.Decoder(list[msgspec.Raw]).decode


def _starts(text: msgspec.Raw, start: bytes) -> bool:
    return memoryview(text)[: len(start)] == start


def _records_as_sent(body: bytes, paths: tuple[str, ...]) -> dict[str, Any] | None:
    """``body`` decoded but for the list of objects at the first of ``paths`` present, each object
    kept as its text; ``None`` when the body is not an object holding such a list (or ``null``),
    or nests too deeply to be sliced: the caller then decodes it whole.

    Slicing checks the JSON's syntax, escapes included, but not what decoding alone would: the
    UTF-8 of the records is checked here; a number is not read, so one beyond a double's range
    (``1e400``), which a decoded record refuses, is kept as its text.
    """
    try:
        members = _members(body)
        for path in paths:
            kept = _kept_at(members, path.split("."))
            if kept is not None:
                return kept
    except (msgspec.ValidationError, RecursionError):
        pass
    return None


def _kept_at(members: dict[str, msgspec.Raw], keys: list[str]) -> dict[str, Any] | None:
    head, rest = keys[0], keys[1:]
    value = members.get(head)
    if value is None:
        return None
    kept: Any
    if rest:
        kept = _kept_at(_members(value), rest) if _starts(value, b"{") else None
    elif _starts(value, b"null"):
        kept = []
    elif _starts(value, b"["):
        kept = _elements(value)
        if not all(_starts(record, b"{") for record in kept):
            return None
        str(value, "utf-8")  # raises UnicodeDecodeError, a ValueError, for bytes that are not UTF-8
    else:
        kept = None
    if kept is None:
        return None
    return {name: kept if name == head else loads_exact(text) for name, text in members.items()}


#: What :func:`members_reader` gives for a member the object lacks.
ABSENT: Any = msgspec.UNSET


def members_reader(names: tuple[str, ...]) -> Callable[[bytes | msgspec.Raw], tuple[Any, ...]]:
    """A reader of the members ``names`` of a JSON object's text, every other member skipped (in C):
    their values in order, :data:`ABSENT` for one the object lacks. Raises :class:`ValueError` for
    text that is not an object, or a value of these members that the decoder refuses."""
    fields = {f"m{index}": name for index, name in enumerate(names)}  # any text may name a member
    shape = msgspec.defstruct("Members", [(f, Any, ABSENT) for f in fields], rename=fields)
    decode = msgspec.json.Decoder(shape).decode
    astuple = msgspec.structs.astuple

    def read(text: bytes | msgspec.Raw) -> tuple[Any, ...]:
        try:
            return astuple(decode(text))
        except RecursionError:
            raise ValueError("nested too deeply to read") from None

    return read


def members_first(text: bytes | msgspec.Raw, members: Mapping[str, Any]) -> bytes:
    """A JSON object's text with ``members`` (none of which it has) written before its own."""
    rest = bytes(text)[1:]  # after its "{"
    head = dumps(dict(members))[:-1]
    return head + (rest if rest.lstrip().startswith(b"}") else b"," + rest)


_NEWLINES_AS_SPACES = bytes.maketrans(b"\r\n", b"  ")


def json_line(record: Any) -> bytes:
    """A record as one line of JSON, without its newline: its text as sent (a decoded record:
    written compactly). Text spanning lines (a pretty-printing server) has its whitespace outside
    strings removed (``msgspec.json.format``); strings, numbers, escapes and the order of keys
    stay as sent. (A newline or carriage return is never inside a JSON string, where it must be
    escaped; nested too deeply for the formatter, each becomes a space.)"""
    if isinstance(record, dict):
        return dumps(record)
    text = bytes(record)
    if b"\n" not in text and b"\r" not in text:
        return text
    try:
        return msgspec.json.format(text, indent=-1)
    except (ValueError, RecursionError):
        return text.translate(_NEWLINES_AS_SPACES)


def json_lines(records: list[Any]) -> bytes:
    """Records as JSON lines (:func:`json_line`), each ending with a newline."""
    texts = [dumps(record) if isinstance(record, dict) else record for record in records]
    data = b"\n".join(texts)
    if data.count(b"\n") == len(texts) - 1 and b"\r" not in data:  # no record spans lines
        return data + b"\n" if texts else b""
    return b"".join(json_line(text) + b"\n" for text in texts)


def dumps(value: Any, *, sort_keys: bool = False) -> bytes:
    """Compact JSON bytes of a decoded value: integers of any size, nesting of any depth;
    with ``sort_keys``, object members in the order of their names."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else None)
    except TypeError:  # an integer beyond 64 bits, or deeper than orjson's 255 levels
        return _dumps_with_a_stack(value, sort_keys=sort_keys)


class _Punctuation(bytes):
    """Bytes this writer queued itself (a type of its own: data holding bytes is refused)."""


_OPEN_OBJECT, _CLOSE_OBJECT = _Punctuation(b"{"), _Punctuation(b"}")
_OPEN_ARRAY, _CLOSE_ARRAY, _COMMA = _Punctuation(b"["), _Punctuation(b"]"), _Punctuation(b",")


def _dumps_with_a_stack(value: Any, *, sort_keys: bool) -> bytes:
    """What orjson would write, walking with a stack of its own (the standard library's
    encoder recurses, and a 1,000-level record that orjson read would exhaust it)."""
    out: list[bytes] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if item.__class__ is _Punctuation:
            out.append(item)
        elif isinstance(item, dict):
            out.append(_OPEN_OBJECT)
            stack.append(_CLOSE_OBJECT)
            entries = sorted(item.items()) if sort_keys else list(item.items())
            for index in range(len(entries) - 1, -1, -1):
                name, member = entries[index]
                stack.extend((member, _Punctuation(_name(name) + b":")))
                if index:
                    stack.append(_COMMA)
        elif isinstance(item, list | tuple):
            out.append(_OPEN_ARRAY)
            stack.append(_CLOSE_ARRAY)
            for index in range(len(item) - 1, -1, -1):
                stack.append(item[index])
                if index:
                    stack.append(_COMMA)
        elif isinstance(item, int) and not isinstance(item, bool):
            out.append(str(item).encode())
        else:
            out.append(orjson.dumps(item))
    return b"".join(out)


def _name(name: Any) -> bytes:
    """An object member's name: text, or a scalar written as the standard library would."""
    return orjson.dumps(name if isinstance(name, str) else json.dumps(name))
