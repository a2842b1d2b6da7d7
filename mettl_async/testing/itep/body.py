"""How the sandbox reads a fulfillment request: the signature over the raw bytes, then the JSON.

Restated from the document on the server side, independently of the client's
signer. The signature is checked first (an unauthenticated sender learns
nothing about its body), then the body must be one compact JSON object: the
document's own sample, with its extra ``}``, is refused, and so is "pretty"
JSON with whitespace between tokens.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import orjson

from ...itep.auth import SignatureEncoding
from ..kit import SandboxError

_WHITESPACE = frozenset(b" \t\r\n")


def check_signature(
    headers: Mapping[str, str], body: bytes, api_key: str, header: str, encoding: SignatureEncoding
) -> None:
    """401 unless ``header`` holds the HMAC-SHA256 of ``body`` under ``api_key`` in ``encoding``."""
    given = headers.get(header)
    if not given:
        raise SandboxError("unauthenticated", f"missing signature header {header}", 401)
    digest = hmac.new(api_key.encode(), body, hashlib.sha256).digest()
    try:
        if encoding is SignatureEncoding.HEX:
            sent = bytes.fromhex(given) if len(given) == 64 else b""
        else:
            sent = base64.b64decode(given, validate=True)
    except (ValueError, binascii.Error):
        sent = b""
    if not hmac.compare_digest(sent, digest):
        raise SandboxError("unauthenticated", "signature mismatch", 401)


def whitespace_outside_strings(body: bytes) -> int | None:
    """The offset of the first whitespace byte between JSON tokens, or ``None``."""
    in_string = escaped = False
    for offset, byte in enumerate(body):
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in _WHITESPACE:
            return offset
    return None


def read_compact_object(body: bytes) -> dict[str, Any]:
    """The body's JSON object; 400 for malformed JSON, whitespace between tokens, or a non-object."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise SandboxError(
            "malformed", f"the body is not JSON: {error.msg} at byte {error.pos}", 400
        ) from None
    offset = whitespace_outside_strings(body)
    if offset is not None:
        raise SandboxError(
            "malformed", f"whitespace at byte {offset}: send compact JSON, not pretty JSON", 400
        )
    if not isinstance(value, dict):
        raise SandboxError("malformed", f"the body must be a JSON object, got {type(value).__name__}", 400)
    return value
