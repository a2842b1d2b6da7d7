"""From status, headers and body bytes to a payload or an error: what every platform shares.

Pure functions. A platform's decoder looks for its own error shapes first (Mettl
answers errors inside HTTP 200 bodies) and then calls :func:`raise_for_status`
for what any HTTP server may answer: 429 with ``Retry-After``, redirects, 4xx,
and 5xx pages of HTML or nothing. Nothing else than the package's own
exceptions leaves this module.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import attrs

from .errors import (
    ApiError,
    AuthenticationError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ResponseTooLargeError,
    ServerError,
    ValidationError,
)
from .jsoncodec import NOT_JSON, parse_json
from .printable import printable
from .redaction import redact


@attrs.frozen
class Response:
    """A decoded answer with its HTTP status and headers (a request id, rate headers)."""

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    payload: Any = attrs.field(repr=False)
    #: Attempts it took, retries included.
    attempts: int = 1
    #: Bytes of the body as received (what keeping the answer costs, roughly).
    size: int = 0


_STATUS_ERRORS: dict[int, type[ApiError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    422: ValidationError,
}


def rate_limited(status: int, headers: Mapping[str, str], body: bytes, message: str = "") -> RateLimitedError:
    return RateLimitedError(
        message or "rate limited",
        retry_after=parse_retry_after(headers.get("Retry-After"), headers.get("Date")),
        http_status=status,
        body=body,
        retryable=True,
    )


def response_too_large(
    request_line: str, status: int, limit: int, *, declared: int | None = None, read: int | None = None
) -> ResponseTooLargeError:
    """The refusal of a body beyond ``limit`` bytes: as its Content-Length declared, or after
    ``read`` bytes (decompressed) had arrived. ``request_line`` is ``METHOD URL``, masked."""
    seen = f"its Content-Length is {declared:,}" if declared is not None else f"refused after {read:,}"
    return ResponseTooLargeError(
        f"the response to {request_line} is larger than {limit:,} bytes (max_response_bytes): {seen}; "
        "ask for smaller pages or raise max_response_bytes",
        limit=limit,
        http_status=status,
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
    text = status_text(status, body)
    if status >= 500:
        raise ServerError(text or "server error (empty body)", http_status=status, body=body, retryable=True)
    error = _STATUS_ERRORS.get(status, ApiError)
    raise error(text or "client error", http_status=status, body=body)


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.S | re.I)


def status_text(status: int, body: bytes) -> str:
    """What an error page says beyond its status: an HTML page's title (``502 Bad Gateway``),
    else a snippet of the body, without the status number it repeats (``Bad Gateway``; aiohttp's
    ``404: Not Found``)."""
    title = _TITLE.search(body[:4096])
    text = snippet(title.group(1)) if title else snippet(body)
    return re.sub(rf"^{status}\b:?\s*", "", text)


def no_such_path(error: ApiError) -> bool:
    """Whether a 404 came from a web server rather than the API: no code, and a body that is not
    JSON (an HTML or plain-text page). The path asked for does not exist there: a wrong base URL."""
    return error.http_status == 404 and error.code is None and parse_json(error.body) is NOT_JSON


#: Headers that carry a server's id for a request, as common servers and gateways name it. None of
#: the platforms' documents names one; whichever a response has is kept (``ApiError.request_id``).
REQUEST_ID_HEADERS = (
    "X-Request-Id",
    "Request-Id",
    "X-Amzn-RequestId",
    "X-Amz-Request-Id",
    "X-Correlation-Id",
)


def request_id(headers: Mapping[str, str]) -> str | None:
    """The request id a response carries, if any (its first request id header, printable)."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return printable(value.strip()[:200]) or None
    return None


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


#: Delta-seconds as HTTP writes them: ASCII digits (a sign and decimals tolerated). float() alone
#: would also read "١٢" (Arabic-Indic digits), "1_2", "1e3" and "inf".
_DELTA_SECONDS = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def parse_retry_after(value: str | None, date: str | None = None) -> float | None:
    """Seconds to wait from ``Retry-After``: ASCII delta-seconds (decimals tolerated) or an HTTP date.

    A date is measured against the response's own ``Date`` header when there is
    one, so the client's clock skew does not enter into it.
    """
    if not value:
        return None
    if _DELTA_SECONDS.fullmatch(value.strip()):
        seconds = float(value)
        # 400 digits read as infinity: it would hold every caller forever, so it is no delay
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
