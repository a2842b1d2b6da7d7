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

import contextlib
import hashlib
import logging
import time

from yarl import URL

from ..core.errors import ConfigurationError
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


class RedisLink:
    """A redis-py asyncio client and its health, shared by one budget's limiter and store."""

    def __init__(self, client: aioredis.Redis, where: str, *, retry_every: float = RETRY_EVERY) -> None:
        self.client = client
        #: Where Redis is, for log lines (no password).
        self.where = where
        self.retry_every = retry_every
        #: Outages so far; a fallback is rebuilt for each.
        self.outages = 0
        self._down_since: float | None = None
        self._retry_at = 0.0

    @classmethod
    def from_url(cls, url: str, *, timeout: float = TIMEOUT, retry_every: float = RETRY_EVERY) -> RedisLink:
        """A link to the Redis at ``url`` (``redis://``, ``rediss://`` or ``unix://``).

        redis-py retries once, without back-off, so that a pooled connection Redis closed
        (a restart) is replaced at once; beyond that a failed call falls back instead of
        holding a request for seconds of back-off.
        """
        if not isinstance(url, str) or not url:
            raise ConfigurationError("redis_url must be a redis://, rediss:// or unix:// URL")
        try:
            client = aioredis.Redis.from_url(
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 1),
            )
        except (ValueError, RedisError) as error:
            raise ConfigurationError(f"redis_url {shown_url(url)!r}: {redact(str(error))}") from None
        return cls(client, shown_url(url), retry_every=retry_every)

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

    def script(self, text: str) -> AsyncScript:
        """A Lua script run by its hash (loaded again whenever Redis has forgotten it)."""
        return self.client.register_script(text)

    async def close(self) -> None:
        """Close the connections; Redis errors on the way out are not the caller's problem."""
        try:
            await self.client.aclose()
        except REDIS_ERRORS as error:
            log.debug("closing the Redis connections to %s: %s", self.where, type(error).__name__)
