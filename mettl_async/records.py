"""Typed records from API responses, and typed requests to them, for every platform.

A :class:`Record` keeps the mapping it was read from in ``raw`` (not a copy): a
field the model does not name is not lost (``extra`` lists them), and a value
the model converted (a date) is still there as the server sent it.

Reading is strict. Each field's reader is built once per class from its type
(cattrs generates the function that reads a mapping) and refuses a value of the
wrong type instead of changing it: ``3.9`` is not an ``int``, ``{"a": 1}`` is not
a ``str``, ``true`` is not an id, and a 30-digit id stays that id. A field that
may vary is typed ``Any`` and kept as sent. A failure is a
:class:`~mettl_async.errors.MalformedResponseError` naming the model and the field.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
import orjson
from cattrs.gen import make_dict_structure_fn, override

from .errors import MalformedResponseError
from .request import compact_json
from .wire import dumps, snippet

R = TypeVar("R", bound="Record")

__all__ = [
    "Record",
    "camel",
    "compact_json",
    "parse",
    "parse_bool",
    "parse_date",
    "parse_datetime",
    "parse_json_object",
    "parser",
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


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def parse_datetime(value: Any) -> datetime:
    """A timestamp as a datetime.

    * epoch milliseconds (``1556263044217``) -> aware, UTC;
    * ``"Jan 14, 2019 1:00:00 AM"`` -> naive, in the account's time zone (the API says no more);
    * ISO 8601 -> as given.
    """
    try:
        return _parse_datetime(value)
    except OverflowError:  # a year past what datetime holds
        raise ValueError(f"date out of range: {value!r}") from None


def _parse_datetime(value: Any) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_epoch_ms(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return _from_epoch_ms(int(text))
        parts = text.replace(",", " ").split()
        if len(parts) == 5 and parts[0][:3].title() in _MONTHS:
            month, day, year, clock, meridiem = parts
            hour, minute, second = (int(x) for x in clock.split(":"))
            if not 1 <= hour <= 12 or meridiem.upper() not in ("AM", "PM"):
                raise ValueError(f"not a 12-hour time: {value!r}")
            hour = hour % 12 + (12 if meridiem.upper() == "PM" else 0)
            return datetime(int(year), _MONTHS[month[:3].title()], int(day), hour, minute, second)
        return datetime.fromisoformat(text)
    raise ValueError(f"not a date and time: {value!r}")


def _from_epoch_ms(value: float) -> datetime:
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError) as exc:  # far out of range: time_t overflows
        raise ValueError(f"epoch milliseconds out of range: {value!r}") from exc


def parse_date(value: Any) -> date:
    """``"2019-04-26"`` (or any form :func:`parse_datetime` reads) as a date."""
    if isinstance(value, str) and len(value.strip()) == 10:
        return date.fromisoformat(value.strip())
    return parse_datetime(value).date()


def parse_bool(value: Any) -> bool:
    """Strict: ``bool("false")`` is true, so strings and numbers are read, not cast."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"not a boolean: {value!r}")


def parse_int(value: Any) -> int:
    """A JSON integer. Not a boolean, not a fraction, not a float that lost digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(f"not an integer: {value!r}")


def parse_float(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise ValueError(f"not a number: {value!r}")


def parse_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ValueError(f"not text: {type(value).__name__}")


def parse_json_object(value: Any) -> dict[str, Any] | None:
    """An object that some responses send as a JSON string instead (``crf``,
    ``sectional_scores``); an empty string means none."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            raise ValueError("a string that is not a JSON object") from None
    if not isinstance(value, dict):
        raise ValueError(f"not an object: {type(value).__name__}")
    return value


def _parse_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise ValueError(f"not an object: {type(value).__name__}")


converter = cattrs.Converter(detailed_validation=False)

_SCALARS: dict[Any, Callable[[Any], Any]] = {
    int: parse_int,
    float: parse_float,
    str: parse_str,
    bool: parse_bool,
    datetime: parse_datetime,
    date: parse_date,
    dict: _parse_dict,
}
_KNOWN: dict[type, frozenset[str]] = {}


def _known_keys(cls: type) -> frozenset[str]:
    if cls not in _KNOWN:
        _KNOWN[cls] = frozenset(wire_key(f) for f in attrs.fields(cls) if f.name != "raw")
    return _KNOWN[cls]


def _reader(kind: Any) -> Callable[[Any], Any]:
    """The function that reads one value of type ``kind`` (``None`` passes through)."""
    if kind is Any or kind is object:
        return lambda v: v
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(kind) if a is not type(None)]
        if len(options) == 1:
            return _reader(options[0])
        return lambda v: v  # a union of several types may vary: kept as sent
    if origin is list or kind is list:
        (item,) = get_args(kind) or (Any,)
        read_item = _reader(item)

        def read_list(value: Any) -> list[Any]:
            if not isinstance(value, list):
                raise ValueError(f"not a list: {type(value).__name__}")
            return [read_item(v) for v in value]

        return read_list
    if origin is dict or kind is dict:
        return _parse_dict
    if origin is typing.Literal:
        allowed = get_args(kind)

        def read_literal(value: Any) -> Any:
            if value not in allowed:
                raise ValueError(f"not one of {allowed}: {value!r}")
            return value

        return read_literal
    if isinstance(kind, type) and issubclass(kind, Record):
        return lambda v: converter.structure(v, kind)
    if kind in _SCALARS:
        return _SCALARS[kind]
    raise TypeError(f"no reader for {kind!r}")


def _field_hook(cls: type, attribute: attrs.Attribute[Any]) -> Callable[[Any, Any], Any]:
    custom = attribute.metadata.get("parse")
    read = custom or _reader(attribute.type)
    is_list = get_origin(attribute.type) is list or attribute.type is list
    where = f"{cls.__name__}.{attribute.name} ({wire_key(attribute)!r})"

    def hook(value: Any, _: Any) -> Any:
        if value is None:
            return [] if is_list else None
        try:
            return read(value)
        except FieldError as inner:  # in a nested record: name the whole path
            raise FieldError(f"{where} > {inner.where}", inner.reason) from None
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError) as exc:
            raise FieldError(where, str(exc)) from None

    return hook


class FieldError(ValueError):
    """A value of the wrong type in a named field (``where``: the path of fields to it)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


def _record_hook(cls: type[R]) -> Callable[[Any, Any], R]:
    attrs.resolve_types(cls)
    overrides: dict[str, Any] = {"raw": override(omit=True)}
    for attribute in attrs.fields(cls):
        if attribute.name != "raw":
            overrides[attribute.name] = override(
                rename=wire_key(attribute), struct_hook=_field_hook(cls, attribute)
            )
    build = make_dict_structure_fn(cls, converter, **overrides)
    set_raw = object.__setattr__

    def structure(data: Any, _: Any) -> R:
        if not isinstance(data, Mapping):
            raise FieldError(cls.__name__, f"expected an object, got {type(data).__name__}")
        record = build(data, cls)
        set_raw(record, "raw", data)  # the mapping itself: no copy
        return record

    return structure


converter.register_structure_hook_factory(
    lambda t: isinstance(t, type) and issubclass(t, Record), _record_hook
)


def parse(cls: type[R], data: Any) -> R:
    """``data`` as a ``cls`` record; a value that does not fit raises
    :class:`MalformedResponseError` naming the field."""
    try:
        return converter.structure(data, cls)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError, OverflowError) as exc:
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
