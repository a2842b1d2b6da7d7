"""Every option of every client, in one frozen value: ``ClientOptions``.

Every client (async and sync) and the session take one; ``client.with_options(...)``
replaces any of them. Options a request reads as it is sent (:data:`PER_CALL`) are
changed without touching the client's connections; any other change (the rate,
the concurrency cap, TLS, the clock) gives the new view a session of its own.
"""

from __future__ import annotations

import asyncio
import ssl as ssl_module
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .errors import ConfigurationError
from .retry import RetryPolicy

if TYPE_CHECKING:
    import aiohttp

    from .ratelimit import Limiter
    from .uniqueness import UniquenessStore

#: Options read per request: changing them keeps the client's session, limiter and connections.
PER_CALL = frozenset({"timeout", "retry", "headers", "prefetch", "max_response_bytes"})
#: Larger response bodies are refused before they are read whole.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024


@attrs.frozen
class Timeout:
    """Seconds a request may take: in all (``total``), to connect, and between two reads of the
    answer (``read``). ``None`` leaves that bound off; ``total`` also covers the others."""

    total: float | None = 60.0
    connect: float | None = None
    read: float | None = None

    def __attrs_post_init__(self) -> None:
        for name in ("total", "connect", "read"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not _positive_number(value)):
                raise ConfigurationError(f"timeout.{name} must be a number of seconds > 0, got {value!r}")

    @property
    def longest(self) -> float | None:
        """The most a request may take, when any bound says (for waits of the caller's own)."""
        return self.total


def _positive_number(value: object) -> bool:
    return isinstance(value, int | float) and value > 0 and value == value and value != float("inf")


def _to_timeout(value: float | Timeout) -> Timeout:
    if isinstance(value, Timeout):
        return value
    if isinstance(value, bool) or not _positive_number(value):
        raise ConfigurationError(f"timeout must be a number of seconds > 0 or a Timeout, got {value!r}")
    return Timeout(total=float(value))


def _count(name: str, *, optional: bool = False) -> Callable[[Any, Any, Any], None]:
    def check(instance: Any, attribute: Any, value: Any) -> None:
        if optional and value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigurationError(f"{name} must be an integer >= 1, got {value!r}")

    return check


def _rate(name: str) -> Callable[[Any, Any, Any], None]:
    def check(instance: Any, attribute: Any, value: Any) -> None:
        if value is not None and (isinstance(value, bool) or not _positive_number(value)):
            raise ConfigurationError(f"{name} must be a number of requests per second > 0, got {value!r}")

    return check


def _retry_policy(value: RetryPolicy | None) -> RetryPolicy:
    """``None`` is the default policy."""
    return RetryPolicy() if value is None else value


def _headers(value: Mapping[str, str] | None) -> Mapping[str, str]:
    headers = dict(value or {})
    for name, text in headers.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise ConfigurationError(f"headers must map text to text, got {name!r}: {type(text).__name__}")
    return headers


@attrs.frozen(kw_only=True)
class ClientOptions:
    """How a client talks to its platform. Every field has a default; change any with
    ``ClientOptions(rate=10)`` or ``client.with_options(rate=10)``.

    * ``rate``: the server's limit in requests per second when you know it; left ``None``
      the client sends unthrottled until the server first says 429, then finds the limit
      (never above ``rate_ceiling``). ``burst``: requests the server lets through at once.
      ``limiter``: your own (a ``mettl_async.redisstore`` budget shared by processes).
    * ``concurrency``: requests in flight at most; ``prefetch``: pages a walk fetches ahead
      (default: enough to fill the rate budget, at most ``concurrency``).
    * ``retry``: what is retried and how long to wait (:class:`RetryPolicy`); ``timeout``: seconds
      per request, or a :class:`Timeout` with connect and read bounds.
    * ``max_response_bytes``: larger answers are refused before they are read whole.
    * ``http``: your own ``aiohttp.ClientSession`` (never closed here); ``ssl``: your own
      ``SSLContext`` (TLS is verified by default); ``trace_configs``: aiohttp tracing
      (OpenTelemetry); ``headers``: sent with every request.
    * ``clock``: the time source for signatures (tests); ``uniqueness``: where ``ts`` seconds
      and nonces are claimed (a ``mettl_async.redisstore`` store across processes).
    * ``sleep``: how the client waits (a retry's backoff, a 429's pause, the next second of a
      single-use signature, the rate limiter's pacing). With a ``clock`` of your own, that clock
      also measures the waits and the retry policy's ``max_elapsed``: a test gives both from one
      :class:`~mettl_async.testing.clock.FakeClock` and its waits take no real time.
    """

    rate: float | None = attrs.field(default=None, validator=_rate("rate"))
    burst: int = attrs.field(default=1, validator=_count("burst"))
    rate_ceiling: float | None = attrs.field(default=None, validator=_rate("rate_ceiling"))
    limiter: Limiter | None = None
    concurrency: int = attrs.field(default=16, validator=_count("concurrency"))
    prefetch: int | None = attrs.field(default=None, validator=_count("prefetch", optional=True))
    retry: RetryPolicy = attrs.field(factory=RetryPolicy, converter=_retry_policy)
    timeout: Timeout = attrs.field(default=Timeout(), converter=_to_timeout)
    max_response_bytes: int = attrs.field(
        default=DEFAULT_MAX_RESPONSE_BYTES, validator=_count("max_response_bytes")
    )
    http: aiohttp.ClientSession | None = attrs.field(default=None, repr=False)
    ssl: ssl_module.SSLContext | bool | None = None
    trace_configs: tuple[aiohttp.TraceConfig, ...] = attrs.field(default=(), converter=tuple, repr=False)
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_headers, repr=False)
    clock: Callable[[], float] = attrs.field(default=time.time, repr=False)
    sleep: Callable[[float], Awaitable[None]] = attrs.field(default=asyncio.sleep, repr=False)
    uniqueness: UniquenessStore | None = attrs.field(default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.retry, RetryPolicy):
            raise ConfigurationError(f"retry must be a RetryPolicy, got {type(self.retry).__name__}")
        if self.http is not None and self.trace_configs:
            raise ConfigurationError(
                "trace_configs apply to the aiohttp session the client creates; with http=, "
                "give them to your own aiohttp.ClientSession(trace_configs=...)"
            )
        if not callable(self.clock):
            raise ConfigurationError("clock must be a function returning epoch seconds")
        if not callable(self.sleep):
            raise ConfigurationError("sleep must be an async function taking seconds, like asyncio.sleep")

    @property
    def timer(self) -> Callable[[], float]:
        """What waits and time budgets are measured with: ``time.monotonic`` (immune to the wall
        clock being set), unless a ``clock`` of your own is given, which then measures them too
        (a fake clock's ``sleep`` moves it on)."""
        return time.monotonic if self.clock is time.time else self.clock

    def replace(self, **changes: Any) -> ClientOptions:
        """These options with ``changes``; an unknown name is a :class:`ConfigurationError`."""
        unknown = sorted(set(changes) - set(attrs.fields_dict(ClientOptions)))
        if unknown:
            known = ", ".join(attrs.fields_dict(ClientOptions))
            raise ConfigurationError(f"unknown client option {unknown[0]!r}; the options are: {known}")
        return attrs.evolve(self, **changes)

    def shares_session_with(self, other: ClientOptions) -> bool:
        """Whether a client with these options can use the session built for ``other``: only
        options read per request differ."""
        return all(
            getattr(self, field.name) is getattr(other, field.name)
            or getattr(self, field.name) == getattr(other, field.name)
            for field in attrs.fields(ClientOptions)
            if field.name not in PER_CALL
        )
