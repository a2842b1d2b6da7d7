"""The pipeline every platform shares: limit, stamp, sign, send, decode, retry.

One attempt waits for the client's concurrency cap and rate limiter, takes
what must be unique about it (a ``ts`` second, a nonce), has the platform's
auth scheme sign it, sends it and has the platform's decoder turn the answer
into a payload or an exception of the shared hierarchy. The first attempt runs
without any retry machinery; only a failure builds the tenacity loop.

Identical GETs are coalesced: callers asking for what is already in flight, or
was answered within the auth scheme's resolution (one second for Mettl's
``ts``), share that answer instead of sending again. A request that is not a
GET ends the sharing of earlier answers, so a read after a write sees the write.
"""

from __future__ import annotations

import asyncio
import io
import logging
import math
import ssl as ssl_module
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

import aiohttp
import attrs
from yarl import URL

from .._version import __version__
from .auth import AuthScheme, Signed, Stamp
from .coalescing import Coalescer, coalescing_key
from .errors import (
    ApiError,
    ConfigurationError,
    MettlError,
    RateLimitedError,
    TimestampError,
    TransportError,
)
from .options import ClientOptions
from .perloop import PerLoop
from .ratelimit import MAX_PAUSE, Limiter, RateLimiter
from .redaction import Redactor
from .request import Request, WireRequest
from .responses import Response
from .retry import build_retrying, is_retryable
from .telemetry import (
    ClockCorrected,
    RequestDone,
    RetryScheduled,
    SessionEvents,
    SessionStats,
    Throttled,
    WaitingForSecond,
)
from .transport import ConnectionDied, no_resend, normalize_base_url, read_body, transport_error
from .uniqueness import LOCAL

log = logging.getLogger("mettl_async.session")

Decoder = Callable[[int, Mapping[str, str], bytes, str], Any]
#: Bodies larger than this are streamed (aiohttp warns that writing them at once blocks the loop).
LARGE_BODY = 512 * 1024


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
                options.rate, options.burst, ceiling=options.rate_ceiling
            )
        except ValueError as error:
            raise ConfigurationError(str(error)) from None
        self.concurrency = options.concurrency
        self.clock = options.clock
        #: Seconds to add to ``clock()`` to get the server's time; set after a clock rejection.
        self.clock_offset = 0.0
        self.stats = SessionStats()
        #: Listeners of what the session does (``mettl_async.core.telemetry``).
        self.events = SessionEvents()
        self.uniqueness = options.uniqueness or LOCAL
        self.redactor = Redactor(auth.secrets())
        #: What belongs to the event loop in use (connections, concurrency cap, coalescing):
        #: made on first use in a loop, made again when the client is used from another one.
        self._loops = PerLoop(options.concurrency, self._new_http, options.http)
        self._owns_http = options.http is None
        #: Seconds a request takes, smoothed (for the prefetch window).
        self.latency: float | None = None
        self._coalescer = Coalescer(auth.resolution, self.now)

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
            headers={"User-Agent": f"mettl-async/{__version__}"},
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

    def now(self) -> float:
        """The server's time as best known: the local clock plus the correction."""
        return self.clock() + self.clock_offset

    def correct_clock(self, server_time: datetime) -> float:
        self.clock_offset = server_time.timestamp() - self.clock()
        self.stats.clock_corrections += 1
        if self.events.listeners:
            self.events.emit(ClockCorrected(self.clock_offset))
        return self.clock_offset

    async def stamp(self, request: Request) -> Stamp:
        """What makes this attempt unique. An identical request already signed in this second
        waits for the next one: a ``ts`` is never issued ahead of the clock."""
        key = self.auth.unique_key(request, self.base_url)
        now = self.now()
        second = None
        if key is not None:
            second = int(now)
            while not await self.uniqueness.claim(key, second):
                delay = max(0.0, second + 1 - self.now()) + 0.001
                if self.events.listeners:
                    url = self.base_url + request.path
                    self.events.emit(WaitingForSecond(request.method, url, delay, time.time() + delay))
                await asyncio.sleep(delay)
                now = self.now()
                second = max(second + 1, int(now))
        nonce = await self.uniqueness.nonce() if self.auth.uses_nonce else None
        return Stamp(time=now, second=second, nonce=nonce)

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
            self.stats.coalesced += 1
        return response

    async def _call(self, request: Request, options: ClientOptions | None) -> Response:
        options = options or self.options
        started = time.monotonic()
        try:
            return await self._attempt_with_clock(request, options, 1)
        except MettlError as failure:
            if not self._may_retry(failure, request):
                raise
            first: MettlError | None = failure
        retrying = build_retrying(
            options.retry,
            safe_to_repeat=request.safe_to_repeat,
            http_resends=not self._owns_http,
            started=started,
            before_sleep=self._log_retry(request),
        )
        async for attempt in retrying:
            with attempt:
                if first is not None:  # the loop's first attempt is the one already made
                    replayed, first = first, None
                    raise replayed
                number = attempt.retry_state.attempt_number
                response = await self._attempt_with_clock(request, options, number)
                return attrs.evolve(response, attempts=number)
        raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover

    def _may_retry(self, error: BaseException, request: Request) -> bool:
        return is_retryable(error, safe_to_repeat=request.safe_to_repeat, http_resends=not self._owns_http)

    def _log_retry(self, request: Request) -> Callable[[Any], None]:
        def before_sleep(state: Any) -> None:
            self.stats.retries += 1
            error = state.outcome.exception() if state.outcome else None
            if self.events.listeners and error is not None:
                delay = state.upcoming_sleep or 0.0
                self.events.emit(
                    RetryScheduled(
                        request.method,
                        self.base_url + request.path,
                        state.attempt_number,
                        delay,
                        time.time() + delay,
                        error,
                    )
                )
            log.warning(
                "retrying %s %s in %.2fs after attempt %d failed: %s",
                request.method,
                self.base_url + request.path,
                state.upcoming_sleep,
                state.attempt_number,
                error,
            )

        return before_sleep

    async def _attempt_with_clock(self, request: Request, options: ClientOptions, number: int) -> Response:
        """One attempt; after a clock rejection with the server's time, one more, re-signed."""
        try:
            return await self._attempt(request, options, number)
        except TimestampError as error:
            if error.server_time is None:
                raise
            offset = self.correct_clock(error.server_time)
            log.warning(
                "%s %s: the server refused the request's time; clock offset set to %+.0fs from its "
                "Date header, re-signing once",
                request.method,
                self.base_url + request.path,
                offset,
            )
            return await self._attempt(request, options, number)

    async def _attempt(self, request: Request, options: ClientOptions, number: int) -> Response:
        async with self._loops.here().semaphore:
            await self.limiter.acquire()
            signed = self.auth.sign(request, self.base_url, await self.stamp(request))
            wire = signed.wire
            self.stats.requests += 1
            started = time.perf_counter()
            try:
                status, headers, body = await self._send(wire, options)
            except (aiohttp.ClientError, TimeoutError, ssl_module.SSLError) as exc:
                error = self._transport_error(exc, signed)
                elapsed = time.perf_counter() - started
                self.stats.request_seconds += elapsed
                if log.isEnabledFor(logging.DEBUG):
                    log.debug(
                        "%s %s failed: %s (attempt %d)", wire.method, self._shown(signed), error, number
                    )
                if self.events.listeners:
                    self._done(request, wire, number, None, elapsed, b"", error)
                raise error from None
        elapsed = time.perf_counter() - started
        self.stats.request_seconds += elapsed
        self.latency = elapsed if self.latency is None else 0.8 * self.latency + 0.2 * elapsed
        self.stats.bytes_received += len(body)
        try:
            payload = self.decode(status, headers, body, request.expect)
        except ApiError as error:
            error.scrub(self.redactor.with_secrets(signed.secrets))
            if isinstance(error, RateLimitedError):
                self.stats.rate_limited += 1
                self.limiter.throttled(error.retry_after)
                if self.events.listeners:
                    self._throttled(request, error.retry_after)
            if self.events.listeners:
                self._done(request, wire, number, status, elapsed, body, error)
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "%s %s -> %d %s in %.1f ms (attempt %d)",
                    wire.method,
                    self._shown(signed),
                    status,
                    error.code or "error",
                    (time.perf_counter() - started) * 1000,
                    number,
                )
            raise
        self.limiter.succeeded()
        if self.events.listeners:
            self._done(request, wire, number, status, elapsed, body, None)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %d in %.1f ms (attempt %d)",
                wire.method,
                self._shown(signed),
                status,
                (time.perf_counter() - started) * 1000,
                number,
            )
        return Response(status, headers, payload, number, len(body))

    def _done(
        self,
        request: Request,
        wire: WireRequest,
        number: int,
        status: int | None,
        elapsed: float,
        body: bytes,
        error: Exception | None,
    ) -> None:
        sent = len(wire.body) if wire.body is not None else 0
        url = self.base_url + request.path
        self.events.emit(RequestDone(request.method, url, number, status, elapsed, sent, len(body), error))

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
        if wire.body is not None:
            self.stats.bytes_sent += len(wire.body)
        headers = {**options.headers, **wire.headers} if options.headers else wire.headers
        bounds = options.timeout
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
                timeout=aiohttp.ClientTimeout(
                    total=bounds.total, connect=bounds.connect, sock_read=bounds.read
                ),
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
