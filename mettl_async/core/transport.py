"""Where requests go and how their failures read: the base URL's checks, and aiohttp's and
asyncio's exceptions as the package's transport errors, their messages free of secrets."""

from __future__ import annotations

import ssl as ssl_module

import aiohttp
from yarl import URL

from .checks import split_http_url
from .errors import (
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    RequestTimeoutError,
    TLSVerificationError,
    TransportError,
)
from .redaction import redact


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
    if kind is TLSVerificationError:
        detail = f"TLS verification failed ({detail}); pass ssl=your SSLContext to trust a private authority"
    return kind(f"{method} {shown_url}: {type(exc).__name__}: {detail}")
