"""From status, headers and body bytes to a payload or the mapped exception: pure, no I/O.

Mettl reports errors inside HTTP 200 bodies (``{"status": "ERROR", "error":
{"code": …, "message": …}}``); proxies in front of it answer 5xx with HTML or
nothing. Every shape ends as a payload or an :class:`~mettl_async.errors.ApiError`,
never as a ``KeyError`` or a JSON decoding error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import orjson

from .errors import (
    ApiError,
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    ValidationError,
    error_for_code,
)

_NOT_JSON: Any = object()
_STATUS_ERRORS: dict[int, type[ApiError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
}


def decode_json(status: int, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """The JSON object of a successful response, or raise the error it carries."""
    payload = _decode(status, headers, body)
    if not isinstance(payload, dict):
        kind = "empty (or null)" if payload is None else "not a JSON object"
        raise MalformedResponseError(
            f"response body is {kind}: {snippet(body)!r}", http_status=status, body=body, retryable=True
        )
    return payload


def decode_text(status: int, headers: Mapping[str, str], body: bytes) -> str:
    """The text of a successful plain-text response (the SSO URL of loginApplicant)."""
    payload = _decode(status, headers, body)
    if isinstance(payload, str) and payload.strip():
        return payload.strip()
    if payload is _NOT_JSON:
        text = body.decode("utf-8", "replace").strip()
        if text:
            return text
    raise MalformedResponseError(
        f"expected text, got {snippet(body)!r}", http_status=status, body=body, retryable=True
    )


def _decode(status: int, headers: Mapping[str, str], body: bytes) -> Any:
    if status == 429:
        raise RateLimitedError(
            "rate limited",
            retry_after=parse_retry_after(headers.get("Retry-After"), headers.get("Date")),
            http_status=status,
            body=body,
            retryable=True,
        )
    try:
        payload = orjson.loads(body) if body.strip() else None
    except orjson.JSONDecodeError:
        payload = _NOT_JSON
    if isinstance(payload, dict) and is_error_envelope(payload):
        raise envelope_error(payload, status, headers, body)
    if 300 <= status < 400:
        target = urlsplit(headers.get("Location", "")).hostname or "an unnamed location"
        raise ApiError(
            f"redirected to {target}; not followed (it would carry the key and signature there)",
            http_status=status,
            body=body,
        )
    if status >= 500:
        raise ServerError(
            f"server error: {snippet(body) or 'empty body'}", http_status=status, body=body, retryable=True
        )
    if status >= 400:
        error = _STATUS_ERRORS.get(status, ApiError)
        raise error(snippet(body) or "client error", http_status=status, body=body)
    return payload


def is_error_envelope(payload: Mapping[str, Any]) -> bool:
    status = payload.get("status")
    return (isinstance(status, str) and status.strip().upper() == "ERROR") or isinstance(
        payload.get("error"), dict
    )


def envelope_error(
    payload: Mapping[str, Any], status: int, headers: Mapping[str, str], body: bytes
) -> ApiError:
    error = payload.get("error")
    error = error if isinstance(error, dict) else {}
    code = error.get("code")
    message = error.get("message")
    return error_for_code(
        code if isinstance(code, str) else None,
        message if isinstance(message, str) else "",
        http_status=status,
        body=body,
        server_time=parse_http_date(headers.get("Date")),
    )


def parse_http_date(value: str | None) -> datetime | None:
    """An RFC 7231 date (the ``Date`` header) as an aware UTC datetime, or ``None``."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
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
    return max(0.0, (until - now).total_seconds())


_TAGS = re.compile(rb"<(script|style)\b.*?</\1>|<[^>]*>", re.S | re.I)
_SPACE = re.compile(rb"\s+")


def snippet(body: bytes, limit: int = 200) -> str:
    """A short readable excerpt of a body: HTML tags dropped, whitespace collapsed."""
    text = _SPACE.sub(b" ", _TAGS.sub(b" ", body[: limit * 20])).strip()
    out = text.decode("utf-8", "replace")
    return out if len(out) <= limit else out[: limit - 1] + "…"


_SECRET_QUERY = re.compile(r"(?i)(?<![A-Za-z0-9_])(asgn|ak|signature|private_key)=[^&\s#'\"]*")


def redact(text: str) -> str:
    """Replace the values of ``ak``, ``asgn`` and other credentials in a URL or message."""
    return _SECRET_QUERY.sub(r"\1=REDACTED", text)
