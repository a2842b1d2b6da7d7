"""Typed records from API responses, and typed requests to them, for every platform.

A :class:`Record` keeps the mapping it was read from in ``raw`` (not a copy): a
field the model does not name is not lost (``extra`` lists them), and a value
the model converted (a date) is still there as the server sent it.

Reading is strict. Each record class is read by one loop over a plan made once from its
field declarations: a field of a plain type costs one comparison when the value is
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
from typing import Any, NamedTuple, TypeVar, Union, get_args, get_origin

import attrs

from .errors import MalformedResponseError
from .jsoncodec import dumps
from .readers import parse_bool, parse_date, parse_datetime, parse_dict, parse_float, parse_int, parse_str
from .request import compact_json
from .responses import snippet

R = TypeVar("R", bound="Record")
_new = object.__new__
_set = object.__setattr__

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
_PLANS: dict[type, tuple[_Step, ...]] = {}
_FAILURES = (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError)


def _epoch_or_text(value: Any) -> datetime:
    """Epoch milliseconds from 1970 to 9999 at once; anything else through the full reader."""
    if value.__class__ is int and 0 <= value < 253402300800000:
        return datetime.fromtimestamp(value / 1000, UTC)
    return parse_datetime(value)


#: type: its reader, and the class a value may already have to be kept without a call.
_SCALARS: dict[Any, tuple[Callable[[Any], Any], type | None]] = {
    int: (parse_int, int),  # a bool's class is bool: it goes to the reader, which refuses it
    float: (parse_float, float),
    str: (parse_str, str),
    bool: (parse_bool, bool),
    dict: (parse_dict, dict),
    datetime: (_epoch_or_text, None),
    date: (parse_date, None),
}


class _Step(NamedTuple):
    """How one field is read: its key, the class kept as is, the reader, the default."""

    name: str
    key: str
    exact: type | None
    read: Callable[[Any], Any] | None
    default: Any
    factory: Callable[[], Any] | None


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
        return lambda data: _read_record(kind, data)
    if kind in _SCALARS:
        return _SCALARS[kind][0]
    raise TypeError(f"no reader for {kind!r}")


def _plan(cls: type) -> tuple[_Step, ...]:
    """How each field of ``cls`` is read, from its declaration (once per class)."""
    fields = [f for f in attrs.fields(attrs.resolve_types(cls)) if f.name != "raw"]
    if hasattr(cls, "__attrs_post_init__") or any(f.validator or f.converter for f in fields):
        raise TypeError(
            f"{cls.__name__}: a record is read field by field, with no validator, converter or hook"
        )
    steps = []
    for field in fields:
        custom = field.metadata.get("parse")
        scalar = _SCALARS.get(_optional(field.type))
        factory = field.default.factory if isinstance(field.default, attrs.Factory) else None  # type: ignore[arg-type]
        steps.append(
            _Step(
                field.name,
                wire_key(field),
                None if custom or scalar is None else scalar[1],
                custom or _reader(field.type),
                None if factory else field.default,
                factory,
            )
        )
    _PLANS[cls] = plan = tuple(steps)
    return plan


def _read_record(cls: type[R], data: Any) -> R:
    """``data`` as a ``cls`` record; raises :class:`FieldError` naming the path of fields.

    The instance is made and its (frozen) fields set directly, as attrs' own ``__init__``
    does, without it: checking each field once here is what the class needs, and the
    generic ``__init__`` call cost more than reading the fields.
    """
    if data.__class__ is not dict and not isinstance(data, Mapping):
        raise FieldError(cls.__name__, "expected an object, got " + type(data).__name__)
    plan = _PLANS.get(cls)
    record = _new(cls)
    for name, key, exact, read, default, factory in plan if plan is not None else _plan(cls):
        value = data.get(key)
        if value is not None and read is not None and value.__class__ is not exact:
            try:
                value = read(value)  # a custom reader may turn a value into None: the default then
            except FieldError as inner:
                raise FieldError(f"{cls.__name__}.{name} ({key!r}) > {inner.where}", inner.reason) from None
            except _FAILURES as exc:
                raise FieldError(f"{cls.__name__}.{name} ({key!r})", str(exc)) from None
        if value is None:
            value = default if factory is None else factory()
        _set(record, name, value)
    _set(record, "raw", data)  # the mapping itself: no copy
    return record


def structure(cls: type[R], data: Any) -> R:
    """``data`` as a ``cls`` record; a value that does not fit raises :class:`FieldError`."""
    return _read_record(cls, data)


def parse(cls: type[R], data: Any) -> R:
    """``data`` as a ``cls`` record; a value that does not fit raises
    :class:`MalformedResponseError` naming the field."""
    try:
        return _read_record(cls, data)
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
