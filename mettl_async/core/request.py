"""A request as data, and its bytes on the wire: pure functions, no I/O.

A resource service describes a call as a :class:`Request` (method, path,
parameters, where the parameters go, file parts). A platform's auth scheme adds
its credentials, then :func:`to_wire` turns the result into the exact URL,
headers and body that are sent. Building and signing a request is therefore a
function of its inputs and the clock, testable without a socket.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

import attrs
import orjson

from .errors import InputError
from .jsoncodec import Expect


class Placement(enum.Enum):
    """Where a request's parameters travel."""

    QUERY = "query"  #: the query string (GET and DELETE; Mettl REST uploads put them here too)
    FORM = "form"  #: an ``application/x-www-form-urlencoded`` body
    JSON = "json"  #: a JSON object body
    MULTIPART = "multipart"  #: text fields of a ``multipart/form-data`` body, beside the files


@attrs.frozen(repr=False)
class FilePart:
    """A file sent in a multipart body. File parts are never signed."""

    field: str
    filename: str
    content: bytes
    content_type: str

    def __repr__(self) -> str:
        return (
            f"FilePart({self.field!r}, {self.filename!r}, {len(self.content)} bytes, {self.content_type!r})"
        )


def _upper(method: str) -> str:
    return method.upper()


def _parts(parts: Iterable[FilePart]) -> tuple[FilePart, ...]:
    return tuple(parts)


@attrs.frozen
class Request:
    """One API call before authentication.

    ``path`` is relative to the base URL and already encoded (see
    :func:`encode_path_segment`). ``params`` are the call's own parameters:
    text for the Mettl APIs, any JSON value for platforms that send JSON.
    ``safe_to_repeat`` says whether the call may be sent again after a failure
    that may have reached the server; ``expect`` is ``"json"``, ``"text"``, or
    :class:`~mettl_async.core.jsoncodec.AsSent` (a list page whose records are kept as sent).
    """

    method: str = attrs.field(converter=_upper)
    path: str
    params: Mapping[str, Any] = attrs.field(factory=dict)
    placement: Placement = Placement.QUERY
    files: tuple[FilePart, ...] = attrs.field(default=(), converter=_parts)
    safe_to_repeat: bool = False
    expect: Expect = "json"


@attrs.frozen
class WireRequest:
    """What goes on the wire: method, full URL with its query, headers and body bytes."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None = attrs.field(default=None, repr=False)


#: Text that percent-encoding leaves as it is (most names and values): no call to ``quote``.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch


def encode_value(value: str) -> str:
    """Percent-encode one parameter value for a query string or form body (RFC 3986)."""
    return value if _UNRESERVED(value) else quote(value, safe="-_.~")


def encode_params(params: Mapping[str, str]) -> str:
    """``name=value&…`` in the given order, names and values percent-encoded once."""
    return "&".join(f"{encode_value(k)}={encode_value(v)}" for k, v in params.items())


def encode_path_segment(value: str) -> str:
    """A path parameter (an id, an e-mail address) as sent, and so as signed.

    ``@`` and ``+`` are legal in a path (RFC 3986 ``pchar``) and stay literal;
    anything that is not (space, ``/``, ``?``, ``#``, ``%``) is percent-encoded.
    """
    return quote(value, safe="@+!$&'()*,;=:-._~")


def compact_json(value: Any, field: str = "body") -> str:
    """The exact compact JSON text sent (and signed) for a value: no whitespace, keys as given.
    What JSON cannot carry (an integer beyond 64 bits, a lone surrogate, an object of another
    type) is an :class:`InputError` naming ``field``, before anything is sent."""
    try:
        return orjson.dumps(value).decode()
    except TypeError as error:
        raise InputError(field, f"must hold only JSON values: {error}") from None


def multipart_boundary(fields: Mapping[str, str], files: tuple[FilePart, ...]) -> str:
    """A boundary derived from the content, so that the same request encodes to the same bytes.

    It cannot occur in the content: a part containing it would have to contain
    its own SHA-256 digest.
    """
    digest = hashlib.sha256()
    for name, value in fields.items():
        digest.update(name.encode() + b"\0" + value.encode() + b"\0")
    for part in files:
        digest.update(part.field.encode() + b"\0" + part.filename.encode() + b"\0" + part.content)
    return "mettl-async-" + digest.hexdigest()[:40]


def _quoted(value: str) -> str:
    """A header parameter value: quotes and line breaks escaped (RFC 7578 section 4.2)."""
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def encode_multipart(fields: Mapping[str, str], files: tuple[FilePart, ...]) -> tuple[str, bytes]:
    """The ``Content-Type`` and body of a ``multipart/form-data`` request."""
    boundary = multipart_boundary(fields, files)
    chunks: list[bytes] = []
    for name, value in fields.items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for part in files:
        disposition = f'form-data; name="{_quoted(part.field)}"; filename="{_quoted(part.filename)}"'
        head = (
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {part.content_type}\r\n\r\n"
        )
        chunks.append(head.encode() + part.content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)


def to_wire(
    method: str,
    url: str,
    params: Mapping[str, Any],
    placement: Placement,
    files: tuple[FilePart, ...] = (),
    headers: Mapping[str, str] | None = None,
) -> WireRequest:
    """The bytes of a request whose parameters (credentials included) are final.

    Text parameters are sent as they are; for a JSON body, values are sent as
    JSON. With file parts and parameters in the query, the body holds the files
    only (Mettl's uploads); with ``MULTIPART`` it holds both.
    """
    out = {"Accept": "application/json", **(headers or {})}
    if placement is Placement.QUERY:
        query = encode_params(params)
        target = f"{url}?{query}" if query else url
        if not files:
            return WireRequest(method, target, out)
        out["Content-Type"], body = encode_multipart({}, files)
        return WireRequest(method, target, out, body)
    if placement is Placement.FORM:
        out["Content-Type"] = "application/x-www-form-urlencoded"
        return WireRequest(method, url, out, encode_params(params).encode("ascii"))
    if placement is Placement.JSON:
        out["Content-Type"] = "application/json"
        try:
            body = orjson.dumps(dict(params))
        except TypeError:  # name the parameter JSON cannot carry
            for name, value in params.items():
                compact_json(value, name)
            raise
        return WireRequest(method, url, out, body)
    out["Content-Type"], body = encode_multipart(params, files)
    return WireRequest(method, url, out, body)
