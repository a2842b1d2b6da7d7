"""Typed records from API responses, and typed requests to them: one cattrs converter.

A :class:`Record` keeps the mapping it was read from in ``raw``: a field that
the model does not name is not lost (``extra`` lists them), and a value the
model converted (a date) is still there as the server sent it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar, get_origin

import attrs
import cattrs
import orjson
from cattrs.gen import make_dict_structure_fn, override

from ..errors import MalformedResponseError
from ..wire import snippet

R = TypeVar("R", bound="Record")

_RAW_KEY = "\x00raw"


def camel(name: str) -> str:
    """``slot_window_id`` -> ``slotWindowId``."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def wire_key(attribute: attrs.Attribute[Any]) -> str:
    """The response key of a field: ``metadata={"key": …}`` or the camelCase of its name.

    A field may also name ``metadata={"parse": fn}`` for a value cattrs cannot read
    alone. Fields typed ``list[...]`` read a missing or null value as empty.
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
    """A Mettl timestamp as a datetime.

    * epoch milliseconds (``1556263044217``) -> aware, UTC;
    * ``"Jan 14, 2019 1:00:00 AM"`` -> naive, in the account's time zone (the API says no more);
    * ISO 8601 -> as given.
    """
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
    except (OverflowError, OSError) as exc:  # far out of range: the platform's time_t overflows
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


def parse_json_object(value: Any) -> dict[str, Any] | None:
    """An object that some responses send as a JSON string instead (the ``crf`` field);
    an empty string means none."""
    if isinstance(value, str):
        if not value.strip():
            return None
        value = orjson.loads(value)
    if not isinstance(value, dict):
        raise ValueError(f"not an object: {value!r}")
    return value


converter = cattrs.Converter(detailed_validation=False)
converter.register_structure_hook(datetime, lambda v, _: parse_datetime(v))
converter.register_structure_hook(date, lambda v, _: parse_date(v))
converter.register_structure_hook(bool, lambda v, _: parse_bool(v))

_KNOWN: dict[type, frozenset[str]] = {}


def _known_keys(cls: type) -> frozenset[str]:
    if cls not in _KNOWN:
        _KNOWN[cls] = frozenset(wire_key(f) for f in attrs.fields(cls) if f.name != "raw")
    return _KNOWN[cls]


def _record_hook(cls: type[R]) -> Callable[[Any, Any], R]:
    attrs.resolve_types(cls)
    overrides: dict[str, Any] = {"raw": override(rename=_RAW_KEY, struct_hook=lambda v, _: v)}
    list_keys: list[str] = []
    for attribute in attrs.fields(cls):
        if attribute.name == "raw":
            continue
        hook = attribute.metadata.get("parse")
        overrides[attribute.name] = override(
            rename=wire_key(attribute),
            struct_hook=hook and (lambda v, _, h=hook: None if v is None else h(v)),
        )
        if get_origin(attribute.type) is list or attribute.type is list:
            list_keys.append(wire_key(attribute))
    build = make_dict_structure_fn(cls, converter, **overrides)

    def structure(data: Any, _: Any) -> R:
        if not isinstance(data, Mapping):
            raise ValueError(f"expected an object for {cls.__name__}, got {type(data).__name__}")
        payload = {**data, _RAW_KEY: data}
        for name in list_keys:  # null for a list means an empty list
            if payload.get(name, ()) is None:
                del payload[name]
        return build(payload, cls)

    return structure


converter.register_structure_hook_factory(
    lambda t: isinstance(t, type) and issubclass(t, Record), _record_hook
)


def parse(cls: type[R], data: Any) -> R:
    """``data`` as a ``cls`` record; a value that does not fit raises :class:`MalformedResponseError`."""
    try:
        return converter.structure(data, cls)
    except (ValueError, TypeError, KeyError, AttributeError, orjson.JSONDecodeError) as exc:
        try:
            shown = snippet(orjson.dumps(data, default=repr))
        except TypeError:  # more than orjson writes: ints past 64 bits, nesting past 254, …
            shown = snippet(repr(data).encode())
        raise MalformedResponseError(
            f"could not read a {cls.__name__} from {shown}: {exc}", retryable=False
        ) from exc


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


def compact_json(value: Any) -> str:
    """The exact compact JSON string sent (and signed) as a parameter value."""
    return orjson.dumps(value).decode()
