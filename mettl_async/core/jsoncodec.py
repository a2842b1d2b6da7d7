"""JSON as the platforms send it, read and written exactly: integers of any size, any depth.

Reading is msgspec's, in C: integers of any size exact, text strictly UTF-8 (no byte-order
mark, no lone surrogate), no ``NaN`` or infinities. Pure functions. Only the package's own
exceptions leave this module.
"""

from __future__ import annotations

import json
from typing import Any

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


def may_hold_long_integer(data: bytes | str) -> bool:
    """Whether JSON text may hold an integer orjson does not read exactly (outside
    [-2**63, 2**64)): a run of 20 digits or more, or 19 after a minus sign (in a string too)."""
    scan = (data.encode() if isinstance(data, str) else data).translate(_DIGITS)
    return _LONG_RUN in scan or _LONG_NEGATIVE in scan


def loads_exact(data: bytes | str) -> Any:
    """The JSON value of ``data``, integers of any size read exactly (a 30-digit id stays that id).

    Raises :class:`ValueError` for anything that is not JSON: ``NaN``, ``Infinity``, numbers
    beyond a double's range, text that is not UTF-8 (a byte-order mark included), lone
    surrogates, nesting deeper than 1,024 levels.
    """
    try:
        return _read(data)
    except RecursionError:
        return _read_deep(data)


def _read_deep(data: bytes | str) -> Any:
    """msgspec recurses, as deep as the interpreter's recursion limit less the caller's stack
    (about 900 levels from a coroutine); orjson reads 1,024 levels, but integers beyond 64 bits
    as floats: a body holding one that deep is refused, never read wrongly."""
    if may_hold_long_integer(data):
        raise ValueError("nested too deeply to read its integers beyond 64 bits exactly")
    return orjson.loads(data)


def parse_json(body: bytes) -> Any:
    """The JSON value of a body, ``None`` for an empty one, :data:`NOT_JSON` for anything else.

    Integers of any size are read exactly (see :func:`loads_exact`).
    """
    if not body.strip():
        return None
    try:
        return loads_exact(body)
    except ValueError:  # msgspec.DecodeError, orjson.JSONDecodeError and UnicodeError are ValueErrors
        return NOT_JSON


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
