"""ProctorExam's error answers, decoded into the shared hierarchy: pure, no I/O.

ProctorExam (a Rails application) answers errors with HTTP statuses and a small
JSON body. The document prints the texts, not the bodies; the shapes read here:

* ``{"error": "text"}`` or ``{"message": "text"}`` (403 "You are not authorized to
  access this page.", 404 "Couldn't find Exam with 'id'=5");
* ``{"errors": {"email": ["has already been taken"]}}`` or ``{"errors": ["…"]}``
  (Rails model validation, 422);
* an optional ``"code"`` (the sandbox sends ``nonce_reused`` and
  ``timestamp_out_of_range``) and ``"param"`` naming the parameter.

Mapping: 401 -> :class:`AuthenticationError`, except a reused nonce
(:class:`SignatureExpiredError`, retried with a fresh nonce) and a timestamp out
of the window (:class:`TimestampError`, with the server's ``Date`` so the
session corrects its clock and re-signs once); both are recognised on 401 or
403 by their code, or else by their text. 403 -> :class:`PermissionDeniedError`;
404 -> :class:`NotFoundError`; 400/422 -> :class:`ValidationError` naming the
parameter when the body says which (``"param is missing or the value is empty:
name"`` names it too); 409 -> :class:`ConflictError`; 429 and 5xx as
:func:`~mettl_async.core.responses.raise_for_status` says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.errors import (
    ApiError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    SignatureExpiredError,
    TimestampError,
    ValidationError,
)
from ..core.jsoncodec import NOT_JSON, Expect, parse_json
from ..core.responses import expect_object, expect_text, parse_http_date, raise_for_status, snippet

CODE_NONCE_REUSED = "nonce_reused"
CODE_TIMESTAMP = "timestamp_out_of_range"
_NONCE_TEXT = re.compile(r"(?i)\bnonce\b.*\b(used|reused|seen|repeated|already)\b")
_TIMESTAMP_TEXT = re.compile(r"(?i)\btimestamp\b.*\b(expired|window|range|old|future|skew|invalid)\b")
#: ActionController::ParameterMissing: "param is missing or the value is empty: name" (maybe quoted).
_MISSING_PARAM = re.compile(r"(?i)param is missing or the value is empty:\s*'?([A-Za-z_][\w\[\]]*)'?")
_STATUS_ERRORS: dict[int, type[ApiError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
}


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _errors_text(errors: Any) -> tuple[str | None, str | None]:
    """The message and first parameter of a Rails ``errors`` value (an object or a list)."""
    if isinstance(errors, Mapping):
        parts, first = [], None
        for name, problems in errors.items():
            items = problems if isinstance(problems, list) else [problems]
            texts = [t for t in (_text(p) for p in items) if t] or ["is invalid"]
            parts.append(f"{name}: {', '.join(texts)}")
            first = first or str(name)
        return ("; ".join(parts) or None), first
    if isinstance(errors, list):
        texts = [t for t in (_text(e) for e in errors) if t]
        return ("; ".join(texts) or None), None
    return _text(errors), None


def error_details(payload: Any) -> tuple[str | None, str | None, str | None]:
    """``(message, parameter, code)`` read from an error body (any of them may be ``None``)."""
    if not isinstance(payload, Mapping):
        return None, None, None
    message = _text(payload.get("error")) or _text(payload.get("message"))
    param = _text(payload.get("param")) or _text(payload.get("parameter"))
    errors_message, errors_param = _errors_text(payload.get("errors"))
    if errors_message:
        message = f"{message}: {errors_message}" if message else errors_message
    if isinstance(payload.get("error"), Mapping):  # {"error": {"message": …, "code": …}}
        inner = payload["error"]
        message = message or _text(inner.get("message"))
        param = param or _text(inner.get("param"))
        code = _text(inner.get("code"))
    else:
        code = _text(payload.get("code"))
    if param is None and message:
        missing = _MISSING_PARAM.search(message)
        param = missing.group(1) if missing else errors_param
    return message, param or errors_param, code


def error_for(status: int, headers: Mapping[str, str], body: bytes, payload: Any = NOT_JSON) -> ApiError:
    """The exception for a 4xx answer (429 excepted)."""
    if payload is NOT_JSON:
        payload = parse_json(body)
    message, param, code = error_details(payload)
    text = message or snippet(body) or "client error"
    common: dict[str, Any] = {"code": code, "http_status": status, "body": body}
    if status in (401, 403):
        if code == CODE_NONCE_REUSED or (code is None and _NONCE_TEXT.search(text)):
            return SignatureExpiredError(text, retryable=True, **common)
        if code == CODE_TIMESTAMP or (code is None and _TIMESTAMP_TEXT.search(text)):
            return TimestampError(text, server_time=parse_http_date(headers.get("Date")), **common)
    kind = _STATUS_ERRORS.get(status, ApiError)
    if kind is ValidationError and param and param not in text:
        text = f"{param}: {text}"
    return kind(text, **common)


def decode(status: int, headers: Mapping[str, str], body: bytes, expect: Expect) -> Any:
    """The payload of a successful answer (a JSON object; ``{}`` for an empty 2xx such as a
    204 after DELETE), or raise its error."""
    if 200 <= status < 300:
        if expect == "text":
            return expect_text(parse_json(body), status, body)
        payload = parse_json(body, expect)
        if payload is None:
            return {}
        return expect_object(payload, status, body)
    if status == 429 or status >= 500 or status < 400:
        raise_for_status(status, headers, body)
    raise error_for(status, headers, body)
