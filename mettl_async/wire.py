"""From status, headers and body bytes to a payload or an error: what every platform shares.

Pure functions. A platform's decoder looks for its own error shapes first (Mettl
answers errors inside HTTP 200 bodies) and then calls :func:`raise_for_status`
for what any HTTP server may answer: 429 with ``Retry-After``, redirects, 4xx,
and 5xx pages of HTML or nothing. Nothing else than the package's own
exceptions leaves this module.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import orjson

from .collection import collector_paused
from .errors import (
    ApiError,
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from .redaction import redact

#: What :func:`parse_json` returns for a body that is not JSON.
NOT_JSON: Any = object()

_STATUS_ERRORS: dict[int, type[ApiError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: ValidationError,
}
#: orjson reads integers outside [-2**63, 2**64) as floats. Written in JSON, such an integer has
#: 20 digits or more, or 19 after a minus sign; a text holding either (in a number or a string)
#: goes to the exact parser. Found by mapping digits to "9", "-" to itself and the rest to " "
#: (linear, unlike a regex).
_DIGITS = bytes(ord("9") if 48 <= b <= 57 else b if b == ord("-") else 32 for b in range(256))
_LONG_RUN = b"9" * 20
_LONG_NEGATIVE = b"-" + b"9" * 19


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is out of range")
    return value


def loads_exact(data: bytes | str) -> Any:
    """``orjson.loads`` with integers of any size read exactly (a 30-digit id stays that id).

    Raises :class:`ValueError` for anything that is not JSON, as orjson does: ``NaN``,
    ``Infinity``, numbers beyond a double's range, text that is not UTF-8 (a byte-order
    mark included) and lone surrogates, whichever parser reads it.
    """
    raw = data.encode() if isinstance(data, str) else data
    scan = raw.translate(_DIGITS)
    if _LONG_RUN not in scan and _LONG_NEGATIVE not in scan:
        return orjson.loads(raw)
    try:
        value = json.loads(raw.decode(), parse_constant=_not_a_number, parse_float=_finite)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    _refuse_lone_surrogates(value)
    return value


def _refuse_lone_surrogates(value: Any) -> None:
    """The standard library reads ``"\\ud800"`` into a string that cannot be written back as
    UTF-8; orjson refuses it, and so does :func:`loads_exact`."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            item.encode()  # UnicodeEncodeError is a ValueError


def parse_json(body: bytes) -> Any:
    """The JSON value of a body, ``None`` for an empty one, :data:`NOT_JSON` for anything else.

    Integers of any size are read exactly (see :func:`loads_exact`).
    """
    if not body.strip():
        return None
    try:
        with collector_paused():
            return loads_exact(body)
    except ValueError:  # orjson.JSONDecodeError and UnicodeDecodeError are ValueErrors
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


def rate_limited(status: int, headers: Mapping[str, str], body: bytes, message: str = "") -> RateLimitedError:
    return RateLimitedError(
        message or "rate limited",
        retry_after=parse_retry_after(headers.get("Retry-After"), headers.get("Date")),
        http_status=status,
        body=body,
        retryable=True,
    )


def raise_for_status(status: int, headers: Mapping[str, str], body: bytes) -> None:
    """Raise the error an HTTP status means by itself; return for 1xx/2xx."""
    if status < 300:
        return
    if status == 429:
        raise rate_limited(status, headers, body)
    if status < 400:
        target = urlsplit(headers.get("Location", "")).hostname or "an unnamed location"
        raise ApiError(
            f"redirected to {target}; not followed (it would carry the credentials there)",
            http_status=status,
            body=body,
        )
    if status >= 500:
        raise ServerError(
            f"server error: {snippet(body) or 'empty body'}", http_status=status, body=body, retryable=True
        )
    error = _STATUS_ERRORS.get(status, ApiError)
    raise error(snippet(body) or "client error", http_status=status, body=body)


def expect_object(payload: Any, status: int, body: bytes) -> dict[str, Any]:
    """A successful JSON object, or :class:`MalformedResponseError` (retryable: a proxy may
    have answered for the server)."""
    if isinstance(payload, dict):
        return payload
    kind = "empty (or null)" if payload is None else "not a JSON object"
    raise MalformedResponseError(
        f"response body is {kind}: {snippet(body)!r}", http_status=status, body=body, retryable=True
    )


def expect_text(payload: Any, status: int, body: bytes) -> str:
    """The text of a successful plain-text response."""
    if isinstance(payload, str) and payload.strip():
        return payload.strip()
    if payload is NOT_JSON:
        text = body.decode("utf-8", "replace").strip()
        if text:
            return text
    raise MalformedResponseError(
        f"expected text, got {snippet(body)!r}", http_status=status, body=body, retryable=True
    )


def parse_http_date(value: str | None) -> datetime | None:
    """An RFC 7231 date (the ``Date`` header) as an aware UTC datetime, or ``None``."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_retry_after(value: str | None, date: str | None = None) -> float | None:
    """Seconds to wait from ``Retry-After``: delta-seconds (decimals tolerated) or an HTTP date.

    A date is measured against the response's own ``Date`` header when there is
    one, so the client's clock skew does not enter into it.
    """
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        pass
    else:  # "inf" or "nan" would hold every caller forever (or not at all): not a delay
        return max(0.0, seconds) if math.isfinite(seconds) else None
    until = parse_http_date(value)
    if until is None:
        return None
    now = parse_http_date(date) or datetime.now(UTC)
    try:
        return max(0.0, (until - now).total_seconds())
    except OverflowError:
        return None


_TAGS = re.compile(rb"<(script|style)\b.*?</\1>|<[^>]*>", re.S | re.I)
_SPACE = re.compile(rb"\s+")


def snippet(body: bytes, limit: int = 200) -> str:
    """A short readable excerpt of a body: HTML tags dropped, whitespace collapsed, credentials
    masked (servers echo the URL they were sent)."""
    text = _SPACE.sub(b" ", _TAGS.sub(b" ", body[: limit * 20])).strip()
    out = redact(text.decode("utf-8", "replace"))
    return out if len(out) <= limit else out[: limit - 1] + "…"
