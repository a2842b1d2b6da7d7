"""Reading a ProctorExam request's parameters the way Rails hands them to a controller."""

from __future__ import annotations

import email.policy
from collections.abc import Mapping
from email.parser import BytesParser
from typing import Any

from aiohttp import web

from ..kit import PARAMS, RequestSlot, SandboxError

#: The files of a multipart request, by field: (file name, content type, bytes).
FILES: RequestSlot[dict[str, tuple[str, str, bytes]]] = RequestSlot("files")


def parse_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    """Text fields and file parts of a ``multipart/form-data`` body."""
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    if not message.is_multipart():
        raise SandboxError("bad_request", "malformed multipart body", 400)
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(data, bytes):
            continue
        filename = part.get_filename()
        if filename is None:
            fields.setdefault(name, data.decode("utf-8"))
        else:
            files[name] = (filename, part.get_content_type(), data)
    return fields, files


def params_of(request: web.Request) -> dict[str, Any]:
    """The parameters the middleware read for this request."""
    params: dict[str, Any] = PARAMS.get()
    return params


def int_param(params: Mapping[str, Any], name: str, *, default: int | None = None) -> int:
    """An integer parameter (JSON number or digits); 422 when missing or not a number."""
    value = params.get(name)
    if value is None or value == "":
        if default is not None:
            return default
        raise SandboxError("param_missing", f"param is missing or the value is empty: {name}", 422)
    if isinstance(value, bool):
        raise SandboxError("invalid_param", f"{name} must be a number", 422)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SandboxError("invalid_param", f"{name} must be a number", 422) from None


def bool_param(params: Mapping[str, Any], name: str) -> bool | None:
    """A boolean as Rails reads one (``true``/``false`` text or JSON), ``None`` when absent."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise SandboxError("invalid_param", f"{name} must be true or false", 422)


def text_param(params: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = params.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise SandboxError("param_missing", f"param is missing or the value is empty: {name}", 422)
        return None
    if not isinstance(value, str):
        raise SandboxError("invalid_param", f"{name} must be text", 422)
    return value
