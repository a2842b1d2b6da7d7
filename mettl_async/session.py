"""The signed session: one attempt is sign, limit, send, decode; tenacity repeats attempts.

Every attempt is signed afresh with a ``ts`` that never repeats a signature,
waits for the shared rate limiter and the concurrency cap, and is sent as a
query string (GET) or a form body (POST). The session owns its
``aiohttp.ClientSession`` or borrows the caller's and then never closes it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

import aiohttp
import attrs
import tenacity
from yarl import URL

from ._version import __version__
from .errors import (
    ApiError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    RateLimitedError,
    RequestTimeoutError,
    TimestampError,
    TransportError,
)
from .ratelimit import TokenBucket
from .retry import RetryPolicy, build_retrying
from .signing import (
    SIGNATURE_PARAM,
    Algorithm,
    UniqueTimestamps,
    encode_params,
    request_fingerprint,
    sign,
    string_to_sign,
)
from .wire import decode_json, decode_text, redact

log = logging.getLogger("mettl_async.session")

ENV_PUBLIC_KEY = "METTL_PUBLIC_KEY"
ENV_PRIVATE_KEY = "METTL_PRIVATE_KEY"
ENV_SUBDOMAIN = "METTL_SUBDOMAIN"
ENV_BASE_URL = "METTL_BASE_URL"

#: Shared by every session of the process: two clients (or two runs of the same
#: script) sending the same request in the same second must not sign it alike.
TIMESTAMPS = UniqueTimestamps()


def _mask(value: str) -> str:
    return f"…{value[-4:]}" if len(value) > 8 else "…"


@attrs.frozen(repr=False)
class Credentials:
    """The key pair. Neither key is ever shown: the repr masks the public key, omits the private."""

    public_key: str
    private_key: str

    def __repr__(self) -> str:
        return f"Credentials(public_key={_mask(self.public_key)!r}, private_key=<hidden>)"

    @classmethod
    def resolve(cls, public_key: str | None = None, private_key: str | None = None) -> Credentials:
        """Keys from the arguments, else from ``METTL_PUBLIC_KEY`` / ``METTL_PRIVATE_KEY``."""
        public = public_key or os.environ.get(ENV_PUBLIC_KEY)
        private = private_key or os.environ.get(ENV_PRIVATE_KEY)
        missing = [
            f"{name} (argument or ${env})"
            for name, env, value in (
                ("public_key", ENV_PUBLIC_KEY, public),
                ("private_key", ENV_PRIVATE_KEY, private),
            )
            if not value
        ]
        if missing or not public or not private:
            raise ConfigurationError("missing " + " and ".join(missing))
        return cls(public, private)


@attrs.define
class SessionStats:
    """Counters a progress display or a benchmark reads."""

    requests: int = 0
    retries: int = 0
    rate_limited: int = 0
    clock_corrections: int = 0


def normalize_base_url(base_url: str) -> str:
    url = URL(base_url)
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"base_url must be an http(s) URL with a host, got {base_url!r}")
    if url.query_string or url.fragment:
        raise ConfigurationError(f"base_url must not carry a query or fragment, got {redact(base_url)!r}")
    if url.user is not None or url.password is not None:
        raise ConfigurationError("base_url must not carry a user name or password")
    return str(url.with_query(None).with_fragment(None)).rstrip("/")


class Session:
    """Signed requests to one Mettl API base URL."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        base_params: Mapping[str, str] | None = None,
        algorithm: Algorithm = Algorithm.HMAC_SHA256,
        rate: float | None = 10.0,
        burst: int = 10,
        concurrency: int = 8,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
        http: aiohttp.ClientSession | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {concurrency!r}")
        self.base_url = normalize_base_url(base_url)
        self.credentials = credentials
        self.base_params = dict(base_params or {})
        self.algorithm = algorithm
        self.bucket = TokenBucket(rate, burst) if rate else None
        self.concurrency = concurrency
        self.retry = retry or RetryPolicy()
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.clock = clock
        #: Seconds to add to ``clock()`` to get the server's time; set after an E504.
        self.clock_offset = 0.0
        self.stats = SessionStats()
        self._semaphore = asyncio.Semaphore(concurrency)
        self._http = http
        self._owns_http = http is None

    def __repr__(self) -> str:
        return f"Session(base_url={self.base_url!r}, credentials={self.credentials!r})"

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if this session created it; a borrowed one is left open."""
        if self._owns_http and self._http is not None:
            await self._http.close()
            self._http = None

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None:
            connector = aiohttp.TCPConnector(limit=max(self.concurrency, 10))
            self._http = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": f"mettl-async/{__version__}"}
            )
            # aiohttp silently resends a GET once when a pooled connection turns out to be
            # dead. The resend repeats the single-use signature and is refused, so the
            # retry policy, which re-signs, is left as the only place that repeats requests.
            # (A borrowed session keeps its behaviour; the refusal is then retried.)
            if hasattr(self._http, "_retry_connection"):
                self._http._retry_connection = False
        return self._http

    # -- signing ---------------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock() + self.clock_offset)

    def signed_params(self, method: str, url: str, params: Mapping[str, str]) -> dict[str, str]:
        """``params`` with ``ak``, a fresh ``ts`` and ``asgn``, in wire order (``ak`` first)."""
        unsigned = {**self.base_params, **params, "ak": self.credentials.public_key}
        ts = TIMESTAMPS.issue(request_fingerprint(method, url, unsigned), self.now())
        unsigned["ts"] = str(ts)
        signature = sign(string_to_sign(method, url, unsigned), self.credentials.private_key, self.algorithm)
        ordered = {"ak": unsigned.pop("ak")} | dict(sorted(unsigned.items()))
        ordered[SIGNATURE_PARAM] = signature
        return ordered

    def correct_clock(self, server_time: datetime) -> float:
        self.clock_offset = server_time.timestamp() - self.clock()
        self.stats.clock_corrections += 1
        return self.clock_offset

    # -- requests --------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        safe_to_repeat: bool | None = None,
        text: bool = False,
    ) -> Any:
        """Send a signed request to ``base_url + path`` and return the decoded payload.

        ``path`` is already encoded (see :func:`~mettl_async.signing.encode_path_segment`).
        ``safe_to_repeat`` defaults to true for GET and false otherwise. With
        ``text`` the body is read as plain text (the SSO URL of loginApplicant).
        """
        method = method.upper()
        url = self.base_url + path
        safe = method == "GET" if safe_to_repeat is None else safe_to_repeat

        def before_sleep(state: tenacity.RetryCallState) -> None:
            self.stats.retries += 1
            error = state.outcome.exception() if state.outcome else None
            delay = state.upcoming_sleep
            log.warning(
                "retrying %s %s in %.2fs after attempt %d failed: %s",
                method,
                url,
                delay,
                state.attempt_number,
                error,
            )

        retrying = build_retrying(
            self.retry, safe_to_repeat=safe, http_resends=not self._owns_http, before_sleep=before_sleep
        )
        async for attempt in retrying:
            with attempt:
                number = attempt.retry_state.attempt_number
                try:
                    return await self._attempt(method, url, params or {}, text, number)
                except TimestampError as error:
                    if error.server_time is None:
                        raise
                    offset = self.correct_clock(error.server_time)
                    log.warning(
                        "E504 on %s %s: clock offset set to %+.0fs from the server's Date; re-signing once",
                        method,
                        url,
                        offset,
                    )
                    return await self._attempt(method, url, params or {}, text, number)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    async def _attempt(
        self, method: str, url: str, params: Mapping[str, str], text: bool, number: int
    ) -> Any:
        async with self._semaphore:
            if self.bucket is not None:
                await self.bucket.acquire()
            signed = self.signed_params(method, url, params)
            query = encode_params(signed)
            shown = redact(f"{url}?{query}") if method == "GET" else url
            started = time.perf_counter()
            self.stats.requests += 1
            try:
                status, headers, body = await self._send(method, url, query)
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = transport_error(exc, method, shown)
                log.debug("%s %s failed: %s (attempt %d)", method, shown, error, number)
                raise error from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        decode = decode_text if text else decode_json
        try:
            payload = decode(status, headers, body)
        except ApiError as error:
            log.debug(
                "%s %s -> %d %s in %.1f ms (attempt %d)",
                method,
                shown,
                status,
                error.code or "error",
                elapsed_ms,
                number,
            )
            if isinstance(error, RateLimitedError):
                self.stats.rate_limited += 1
                if self.bucket is not None:
                    self.bucket.slow_down(error.retry_after)
            raise
        log.debug("%s %s -> %d in %.1f ms (attempt %d)", method, shown, status, elapsed_ms, number)
        if self.bucket is not None:
            self.bucket.record_success()
        return payload

    async def _send(self, method: str, url: str, encoded: str) -> tuple[int, Mapping[str, str], bytes]:
        http = self._client()
        headers = {"Accept": "application/json"}
        if method == "GET":
            target, data = URL(f"{url}?{encoded}", encoded=True), None
        else:
            target, data = URL(url, encoded=True), encoded.encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        # Redirects are not followed: they would carry `ak` and a fresh signature elsewhere.
        async with http.request(
            method, target, data=data, headers=headers, timeout=self.timeout, allow_redirects=False
        ) as resp:
            body = await resp.read()
            return resp.status, resp.headers, body


def transport_error(exc: BaseException, method: str, shown_url: str) -> TransportError:
    """The package's transport error for an aiohttp/asyncio one, its message free of secrets."""
    kind: type[TransportError]
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
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
    return kind(f"{method} {shown_url}: {type(exc).__name__}: {detail}")
