"""JSON as the CertiCHECK (Java, Gson) server writes it: HTML-unsafe characters as ``\\uXXXX``."""

from __future__ import annotations

from typing import Any

import attrs
import orjson

_GSON_ESCAPES = (
    (b"=", b"\\u003d"),
    (b"&", b"\\u0026"),
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"'", b"\\u0027"),
)


def gson_escape(body: bytes) -> bytes:
    """``=``, ``&``, ``<``, ``>`` and ``'`` as ``\\uXXXX``.

    These characters never occur outside strings in JSON, so replacing every
    occurrence only touches string contents. ``bytes.replace`` scans at memory
    speed and copies only when it finds something (a regular expression doing it in
    one pass is some fifty times slower); the large bodies (results pages) are
    assembled from pieces escaped once, in advance, and skip this pass.
    """
    for char, escaped in _GSON_ESCAPES:
        body = body.replace(char, escaped)
    return body


def gson_json(payload: Any) -> bytes:
    """``payload`` as JSON, escaped as the Java server escapes it."""
    return gson_escape(orjson.dumps(payload))


@attrs.frozen
class GsonBody:
    """A JSON body already written and escaped as the server writes it: sent as it is."""

    data: bytes
