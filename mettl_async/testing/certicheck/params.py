"""Reading CertiCHECK request parameters the way the server does, with its error codes."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

from ..kit import PARAMS, SandboxError

MAX_LIMIT = 500


def json_param(request: web.Request, name: str) -> Any:
    """A parameter holding JSON: E101 when absent, E105 when not JSON."""
    text = PARAMS.get().get(name)
    if not text:
        raise SandboxError("E101", "Bad Request, request body is empty. Please provide request body.")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise SandboxError("E105", "Bad Request, Please provide data in requested format.") from None


def page_params(request: web.Request, default_limit: int = 20) -> tuple[int, int]:
    """``limit`` and ``offset``: E021 when not non-negative numbers, E018 above 500."""
    params = PARAMS.get()
    try:
        limit = int(params.get("limit", default_limit))
        offset = int(params.get("offset", 0))
    except ValueError:
        raise SandboxError("E021", "Page size/number cannot be null or a negative number.") from None
    if limit < 0 or offset < 0:
        raise SandboxError("E021", "Page size/number cannot be null or a negative number.")
    if limit > MAX_LIMIT:
        raise SandboxError("E018", "Requested row size is greater than 500")
    return limit, offset


def number(value: Any, code: str, message: str) -> int:
    """An integer, or the endpoint's own error for a missing or malformed one."""
    if isinstance(value, bool):
        raise SandboxError(code, message)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SandboxError(code, message) from None
