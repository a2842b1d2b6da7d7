"""The pipeline every platform shares: limit, stamp, sign, send, decode, retry.

One attempt waits for the client's concurrency cap and rate limiter, takes
what must be unique about it (a ``ts`` second, a nonce: :mod:`.stamping`), has the
platform's auth scheme sign it, sends it and has the platform's decoder turn the
answer into a payload or an exception of the shared hierarchy. One retry loop
(:func:`~.retry.retried`) owns every attempt; only a failure builds its tenacity
strategies. Everything the session does is an event (:mod:`.telemetry`): its
counters and its log lines (:mod:`.session_log`) are listeners like yours.

Identical GETs are coalesced: callers asking for what is already in flight, or
was answered within the auth scheme's resolution (one second for Mettl's
``ts``), share that answer instead of sending again. A request that is not a
GET ends the sharing of earlier answers, so a read after a write sees the write.
"""

from __future__ import annotations

import asyncio
import functools
import io
import math
import ssl as ssl_module
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

import aiohttp
import attrs
from yarl import URL

from .._version import __version__
from .auth import AuthScheme, Signed
from .coalescing import Coalescer, coalescing_key
from .errors import (
    ApiError,
    ConfigurationError,
    RateLimitedError,
    TimestampError,
    TransportError,
)
from .jsoncodec import Expect
from .options import ClientOptions, Timeout
from .perloop import PerLoop
from .ratelimit import MAX_PAUSE, Limiter, RateLimiter
from .redaction import Redactor
from .request import Request, WireRequest
from .responses import Response, request_id
from .retry import retried
from .session_log import log_event
from .stamping import Stamper
from .telemetry import (
    CallEnded,
    CallStarted,
    RequestDone,
    RetryScheduled,
    SessionEvents,
    SessionStats,
    Shared,
    Throttled,
)
from .transport import ConnectionDied, no_resend, normalize_base_url, read_body, transport_error
from .uniqueness import LOCAL

#: ``(status, headers, body, expect) -> payload``, or raise the answer's error.
Decoder = Callable[[int, Mapping[str, str], bytes, Expect], Any]
#: The headers of most requests, sent by default by a session the client made.
JSON_ACCEPTED = {"Accept": "application/json"}
#: Bodies larger than this are streamed (aiohttp warns that writing them at once blocks the loop).
LARGE_BODY = 512 * 1024


@functools.lru_cache(maxsize=64)
def _client_timeout(bounds: Timeout) -> aiohttp.ClientTimeout:
    """aiohttp's form of a :class:`Timeout` (made once: the options are frozen)."""
    return aiohttp.ClientTimeout(total=bounds.total, connect=bounds.connect, sock_read=bounds.read)


def _fake_time(options: ClientOptions) -> dict[str, Any]:
    """The limiter's clock and sleep when the options bring their own (else the event loop's)."""
    if options.clock is time.time and options.sleep is asyncio.sleep:
        return {}
    return {"clock": options.timer, "sleep": options.sleep}


class Session:
    """Authenticated requests to one API base URL, for every platform."""

    def __init__(self, base_url: str, auth: AuthScheme, decode: Decoder, options: ClientOptions) -> None:
        self.base_url = normalize_base_url(base_url)
        self.auth = auth
        self.decode = decode
        #: The options the session was built with; a request may bring its own per-call ones.
        self.options = options
        try:
            self.limiter: Limiter = options.limiter or RateLimiter(
                options.rate, options.burst, ceiling=options.rate_ceiling, **_fake_time(options)
            )
        except ValueError as error:
            raise ConfigurationError(str(error)) from None
        self.concurrency = options.concurrency
        #: What the session does, as it happens (``mettl_async.core.telemetry``): its counters and
        #: its log lines listen first, then yours.
        self.events = SessionEvents()
        self.stats = SessionStats()
        self.events.subscribe(self.stats.record)
        self.events.subscribe(log_event)
        self.stamper = Stamper(
            auth, self.base_url, options.clock, options.uniqueness or LOCAL, self.events.emit, options.sleep
        )
        self.redactor = Redactor(auth.secrets())
        #: What belongs to the event loop in use (connections, concurrency cap, coalescing):
        #: made on first use in a loop, made again when the client is used from another one.
        self._loops = PerLoop(options.concurrency, self._new_http, options.http)
        self._owns_http = options.http is None
        #: Seconds a request takes, smoothed (for the prefetch window).
        self.latency: float | None = None
        self._coalescer = Coalescer(auth.resolution, self.stamper.now)

    def __repr__(self) -> str:
        return f"Session(base_url={self.base_url!r}, auth={self.auth!r})"

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if this session created it; a borrowed one is left open.

        The session stays usable: a later request opens new connections.
        """
        await self._loops.close()

    @property
    def http(self) -> aiohttp.ClientSession | None:
        """The aiohttp session in use (``None`` before the first request and after :meth:`close`)."""
        return self._loops.http

    def _new_http(self) -> aiohttp.ClientSession:
        ssl = self.options.ssl
        connector = aiohttp.TCPConnector(limit=max(self.concurrency, 10), ssl=True if ssl is None else ssl)
        http = aiohttp.ClientSession(
            connector=connector,
            headers={"User-Agent": f"mettl-async/{__version__}", **JSON_ACCEPTED},
            trace_configs=list(self.options.trace_configs) or None,
            # The retry policy, which re-signs, is the only place that repeats a request. (A
            # borrowed session keeps aiohttp's resend; the refusal that follows is retried.)
            middlewares=(no_resend,),
        )
        return http

    def prefetch_window(self, options: ClientOptions | None = None) -> int:
        """Pages a walk may fetch ahead: as set, else enough to fill the rate budget at the
        latency seen (``rate x latency`` plus slack), else the concurrency cap."""
        prefetch = (options or self.options).prefetch
        if prefetch is not None:
            return min(prefetch, self.concurrency)
        rate = self.limiter.rate
        if rate is None or self.latency is None:
            return self.concurrency
        return max(2, min(self.concurrency, math.ceil(rate * self.latency) + 2))

    # -- time --------------------------------------------------------------------------------

    @property
    def clock_offset(self) -> float:
        """Seconds to add to the local clock to get the server's time (after a clock rejection)."""
        return self.stamper.offset

    def now(self) -> float:
        """The server's time as best known: the local clock plus the correction."""
        return self.stamper.now()

    # -- requests ----------------------------------------------------------------------------

    async def request(self, request: Request, options: ClientOptions | None = None) -> Response:
        """Send ``request`` (retrying as the policy allows) and return the decoded response."""
        key = coalescing_key(request, options)
        if key is None:
            try:
                return await self._call(request, options)
            finally:
                if request.method != "GET":  # a write may change what a GET answers
                    self._coalescer.forget()
        inflight = self._loops.here().inflight
        response, shared = await self._coalescer.share(inflight, key, lambda: self._call(request, options))
        if shared:
            self.events.emit(Shared(request.method, self.base_url + request.path))
        return response

    async def _call(self, request: Request, options: ClientOptions | None) -> Response:
        options = options or self.options
        url = self.base_url + request.path
        made = 0

        async def attempt(number: int) -> Response:
            nonlocal made
            made = number
            try:
                response = await self._attempt_with_clock(request, options, number)
            except ApiError as error:
                error.attempts = number
                raise
            return response if number == 1 else attrs.evolve(response, attempts=number)

        def on_retry(number: int, delay: float, error: BaseException) -> None:
            self.events.emit(RetryScheduled(request.method, url, number, delay, time.time() + delay, error))

        self.events.emit(CallStarted(request.method, url))
        try:
            response = await retried(
                attempt,
                options.retry,
                safe_to_repeat=request.safe_to_repeat,
                http_resends=not self._owns_http,
                on_retry=on_retry,
                sleep=options.sleep,
                timer=options.timer,
            )
        except BaseException as error:
            self.events.emit(CallEnded(request.method, url, made, error))
            raise
        self.events.emit(CallEnded(request.method, url, made))
        return response

    async def _attempt_with_clock(self, request: Request, options: ClientOptions, number: int) -> Response:
        """One attempt; after a clock rejection with the server's time, one more, re-signed."""
        try:
            return await self._attempt(request, options, number)
        except TimestampError as error:
            if error.server_time is None:
                raise
            self.stamper.correct(error.server_time, request)
            return await self._attempt(request, options, number)

    async def _attempt(self, request: Request, options: ClientOptions, number: int) -> Response:
        async with self._loops.here().semaphore:
            await self.limiter.acquire()
            signed = self.auth.sign(request, self.base_url, await self.stamper.stamp(request))
            wire = signed.wire
            started = time.perf_counter()
            try:
                status, headers, body = await self._send(wire, options)
            except (aiohttp.ClientError, TimeoutError, ssl_module.SSLError) as exc:
                error = self._transport_error(exc, signed)
                self._done(request, signed, number, None, time.perf_counter() - started, b"", error)
                raise error from None
            except asyncio.CancelledError:  # sent, and abandoned (a page fetched past the end)
                self._done(request, signed, number, None, time.perf_counter() - started, b"", None)
                raise
        elapsed = time.perf_counter() - started
        self.latency = elapsed if self.latency is None else 0.8 * self.latency + 0.2 * elapsed
        try:
            payload = self.decode(status, headers, body, request.expect)
        except ApiError as error:
            error.scrub(self.redactor.with_secrets(signed.secrets))
            error.sent_as(wire.method, self._shown(signed), headers, request_id(headers))
            if isinstance(error, RateLimitedError):
                self.limiter.throttled(error.retry_after)
                self._throttled(request, error.retry_after)
            self._done(request, signed, number, status, elapsed, body, error)
            raise
        self.limiter.succeeded()
        self._done(request, signed, number, status, elapsed, body, None)
        return Response(status, headers, payload, number, len(body))

    def _done(
        self,
        request: Request,
        signed: Signed,
        number: int,
        status: int | None,
        elapsed: float,
        body: bytes,
        error: Exception | None,
    ) -> None:
        wire = signed.wire
        sent = len(wire.body) if wire.body is not None else 0
        url = self.base_url + request.path
        self.events.emit(
            RequestDone(
                request.method,
                url,
                number,
                status,
                elapsed,
                sent,
                len(body),
                error,
                lambda: f"{wire.method} {self._shown(signed)}",
            )
        )

    def _throttled(self, request: Request, retry_after: float | None) -> None:
        """Tell how long the limiter now holds every caller (its pause, which an earlier 429 may
        have set longer; a shared limiter's is known only from ``Retry-After``)."""
        if isinstance(self.limiter, RateLimiter):
            delay = self.limiter.pause_left()
        else:
            delay = min(retry_after, MAX_PAUSE) if retry_after is not None else 0.0
        url = self.base_url + request.path
        self.events.emit(Throttled(request.method, url, retry_after, delay, time.time() + delay))

    def _shown(self, signed: Signed) -> str:
        """The URL for a log line, every credential masked."""
        return self.redactor.with_secrets(signed.secrets).text(signed.wire.url)

    async def _send(self, wire: WireRequest, options: ClientOptions) -> tuple[int, Mapping[str, str], bytes]:
        http = self._loops.here().client()
        headers: Mapping[str, str] | None = (
            {**options.headers, **wire.headers} if options.headers else wire.headers
        )
        if headers == JSON_ACCEPTED and self._owns_http:  # the session's own default: aiohttp merges none
            headers = None
        body: bytes | io.BytesIO | None = wire.body
        if wire.body is not None and len(wire.body) > LARGE_BODY:  # streamed in chunks, not at once
            body = io.BytesIO(wire.body)
        # Redirects are not followed: they would carry the credentials elsewhere.
        try:
            async with http.request(
                wire.method,
                URL(wire.url, encoded=True),
                data=body,
                headers=headers,
                timeout=_client_timeout(options.timeout),
                allow_redirects=False,
            ) as resp:
                # The masked request line is made only for a refusal's message.
                body = await read_body(
                    resp, options.max_response_bytes, lambda: f"{wire.method} {self.redactor.text(wire.url)}"
                )
                return resp.status, resp.headers, body
        except ConnectionDied as died:
            raise died.lost from None

    def _transport_error(self, exc: BaseException, signed: Signed) -> TransportError:
        return transport_error(exc, signed.wire.method, self._shown(signed))
