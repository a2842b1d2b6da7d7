"""The connection to Redis a budget's limiter and uniqueness store share, and whether it works.

Every user of the link catches :data:`REDIS_ERRORS` around its calls: a failure
marks the link down (one warning per outage), and while it is down callers use
their in-process fallbacks without waiting on Redis. One
caller per ``retry_every`` seconds tries Redis again; the first success brings
the shared budget back.

This module is the only one that imports redis-py's client; nothing it raises
leaves the package (a ``REDIS_ERRORS`` means "fall back").
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

from yarl import URL

from ..core.errors import ConfigurationError
from ..core.perloop import FORKED, start
from ..core.redaction import redact

try:
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry  # the synchronous redis.retry.Retry makes redis-py warn
    from redis.backoff import NoBackoff
    from redis.commands.core import AsyncScript
    from redis.exceptions import RedisError
except ImportError as error:  # pragma: no cover - exercised by installs without the extra
    raise ConfigurationError("the shared budget needs redis-py: pip install 'mettl-async[redis]'") from error

log = logging.getLogger("mettl_async.redisstore")

#: What a Redis call may raise when the server is unreachable, slow or refuses: every caller
#: catches these and falls back (OSError covers sockets and timeouts redis-py does not wrap).
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)
#: Seconds a link stays down before one caller tries Redis again.
RETRY_EVERY = 5.0
#: Seconds to connect to or hear from Redis before it counts as unreachable.
TIMEOUT = 1.0
#: Seconds a synchronous close waits for a loop running in another thread.
CLOSE_TIMEOUT = 10.0


def namespace(name: str) -> str:
    """The prefix of a budget's Redis keys: a hash of ``name``, so that a key id (or, by mistake,
    a secret) never appears in Redis in clear. The braces keep a budget's keys in one slot of a
    Redis Cluster, as its scripts need."""
    digest = hashlib.blake2b(name.encode(), digest_size=16, person=b"mettl_async").hexdigest()
    return f"mettl_async:{{{digest}}}"


def shown_url(url: str) -> str:
    """The Redis URL for a log line: scheme, host, port and database, never a password."""
    try:
        parsed = URL(url)
    except ValueError:
        return "(unparseable URL)"
    return str(parsed.with_user(None).with_password(None).with_query(None))


class _Here:
    """The client made for one event loop, and the guard that closes it when that loop shuts down
    (``asyncio.run`` and ``asyncio.Runner``, the synchronous clients' portal included, finalize it
    there, while the loop can still close its sockets)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, client: aioredis.Redis) -> None:
        self.loop = loop
        self.pid = os.getpid()
        self.client = client
        self.scripts: dict[str, AsyncScript] = {}
        self.closed = False
        self._guard = self._guarding()
        start(self._guard)

    async def _guarding(self) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            await self._close()

    async def _close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            await self.client.aclose()
        except REDIS_ERRORS as error:
            log.debug("closing the Redis connections: %s", type(error).__name__)

    def gone(self) -> bool:
        """Whether nothing can be done with this client any more: closed, its loop closed, or
        its loop a forked parent's."""
        if not self.closed and (self.pid != os.getpid() or self.loop.is_closed()):
            self.closed = True
            if self.pid != os.getpid():
                FORKED.append(self.client)  # the parent's sockets: never closed from here
        return self.closed

    async def close(self) -> None:
        """Close from whichever loop is running (this one's in its own thread, if it runs)."""
        if self.gone():
            return
        if self.loop is asyncio.get_running_loop():
            await self._guard.aclose()
        elif self.loop.is_running():
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._guard.aclose(), self.loop))
        # else: stopped, and may run again; its guard closes the client when it shuts down

    def close_blocking(self, timeout: float) -> None:
        """Close from synchronous code: on the loop's own thread when it runs (a synchronous
        client's portal), else by running the loop until it is done."""
        if self.gone():
            return
        if self.loop.is_running():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is self.loop:  # called from a callback of that very loop: it cannot wait
                self.loop.create_task(self._guard.aclose())
                return
            asyncio.run_coroutine_threadsafe(self._guard.aclose(), self.loop).result(timeout)
        else:
            self.loop.run_until_complete(self._guard.aclose())


class Script:
    """A Lua script run by its hash on the running loop's client (loaded again whenever Redis
    has forgotten it)."""

    def __init__(self, link: RedisLink, text: str) -> None:
        self.link = link
        self.text = text

    async def __call__(self, keys: Sequence[str], args: Sequence[Any]) -> Any:
        return await self.link.script_here(self.text)(keys=keys, args=args)


class RedisLink:
    """The Redis client every budget of a registry shares, and whether Redis works.

    Made from a URL, the link opens one client per event loop, on first use in that loop, and
    closes it with the loop (or on :meth:`close`); a client of the caller's is used as it is and
    never closed here. :meth:`hold` and :meth:`release` count the budgets handed out: the last
    one released closes the connections (the next use opens them again).
    """

    def __init__(
        self,
        where: str,
        *,
        connect: Callable[[], aioredis.Redis] | None = None,
        borrowed: aioredis.Redis | None = None,
        retry_every: float = RETRY_EVERY,
    ) -> None:
        if (connect is None) == (borrowed is None):
            raise ConfigurationError("a Redis link needs either a URL to connect to or a client")
        self._connect = connect
        self.borrowed = borrowed
        #: Where Redis is, for log lines (no password).
        self.where = where
        self.retry_every = retry_every
        #: Outages so far; a fallback is rebuilt for each.
        self.outages = 0
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._clients: dict[asyncio.AbstractEventLoop, _Here] = {}
        self._borrowed_scripts: dict[str, AsyncScript] = {}
        self._holders = 0

    @classmethod
    def from_url(cls, url: str, *, timeout: float = TIMEOUT, retry_every: float = RETRY_EVERY) -> RedisLink:
        """A link to the Redis at ``url`` (``redis://``, ``rediss://`` or ``unix://``).

        redis-py retries once, without back-off, so that a pooled connection Redis closed
        (a restart) is replaced at once; beyond that a failed call falls back instead of
        holding a request for seconds of back-off.
        """
        if not isinstance(url, str) or not url:
            raise ConfigurationError("redis_url must be a redis://, rediss:// or unix:// URL")

        def connect() -> aioredis.Redis:
            client: aioredis.Redis = aioredis.Redis.from_url(  # typed Any by redis-py 5
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 1),
            )
            return client

        try:
            connect()  # checked now (no connection is made before the first command)
        except (ValueError, RedisError) as error:
            raise ConfigurationError(f"redis_url {shown_url(url)!r}: {redact(str(error))}") from None
        return cls(shown_url(url), connect=connect, retry_every=retry_every)

    @classmethod
    def borrowing(cls, client: aioredis.Redis, *, retry_every: float = RETRY_EVERY) -> RedisLink:
        """A link through a ``redis.asyncio.Redis`` of the caller's (used in its loop, never closed
        here)."""
        if not isinstance(client, aioredis.Redis):
            raise ConfigurationError(
                f"redis must be a redis:// URL or a redis.asyncio.Redis, got {type(client).__name__}"
            )
        kwargs = client.connection_pool.connection_kwargs
        where = f"{kwargs.get('host', kwargs.get('path', 'redis'))}:{kwargs.get('port', '')}"
        return cls(where, borrowed=client, retry_every=retry_every)

    @property
    def client(self) -> aioredis.Redis:
        """The client of the running event loop (made on first use there)."""
        if self.borrowed is not None:
            return self.borrowed
        return self._here().client

    def _here(self) -> _Here:
        loop = asyncio.get_running_loop()
        here = self._clients.get(loop)
        if here is None or here.gone():
            self._clients = {k: v for k, v in self._clients.items() if not v.gone()}
            assert self._connect is not None
            here = self._clients[loop] = _Here(loop, self._connect())
        return here

    def script_here(self, text: str) -> AsyncScript:
        """``text`` registered with the running loop's client."""
        scripts = self._borrowed_scripts if self.borrowed is not None else self._here().scripts
        found = scripts.get(text)
        if found is None:
            found = scripts[text] = self.client.register_script(text)
        return found

    def hold(self) -> None:
        """One more budget uses this link."""
        self._holders += 1

    async def release(self) -> None:
        """A budget is done with the link: the last one closes the connections."""
        self._holders = max(0, self._holders - 1)
        if self._holders == 0:
            await self.close()

    def release_blocking(self) -> None:
        """:meth:`release`, from synchronous code."""
        self._holders = max(0, self._holders - 1)
        if self._holders == 0:
            self.close_blocking()

    def __repr__(self) -> str:
        return f"RedisLink({self.where!r}, up={self.up})"

    @property
    def up(self) -> bool:
        """Whether the last call to Redis worked (or none failed yet)."""
        return self._down_since is None

    async def ready(self) -> bool:
        """Whether to call Redis now: always while up; while down, once per ``retry_every``
        (this caller is the one that tries, on fresh connections: the pooled ones may be
        closed by a restarted Redis)."""
        if self._down_since is None:
            return True
        now = time.monotonic()
        if now < self._retry_at:
            return False
        self._retry_at = now + self.retry_every
        with contextlib.suppress(*REDIS_ERRORS, OSError):
            await self.client.connection_pool.disconnect()
        return True

    def failed(self, error: BaseException) -> None:
        """A call failed: fall back until Redis answers again; warn once per outage."""
        if self._down_since is not None:  # already down: the caller that retries set the next try
            return
        now = time.monotonic()
        self._retry_at = now + self.retry_every
        self._down_since = now
        self.outages += 1
        log.warning(
            "Redis at %s cannot be used (%s: %s); each process falls back to its in-process rate "
            "limiter and uniqueness store, trying Redis again every %gs",
            self.where,
            type(error).__name__,
            redact(str(error)) or "no detail",
            self.retry_every,
        )

    def worked(self) -> None:
        """A call succeeded: the shared budget is in use (again)."""
        if self._down_since is None:
            return
        log.warning(
            "Redis at %s answers again after %.0fs; the shared budget is back in use",
            self.where,
            time.monotonic() - self._down_since,
        )
        self._down_since = None

    def script(self, text: str) -> Script:
        """A Lua script run by its hash on the running loop's client."""
        return Script(self, text)

    async def close(self) -> None:
        """Close the connections this link opened, in every loop (a caller's client is left
        open); Redis errors on the way out are not the caller's problem."""
        clients, self._clients = list(self._clients.values()), {}
        for here in clients:
            await here.close()

    def close_blocking(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """:meth:`close` from synchronous code (a script, a synchronous client's owner)."""
        clients, self._clients = list(self._clients.values()), {}
        for here in clients:
            try:
                here.close_blocking(timeout)
            except Exception as error:
                log.debug("closing the Redis connections to %s: %s", self.where, type(error).__name__)
