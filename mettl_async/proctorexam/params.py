"""Checks of ProctorExam call parameters, each raising :class:`InputError` (naming the field and
the rule) before anything is sent; and the pieces every service shares."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..core.checks import check_email, check_id, check_one_of, check_text, check_url
from ..core.errors import InputError, MalformedResponseError
from ..core.records import R, parse
from ..core.request import FilePart, compact_json
from .auth import RESERVED_PARAMS, param_text

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_WORD = re.compile(r"^[a-z][a-z0-9_]*$")
SORT_DIRECTIONS = ("asc", "desc")


def pid(name: str, value: object) -> int:
    """A positive integer id."""
    return int(check_id(name, value))


def flag(name: str, value: object) -> bool | None:
    """``True``, ``False`` or ``None`` (not sent)."""
    if value is not None and not isinstance(value, bool):
        raise InputError(name, f"must be true, false or None, got {value!r}")
    return value


def text(name: str, value: object, *, required: bool = False) -> str | None:
    """Non-blank text, or ``None`` (not sent) when not ``required``."""
    return None if value is None and not required else check_text(name, value)


def word(name: str, value: object, *, required: bool = False) -> str | None:
    """A lowercase identifier such as ``record_review`` or ``teacher``, or ``None``."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or not _WORD.fullmatch(value):
        raise InputError(name, f"must be a lowercase identifier such as 'teacher', got {value!r}")
    return value


def email(name: str, value: object, *, required: bool = False) -> str | None:
    """An e-mail address, or ``None`` when not ``required``."""
    return None if value is None and not required else check_email(name, value)


def count(name: str, value: object, low: int = 0) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InputError(name, f"must be an integer of at least {low}, got {value!r}")
    return value


def url(name: str, value: object) -> str | None:
    """An absolute http(s) URL (a callback), or ``None``."""
    if value is None:
        return None
    return check_url(name, value)


def moment(name: str, value: object) -> str | None:
    """A time as ISO 8601 text: an aware ``datetime``, or text that reads as one."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InputError(name, "must be timezone-aware (the server cannot tell a naive time's zone)")
        return value.isoformat(timespec="milliseconds")
    if isinstance(value, str):
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return value
    raise InputError(name, f"must be an aware datetime or ISO 8601 text, got {value!r}")


def one_of(name: str, value: str | None, allowed: Sequence[str]) -> str | None:
    return None if value is None else check_one_of(name, value, allowed)


def json_text(name: str, value: object) -> str | None:
    """A nested value (object or list) as the compact JSON text sent and signed; text is taken
    as already JSON (or, for ``restrictions``, as the free text the samples show)."""
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, Mapping | list | tuple):
        raise InputError(name, f"must be an object or a list, got {type(value).__name__}")
    return compact_json(value, name)


def filter_text(value: object) -> str | None:
    """``filter``: an object of field -> value or operators, ``{"start_time": {"gte": "2025-02-01"}}``."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or not value:
        raise InputError("filter", "must be a non-empty object such as {'status': 'open'}")
    for key in value:
        if not isinstance(key, str) or not key.strip():
            raise InputError("filter", f"field names must be non-blank text, got {key!r}")
    return json_text("filter", value)


def sort_text(value: object) -> str | None:
    """``sort``: a list of ``{field: "asc"|"desc"}``, or one mapping of them (in order)."""
    if value is None:
        return None
    items: list[Any]
    if isinstance(value, Mapping):
        items = [{k: v} for k, v in value.items()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise InputError("sort", f"must be a list of {{field: 'asc'|'desc'}}, got {type(value).__name__}")
    if not items:
        raise InputError("sort", "must name at least one field")
    for index, item in enumerate(items):
        if not isinstance(item, Mapping) or len(item) != 1:
            raise InputError(f"sort[{index}]", f"must be one {{field: 'asc'|'desc'}}, got {item!r}")
        ((field, direction),) = item.items()
        if not isinstance(field, str) or not field.strip():
            raise InputError(f"sort[{index}]", f"the field must be non-blank text, got {field!r}")
        if direction not in SORT_DIRECTIONS:
            raise InputError(f"sort[{index}]", f"the direction must be 'asc' or 'desc', got {direction!r}")
    return json_text("sort", items)


def merge(explicit: Mapping[str, Any], fields: Mapping[str, Any] | None) -> dict[str, Any]:
    """The call's parameters: the named ones that are set, plus ``fields`` (other documented
    parameters, by their API names), each checked to be sendable."""
    params = {k: v for k, v in explicit.items() if v is not None}
    if fields is None:
        return params
    if not isinstance(fields, Mapping):
        raise InputError(
            "fields", f"must be a mapping of parameter name to value, got {type(fields).__name__}"
        )
    for name, value in fields.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise InputError("fields", f"parameter names are snake_case text, got {name!r}")
        if name in RESERVED_PARAMS:
            raise InputError(f"fields[{name!r}]", "is added by the client on every attempt")
        if name in explicit:
            raise InputError(f"fields[{name!r}]", "has its own argument; pass it there")
        if value is None:
            continue
        params[name] = json_text(name, value) if isinstance(value, Mapping | list | tuple) else value
        param_text(f"fields[{name!r}]", params[name])
    return params


def require_change(params: Mapping[str, Any], ids: int) -> None:
    """An update must change something beyond its ``ids`` path ids."""
    if len(params) <= ids:
        raise InputError("fields", "nothing to update: give at least one value")


def upload(field: str, filename: object, content: object, content_type: object) -> FilePart:
    """A file part: a non-blank file name, bytes, and a ``type/subtype`` content type."""
    name = check_text("filename", filename)
    if not isinstance(content, bytes | bytearray | memoryview):
        raise InputError("content", f"must be bytes, got {type(content).__name__}")
    kind = content_type or "application/octet-stream"
    if not isinstance(kind, str) or not re.fullmatch(r"[\w.+-]+/[\w.+-]+", kind):
        raise InputError("content_type", f"must be a media type such as 'image/png', got {content_type!r}")
    return FilePart(field, name, bytes(content), kind)


def record(payload: Any, cls: type[R], *keys: str, where: str) -> R:
    """The record under the first of ``keys`` present in the answer."""
    if isinstance(payload, Mapping):
        for key in keys:
            value = payload.get(key)
            if isinstance(value, Mapping):
                return parse(cls, value)
    raise MalformedResponseError(f"{where}: the answer has no {' or '.join(map(repr, keys))} object")
