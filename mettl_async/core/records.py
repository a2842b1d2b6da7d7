"""Typed records from API responses, and typed requests to them, for every platform.

A :class:`Record` keeps the mapping it was read from in ``raw`` (not a copy): a
field the model does not name is not lost (``extra`` lists them), and a value
the model converted (a date) is still there as the server sent it.

Reading is strict. For each record class a reader is generated once, as source
code (the way cattrs generates its structure functions, but with the type
checks inline): a field of a plain type costs one comparison when the value is
right, and a value of the wrong type is refused, never changed: ``3.9`` is not
an ``int``, ``{"a": 1}`` is not a ``str``, ``true`` is not an id, and a 30-digit id
stays that id. A field that may vary is typed ``Any`` and kept as sent. A
failure is a :class:`~mettl_async.core.errors.MalformedResponseError` naming the model
and the path of fields to the value.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs

from .errors import MalformedResponseError
from .jsoncodec import dumps
from .readers import parse_bool, parse_date, parse_datetime, parse_dict, parse_float, parse_int, parse_str
from .request import compact_json
from .responses import snippet

R = TypeVar("R", bound="Record")

__all__ = [
    "FieldError",
    "Record",
    "camel",
    "compact_json",
    "parse",
    "parser",
    "structure",
    "to_wire",
    "wire_key",
]


def camel(name: str) -> str:
    """``slot_window_id`` -> ``slotWindowId``."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def wire_key(attribute: attrs.Attribute[Any]) -> str:
    """The response key of a field: ``metadata={"key": …}`` or the camelCase of its name.

    A field may also name ``metadata={"parse": fn}`` for a value the type alone
    cannot read. Fields typed ``list[...]`` read a missing or null value as empty.
    """
    return str(attribute.metadata.get("key") or camel(attribute.name))


@attrs.frozen(kw_only=True)
class Record:
    """A response object. ``raw`` is the mapping as received; ``extra`` its unmodelled keys."""

    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def extra(self) -> dict[str, Any]:
        known = _known_keys(type(self))
        return {k: v for k, v in self.raw.items() if k not in known}


class FieldError(ValueError):
    """A value of the wrong type in a named field (``where``: the path of fields to it)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


_KNOWN: dict[type, frozenset[str]] = {}
_READERS: dict[type, Callable[[Any], Any]] = {}
_SCALARS: dict[Any, tuple[Callable[[Any], Any], str | None] | tuple[Callable[[Any], Any], str, str]] = {
    # type: (reader, the inline test that lets a right value through without a call[, what it
    # becomes when the test passes: the value itself by default])
    int: (parse_int, "v.__class__ is int"),
    float: (parse_float, "v.__class__ is float"),
    str: (parse_str, "v.__class__ is str"),
    bool: (parse_bool, "v is True or v is False"),
    dict: (parse_dict, "v.__class__ is dict"),
    # Epoch milliseconds from 1970 to 9999 need no call; anything else goes through the reader.
    datetime: (parse_datetime, "v.__class__ is int and 0 <= v < 253402300800000", "fromts(v / 1000, UTC)"),
    date: (parse_date, None),
}
_FAILURES = (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError)


def _known_keys(cls: type) -> frozenset[str]:
    if cls not in _KNOWN:
        _KNOWN[cls] = frozenset(wire_key(f) for f in attrs.fields(cls) if f.name != "raw")
    return _KNOWN[cls]


def _optional(kind: Any) -> Any:
    """``X | None`` -> ``X``; several types -> ``Any`` (the value may vary: kept as sent)."""
    if get_origin(kind) in (Union, types.UnionType):
        options = [a for a in get_args(kind) if a is not type(None)]
        return options[0] if len(options) == 1 else Any
    return kind


def _reader(kind: Any) -> Callable[[Any], Any] | None:
    """The function that reads one value of type ``kind``; ``None`` for a value kept as sent."""
    kind = _optional(kind)
    if kind is Any or kind is object:
        return None
    origin = get_origin(kind)
    if origin is list or kind is list:
        (item,) = get_args(kind) or (Any,)
        read_item = _reader(item)

        def read_list(value: Any) -> list[Any]:
            if value.__class__ is not list:
                raise ValueError(f"not a list: {type(value).__name__}")
            return value if read_item is None else [read_item(v) for v in value]

        return read_list
    if origin is dict:
        return parse_dict
    if origin is typing.Literal:
        allowed = get_args(kind)

        def read_literal(value: Any) -> Any:
            if value not in allowed:
                raise ValueError(f"not one of {allowed}: {value!r}")
            return value

        return read_literal
    if isinstance(kind, type) and issubclass(kind, Record):
        return _record_reader(kind)
    if kind in _SCALARS:
        return _SCALARS[kind][0]
    raise TypeError(f"no reader for {kind!r}")


def _guarded(read: Callable[[Any], Any], where: str) -> Callable[[Any], Any]:
    """``read`` whose failures name the field (and, in a nested record, the whole path)."""

    def read_field(value: Any) -> Any:
        try:
            return read(value)
        except FieldError as inner:
            raise FieldError(f"{where} > {inner.where}", inner.reason) from None
        except _FAILURES as exc:
            raise FieldError(where, str(exc)) from None

    return read_field


def _record_reader(cls: type[R]) -> Callable[[Any], R]:
    """The generated reader of ``cls``, made on first use (a class may refer to itself)."""
    if cls not in _READERS:
        _READERS[cls] = lambda data: _READERS[cls](data)  # a field of cls's own type, while generating
        _READERS[cls] = _generate(cls)
    reader: Callable[[Any], R] = _READERS[cls]
    return reader


def _generate(cls: type[R]) -> Callable[[Any], R]:
    attrs.resolve_types(cls)
    env: dict[str, Any] = {
        "Mapping": Mapping,
        "FieldError": FieldError,
        "cls": cls,
        "set": object.__setattr__,
        "fromts": datetime.fromtimestamp,
        "UTC": UTC,
    }
    lines = [
        "def read(o):",
        "    if o.__class__ is not dict and not isinstance(o, Mapping):",
        f"        raise FieldError({cls.__name__!r}, 'expected an object, got ' + type(o).__name__)",
        "    kw = {}",
    ]
    for index, field in enumerate(f for f in attrs.fields(cls) if f.name != "raw"):
        key = wire_key(field)
        where = f"{cls.__name__}.{field.name} ({key!r})"
        custom = field.metadata.get("parse")
        read = custom or _reader(field.type)
        scalar = None if custom else _SCALARS.get(_optional(field.type))
        inline = scalar[1] if scalar else None
        value = scalar[2] if scalar and len(scalar) > 2 else "v"
        lines.append(f"    v = o.get({key!r})")
        if read is None:
            lines.append(f"    if v is not None: kw[{field.name!r}] = v")
            continue
        env[f"r{index}"] = _guarded(read, where)
        if custom is not None:  # a custom reader may turn a value into None: keep the default then
            lines.append(f"    if v is not None and (v := r{index}(v)) is not None: kw[{field.name!r}] = v")
        elif inline:
            lines.append(f"    if v is not None: kw[{field.name!r}] = {value} if {inline} else r{index}(v)")
        else:
            lines.append(f"    if v is not None: kw[{field.name!r}] = r{index}(v)")
    lines += ["    r = cls(**kw)", "    set(r, 'raw', o)  # the mapping itself: no copy", "    return r"]
    exec(compile("\n".join(lines), f"<record reader {cls.__qualname__}>", "exec"), env)  # noqa: S102
    reader: Callable[[Any], R] = env["read"]
    return reader


def structure(cls: type[R], data: Any) -> R:
    """``data`` as a ``cls`` record; a value that does not fit raises :class:`FieldError`."""
    return _record_reader(cls)(data)


def parse(cls: type[R], data: Any) -> R:
    """``data`` as a ``cls`` record; a value that does not fit raises
    :class:`MalformedResponseError` naming the field."""
    try:
        return _record_reader(cls)(data)
    except _FAILURES as exc:
        try:
            shown = snippet(dumps(data))
        except (TypeError, ValueError, RecursionError):  # nesting past what JSON writers take
            shown = snippet(repr(data)[:4000].encode())
        raise MalformedResponseError(
            f"could not read a {cls.__name__}: {exc}; from {shown}", retryable=False
        ) from None


def parser(cls: type[R]) -> Callable[[Any], R]:
    """``parse`` bound to one record class, for list endpoints."""
    return lambda data: parse(cls, data)


def to_wire(obj: Any) -> Any:
    """A request model as the API wants it: camelCase keys, unset (``None``) values left out."""
    if attrs.has(type(obj)):
        return {
            wire_key(f): to_wire(v)
            for f in attrs.fields(type(obj))
            if (v := getattr(obj, f.name)) is not None
        }
    if isinstance(obj, list | tuple):
        return [to_wire(v) for v in obj]
    if isinstance(obj, Mapping):
        return {k: to_wire(v) for k, v in obj.items()}
    return obj
