"""Where requests go, how answers are read and how failures read: the base URL's checks, a
response body read within a cap, and aiohttp's and asyncio's exceptions as the package's
transport errors, their messages free of secrets."""

from __future__ import annotations

import ssl as ssl_module
from collections.abc import Callable

import aiohttp
from yarl import URL

from .checks import split_http_url
from .errors import (
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    PlainHTTPError,
    RequestTimeoutError,
    TLSVerificationError,
    TransportError,
)
from .redaction import redact
from .responses import response_too_large


class ConnectionDied(Exception):
    """A connection lost under a request, carried past aiohttp's own resend (see :func:`no_resend`)."""

    def __init__(self, lost: aiohttp.ClientOSError | aiohttp.ServerDisconnectedError) -> None:
        super().__init__(str(lost))
        self.lost = lost


async def no_resend(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    """A client middleware that stops aiohttp from silently sending a GET again when its
    connection dies: the resend would repeat a single-use signature (a ``ts``, a nonce) and be
    refused. aiohttp resends only on these two exceptions, so they leave here wrapped; the
    sender unwraps them and its retry policy, which signs afresh, decides what to repeat."""
    try:
        return await handler(request)
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as lost:
        raise ConnectionDied(lost) from lost


def normalize_base_url(base_url: str) -> str:
    """An ``http(s)`` URL with a host and no query, fragment or user info, without a trailing slash."""
    if split_http_url(base_url) is None:
        raise ConfigurationError(f"base_url must be an http(s) URL with a host, got {redact(base_url)!r}")
    url = URL(base_url)
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"base_url must be an http(s) URL with a host, got {redact(base_url)!r}")
    if url.query_string or url.fragment:
        raise ConfigurationError(f"base_url must not carry a query or fragment, got {redact(base_url)!r}")
    if url.user is not None or url.password is not None:
        raise ConfigurationError("base_url must not carry a user name or password")
    return str(url.with_query(None).with_fragment(None)).rstrip("/")


def transport_error(exc: BaseException, method: str, shown_url: str) -> TransportError:
    """The package's transport error for an aiohttp/asyncio one, its message free of secrets."""
    kind: type[TransportError]
    if isinstance(exc, aiohttp.ClientSSLError | ssl_module.SSLError):  # certificate failures included
        kind = TLSVerificationError
    elif isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        kind = ConnectError
    elif isinstance(exc, TimeoutError):
        kind = RequestTimeoutError
    elif isinstance(
        exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | aiohttp.ClientOSError
    ):
        kind = ConnectionLostError
    else:
        kind = TransportError
    detail = redact(str(exc)) or ("no answer in time" if kind is RequestTimeoutError else "no detail")
    request_line = f"{method} {shown_url.split('?', 1)[0]}"  # the query's credentials are masked, and noise
    if kind is TLSVerificationError and answered_in_plain_text(exc):
        return PlainHTTPError(
            f"{request_line}: the server answered in plain HTTP, not TLS: is its URL http://?"
        )
    if kind is ConnectError and isinstance(getattr(exc, "os_error", None), ConnectionRefusedError):
        where = f"{getattr(exc, 'host', '?')}:{getattr(exc, 'port', '?')}"
        return ConnectError(
            f"{request_line}: cannot connect to {where}: connection refused (nothing listens there)"
        )
    if kind is TLSVerificationError:
        return TLSVerificationError(
            f"{method} {shown_url}: {type(exc).__name__}: TLS verification failed ({detail})"
        )
    return kind(f"{method} {shown_url}: {type(exc).__name__}: {detail}")


#: OpenSSL's reasons when the "TLS" answer is plain text: an HTTP server's ``HTTP/1.1 400`` read as
#: a TLS record (the reason varies with the OpenSSL version).
_PLAIN_TEXT_REASONS = (
    "WRONG_VERSION_NUMBER",
    "RECORD_LAYER_FAILURE",
    "PACKET_LENGTH_TOO_LONG",
    "HTTP_REQUEST",
)


def answered_in_plain_text(exc: BaseException) -> bool:
    """Whether a failed TLS handshake met a server that does not speak TLS (its reason, on the
    SSL error itself or on the one aiohttp wraps)."""
    for error in (exc, getattr(exc, "os_error", None), exc.__cause__):
        reason = getattr(error, "reason", None)
        if isinstance(reason, str) and reason.upper() in _PLAIN_TEXT_REASONS:
            return True
    return "WRONG_VERSION_NUMBER" in str(exc)  # the reason as aiohttp's message quotes it


async def read_body(resp: aiohttp.ClientResponse, limit: int, request_line: Callable[[], str]) -> bytes:
    """The whole body, decompressed, refused as soon as it passes ``limit`` bytes.

    A Content-Length beyond the cap is refused before any of the body is read. Otherwise the
    body is counted as aiohttp decompresses it (a bounded amount at a time), so a gzip bomb or
    an endless body costs about ``limit`` bytes of memory. A refused response's connection is
    closed, not pooled: the rest of its body may still be on the way.
    ``request_line`` gives the masked ``METHOD URL`` for the message, only when it is needed.
    """
    declared = resp.content_length
    if declared is not None and declared > limit:
        resp.close()
        raise response_too_large(request_line(), resp.status, limit, declared=declared)
    if declared is not None and "Content-Encoding" not in resp.headers:
        return await resp.read()  # no more than declared arrives (nothing to decompress)
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_any():
        size += len(chunk)
        if size > limit:
            resp.close()
            raise response_too_large(request_line(), resp.status, limit, read=size)
        chunks.append(chunk)
    body = b"".join(chunks)
    # aiohttp's read() tells trace configs of the body (on_response_chunk_received); reading in
    # pieces bypasses it, so they are told here as read() would (getattr: a private attribute).
    for trace in getattr(resp, "_traces", ()):
        await trace.send_response_chunk_received(resp.method, resp.url, body)
    return body
