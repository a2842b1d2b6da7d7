"""Reading REST request parameters the way the sandbox server does, with its error codes,
and the paging links it builds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import orjson
from aiohttp import web

from ..kit import PARAMS, SandboxError

#: Parameters that are the request's credentials, not its content: never copied into links.
CREDENTIALS = ("ak", "ts", "asgn")


def missing(name: str) -> SandboxError:
    return SandboxError("E016", f"Mandatory Parameter Missing: {name}")


def invalid(name: str) -> SandboxError:
    return SandboxError("E026", f"Invalid value for parameter {name}")


def json_param(request: web.Request, name: str, *, required: bool = True) -> Any:
    """A parameter holding JSON: E016 when absent, E400 when not JSON."""
    text = PARAMS.get().get(name)
    if not text:
        if required:
            raise missing(name)
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise SandboxError(
            "E400", f"Request was not well-formed/Invalid parameters supplied: {name}"
        ) from None


def json_object(request: web.Request, name: str, *, required: bool = True) -> dict[str, Any] | None:
    value = json_param(request, name, required=required)
    if value is not None and not isinstance(value, dict):
        raise SandboxError("E400", f"Request was not well-formed/Invalid parameters supplied: {name}")
    return value


def page_params(request: web.Request, *, default_limit: int = 20, max_limit: int = 100) -> tuple[int, int]:
    """``limit`` (1 to ``max_limit``) and ``offset`` (0 or more): E017 otherwise."""
    params = PARAMS.get()
    try:
        limit = int(params.get("limit", default_limit))
        offset = int(params.get("offset", 0))
    except ValueError:
        raise SandboxError("E017", "Incorrect parameters. limit and offset must be numbers") from None
    if not 1 <= limit <= max_limit or offset < 0:
        raise SandboxError("E017", f"Incorrect parameters. limit must be 1 to {max_limit}, offset 0 or more")
    return limit, offset


def choice(request: web.Request, name: str, allowed: Sequence[str]) -> str | None:
    value = PARAMS.get().get(name)
    if value is not None and value not in allowed:
        raise SandboxError("E017", f"Incorrect parameters. {name} must be one of {', '.join(allowed)}")
    return value


def flag(request: web.Request, name: str) -> bool | None:
    value = PARAMS.get().get(name)
    if value is None:
        return None
    if value not in ("true", "false"):
        raise invalid(name)
    return bool(value == "true")


def paging_links(request: web.Request, limit: int, offset: int, total: int) -> dict[str, str | None]:
    """``next`` and ``previous`` links built from the request: every optional parameter it
    carried is kept, only ``offset`` (and the credentials) change."""
    kept = {k: v for k, v in PARAMS.get().items() if k not in (*CREDENTIALS, "limit", "offset")}
    base = f"{request.scheme}://{request.host}{request.raw_path.partition('?')[0]}"

    def link(at: int) -> str:
        return f"{base}?{urlencode({**kept, 'limit': limit, 'offset': at})}"

    return {
        "next": link(offset + limit) if offset + limit < total else None,
        "previous": link(max(0, offset - limit)) if offset > 0 else None,
    }


def version(request: web.Request) -> str:
    return request.match_info.get("version", "v2")
