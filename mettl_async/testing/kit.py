"""What every platform's sandbox shares: recording, authentication order, faults, rate limit.

A platform sandbox names its routes, how it reads parameters, how it
authenticates a request and how it renders answers and errors; the shared
middleware runs every request through the same steps, in the order a real
gateway would: record it, authenticate it, maybe inject a fault (before the
endpoint acts, so a fault never half-applies anything), police the rate, run
the endpoint, render its result.
"""

from __future__ import annotations

import abc
import asyncio
import collections
import contextlib
import hashlib
import math
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextvars import ContextVar
from email.utils import formatdate
from typing import Any, Generic, NoReturn, Self, TypeVar, cast

import attrs
from aiohttp import web

from ..core.options import ClientOptions
from ..core.ratelimit import RateLimiter
from .faults import AfterActing, AnswerDropper, Fault, FaultConfig, FaultInjector, after_acting

Handler = Callable[[web.Request], Awaitable[Any]]
T = TypeVar("T")
_HANDLING: ContextVar[dict[RequestSlot[Any], Any]] = ContextVar("mettl_async.sandbox.handling")


class RequestSlot(Generic[T]):
    """A value the middleware read of the request in hand, kept for its handler.

    Not aiohttp's request storage: its typed keys (``web.RequestKey``) are new in aiohttp 3.14,
    plain string keys warn there, and the sandboxes ship in the package, whose floor is lower.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"RequestSlot({self.name!r})"

    def set(self, value: T) -> None:
        _HANDLING.get()[self] = value

    def get(self) -> T:
        """The value (``LookupError`` outside :func:`handling` or when it was never set)."""
        return cast(T, _HANDLING.get()[self])

    def get_or(self, default: T) -> T:
        return cast(T, _HANDLING.get().get(self, default))


@contextlib.contextmanager
def handling() -> Iterator[None]:
    """The span of one request: the slots set inside it are gone when it ends."""
    scope = _HANDLING.set({})
    try:
        yield
    finally:
        _HANDLING.reset(scope)


#: The parameters the middleware read, for the handler.
PARAMS: RequestSlot[dict[str, Any]] = RequestSlot("params")


class SandboxError(Exception):
    """An error the sandbox answers in the platform's own shape (``status``: the HTTP status)."""

    def __init__(self, code: str, message: str, status: int = 200) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


@attrs.define
class RecordedRequest:
    """What a sandbox saw of one request, for tests to inspect."""

    method: str
    raw_path: str
    host: str
    params: dict[str, Any]
    headers: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    body: bytes = attrs.field(default=b"", repr=False)
    fault: Fault | None = None
    error_code: str | None = None
    #: The sandbox clock when the request arrived (epoch seconds).
    received_at: float = 0.0
    #: Whether the endpoint carried it out (answered without an error, whether or not the
    #: answer then reached the client): what a test counts to prove a write was not repeated.
    acted: bool = False


def client_keywords(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A sandbox's ``client(**kwargs)``: option fields (``rate=``, ``retry=``…) gathered into one
    ``options=ClientOptions(...)``, the client's own keywords left as they are."""
    names = attrs.fields_dict(ClientOptions)
    chosen = {name: kwargs.pop(name) for name in list(kwargs) if name in names}
    if chosen:
        base = kwargs.pop("options", None) or ClientOptions()
        kwargs["options"] = base.replace(**chosen)
    return kwargs


@attrs.frozen
class Demo:
    """What ``mettl-async demo`` harvests from a sandbox: a kind, its filters, and a headline."""

    kind: str
    filters: Mapping[str, Any]
    headline: str


@attrs.frozen
class Behaviour:
    """How a sandbox server behaves, whatever the platform."""

    faults: FaultConfig = attrs.field(factory=FaultConfig)
    #: Server-side limit in requests per second; above it the server answers 429.
    rate: float | None = None
    #: Requests the server accepts at once before its rate applies.
    burst: int | None = None
    #: Writes that act and then lose their answer (a count, or :class:`AfterActing`).
    dropafter_acting: AfterActing = attrs.field(factory=AfterActing, converter=after_acting)


class PlatformSandbox(abc.ABC):
    """One platform's sandbox: state, routes and the shared request steps."""

    #: Path prefix the platform is served under (its base URL's path).
    prefix: str
    #: Used in log lines and in the ``mettl-async sandbox`` listing.
    name: str

    def __init__(self, behaviour: Behaviour, clock: Callable[[], float]) -> None:
        self.behaviour = behaviour
        self.clock = clock
        self.faults = FaultInjector(behaviour.faults)
        self.answers = AnswerDropper(behaviour.dropafter_acting)
        self.requests: collections.deque[RecordedRequest] = collections.deque(maxlen=100_000)
        rate = behaviour.rate
        self.limiter = RateLimiter(rate, behaviour.burst or max(1, int(rate))) if rate else None

    def now(self) -> float:
        return self.clock()

    @abc.abstractmethod
    def routes(self) -> list[tuple[str, str, Handler]]:
        """``(method, path under the prefix, handler)`` for every endpoint."""

    @abc.abstractmethod
    async def read_params(self, request: web.Request) -> dict[str, Any]:
        """The request's parameters, as the platform reads them (query, form, JSON body)."""

    @abc.abstractmethod
    def authenticate(self, request: web.Request, params: dict[str, Any]) -> None:
        """Raise :class:`SandboxError` unless the request is correctly authenticated."""

    @abc.abstractmethod
    def render(self, result: Any) -> web.StreamResponse:
        """A handler's result as the platform answers it."""

    @abc.abstractmethod
    def render_error(self, error: SandboxError) -> web.StreamResponse:
        """An error as the platform answers it."""

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=16 * 1024 * 1024)
        app.add_routes([web.route(method, path, handler) for method, path, handler in self.routes()])
        return app

    def response(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> web.Response:
        response = web.Response(status=status, body=body, headers=headers)
        response.headers["Date"] = formatdate(self.now(), usegmt=True)
        return response

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        return await self.serve(request, handler)

    async def serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Run ``request`` through the shared steps to ``handler`` (one of :meth:`routes`)."""
        with handling():
            return await self._serve(request, handler)

    async def _serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        seen = RecordedRequest(
            request.method, request.raw_path, request.host, {}, request.headers, body, received_at=self.now()
        )
        self.requests.append(seen)
        try:
            params = await self.read_params(request)
            seen.params = params
            PARAMS.set(params)
            self.authenticate(request, params)
            seen.fault = self.faults.pick()
            if seen.fault is Fault.SLOW:
                await asyncio.sleep(self.behaviour.faults.slow_seconds)
            elif seen.fault is not None and seen.fault is not Fault.CUT:
                return self.fault_response(request, seen.fault)
            if self.limiter is not None:
                wait = self.limiter.try_reserve(self.now())  # the sandbox's clock: a test's may be fake
                if wait > 0:
                    return self.rate_limited(seen, wait)
            result = await handler(request)
        except SandboxError as error:
            seen.error_code = error.code
            return self.render_error(error)
        seen.acted = True
        if request.method != "GET" and self.answers.pick():
            self._drop(request)
        response = result if isinstance(result, web.StreamResponse) else self.render(result)
        if seen.fault is Fault.CUT and isinstance(response, web.Response):
            await self._cut(request, response)
        return response

    async def _cut(self, request: web.Request, response: web.Response) -> None:
        """Send the status, the headers and half the body, then drop the connection."""
        body = response.body if isinstance(response.body, bytes) else b""
        partial = web.StreamResponse(status=response.status, headers=response.headers)
        partial.content_length = len(body)
        await partial.prepare(request)
        await partial.write(body[: len(body) // 2])
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError  # the connection is gone

    @staticmethod
    def _drop(request: web.Request) -> NoReturn:
        """Close the connection without an answer."""
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError  # nothing more to write: the connection is gone

    def rate_limited(self, seen: RecordedRequest, wait: float) -> web.StreamResponse:
        """The answer above the server's rate (``wait``: seconds until a request would pass):
        429 with ``Retry-After``. A platform that says it its own way overrides this."""
        seen.error_code = "429"
        return self.response(429, b"Too Many Requests", {"Retry-After": str(math.ceil(wait))})

    def fault_response(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        """A fault as a proxy or an overloaded server would answer; platforms add their own."""
        if fault is Fault.RATE_LIMIT:
            wait = self.behaviour.faults.retry_after
            shown = str(int(wait)) if wait == int(wait) else f"{wait:g}"
            return self.response(429, b"", {"Retry-After": shown})
        if fault is Fault.DROP:
            self._drop(request)
        status = self.faults.html_status()
        if status == 504:
            return self.response(504, b"")
        page = f"<html><head><title>{status}</title></head><body><h1>{status} Bad Gateway</h1></body></html>"
        return self.response(status, page.encode(), {"Content-Type": "text/html"})

    @abc.abstractmethod
    def client(self, base_url: str, **kwargs: Any) -> Any:
        """A client of this platform for the sandbox at ``base_url``, its credentials filled in
        (keywords as :func:`client_keywords` reads them)."""

    @classmethod
    @abc.abstractmethod
    def sized(
        cls, records: int, *, seed: int = 1, rate: float | None = None, faults: FaultConfig | None = None
    ) -> Self:
        """A sandbox whose main list holds ``records`` records (``mettl-async sandbox`` and ``demo``)."""

    def exports(self, base_url: str) -> dict[str, str]:
        """Environment variables that point the command and the clients at this sandbox (its
        demo credentials, for this sandbox only)."""
        return {}

    # -- one of many accounts (testing.fleet.AccountsSandbox) ---------------------------------

    @classmethod
    def for_account(
        cls, label: str, records: int, *, rate: float | None = None, burst: int | None = None
    ) -> Self:
        """The sandbox of the account ``label``: credentials of its own, its data generated from
        its name (:func:`account_seed`: the same every run), its own rate limit."""
        raise NotImplementedError(f"the {cls.name} sandbox serves one account")

    def account_key(self) -> str:
        """What this account's requests carry to say whose they are."""
        raise NotImplementedError(f"the {self.name} sandbox serves one account")

    def account_of(self, request: web.Request) -> str | None:
        """What ``request`` carries to say whose it is (:meth:`account_key`), read before its body."""
        return None

    def describe(self, base_url: str) -> str:
        """One line for ``mettl-async sandbox``: where it is and what it holds."""
        return f"{self.name} sandbox at {base_url}"

    def demo(self) -> Demo | None:
        """What ``mettl-async demo`` harvests from it (``None``: nothing to pull)."""
        return None


def account_seed(label: str) -> int:
    """A sandbox account's data seed, from its name: reproducible, and different for each."""
    return int.from_bytes(hashlib.blake2b(label.encode(), digest_size=4).digest(), "big")


class UsedSignatures:
    """Signatures (or nonces) a server has accepted, each refused when seen again.

    Kept for ``window`` seconds of the sandbox's clock: ts and nonces older than
    that are refused by the time check anyway.
    """

    def __init__(self, window: float) -> None:
        self.window = window
        self._seen: dict[str, float] = {}
        self._order: collections.deque[tuple[float, str]] = collections.deque()

    def __contains__(self, signature: str) -> bool:
        return signature in self._seen

    def __len__(self) -> int:
        return len(self._seen)

    def add(self, signature: str, now: float) -> bool:
        """Record ``signature``; false if it was already used."""
        while self._order and self._order[0][0] < now - self.window:
            _, old = self._order.popleft()
            self._seen.pop(old, None)
        if signature in self._seen:
            return False
        self._seen[signature] = now
        self._order.append((now, signature))
        return True
