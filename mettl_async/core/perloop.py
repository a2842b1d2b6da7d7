"""What a session keeps per event loop, and how it moves to another loop.

An aiohttp session with its connections, an ``asyncio.Semaphore`` and the
futures of coalesced calls all belong to the event loop they were made in. A
client kept at module level outlives that loop: every ``asyncio.run`` makes a
new one. So a session keeps these parts in one :class:`LoopParts` and, on each
request, checks that they belong to the running loop; if not, it builds new ones
(the rate limiter, the counters, the clock correction and the uniqueness claims
belong to no loop and are kept).

Old parts must be closed in their own loop, which the session does not control.
Each :class:`LoopParts` starts a *guard* in its loop: an async generator, which
the loop's ``shutdown_asyncgens()`` finalizes before the loop closes
(``asyncio.run`` and ``asyncio.Runner`` always call it). The guard's ``finally``
closes the connections there, while the loop can still run their callbacks, so
nothing is left for the garbage collector to complain about ("Unclosed client
session", "Event loop is closed").
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncGenerator, Callable, Hashable
from typing import Any

import aiohttp

from .errors import ConfigurationError

log = logging.getLogger("mettl_async.session")

HttpFactory = Callable[[], aiohttp.ClientSession]

#: What a forked child inherited from its parent's event loops (connections, loops, threads
#: that do not exist here). The parent owns them: the child never closes them, and keeps them
#: from the garbage collector, which would warn about them and close the child's copies of
#: the sockets in the middle of nothing.
FORKED: list[object] = []


def start(generator: AsyncGenerator[None, None]) -> None:
    """Run ``generator`` to its first ``yield`` now, without awaiting.

    Its first step is what registers it with the running loop for
    ``shutdown_asyncgens()``; it suspends nowhere before its ``yield``, so it
    needs no trip through the loop (and no task that a shutdown could cancel
    before it ran).
    """
    step = generator.asend(None)
    try:
        step.send(None)
    except StopIteration:
        return
    step.close()  # pragma: no cover - the guard never suspends before its yield
    raise AssertionError("a loop guard must reach its yield without suspending")  # pragma: no cover


class LoopParts:
    """The parts of a session that belong to one event loop: the concurrency cap, the
    coalescing futures, the HTTP session (created on first use unless ``http`` is
    borrowed) and the guard that closes that session when the loop shuts down.

    ``retired`` is the session's list of parts left behind in a loop that is
    stopped but not closed: they stay referenced there until their guard runs.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        concurrency: int,
        make_http: HttpFactory,
        http: aiohttp.ClientSession | None,
        retired: list[LoopParts],
    ) -> None:
        self.loop = loop
        self.pid = os.getpid()
        self.semaphore = asyncio.Semaphore(concurrency)
        self.inflight: dict[Hashable, asyncio.Future[Any]] = {}
        self.http = http
        self.owns_http = http is None
        self._make_http = make_http
        self._retired = retired
        #: The guard has run: the HTTP session is closed, these parts are done with.
        self.finished = False
        self._guard = self._guarding()
        start(self._guard)

    def client(self) -> aiohttp.ClientSession:
        """The HTTP session of this loop, created on first use."""
        if self.http is None:
            self.http = self._make_http()
        return self.http

    async def _guarding(self) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            self.finished = True
            await self._close_http()

    async def _close_http(self) -> None:
        http = self.http
        if self.owns_http:
            self.http = None
        if self in self._retired:
            self._retired.remove(self)
        if http is not None and self.owns_http:
            await http.close()

    def usable_from(self, loop: asyncio.AbstractEventLoop) -> bool:
        """Whether these parts belong to ``loop`` and are open (checked on every request)."""
        return self.loop is loop and not self.finished

    def leave(self) -> None:
        """The session moves to another loop: make sure these parts get closed.

        Raises :class:`ConfigurationError` when they cannot be left: their loop
        is running in another thread (a session is used by one loop at a time),
        or they hold a borrowed HTTP session (which belongs to its loop).
        """
        if self.finished:
            return
        if self.pid == os.getpid() and self.loop.is_running() and not self.loop.is_closed():
            raise ConfigurationError(
                "this client is in use by an event loop running in another thread, and its "
                "connections cannot be shared between event loops: give each thread (each "
                "event loop) its own client, or use the synchronous client of mettl_async.sync, "
                "which serves every thread from one loop of its own"
            )
        if not self.owns_http and self.http is not None:
            raise ConfigurationError(
                "the aiohttp session passed as http= belongs to the event loop it was created in "
                "and cannot be used from another one: pass a session created in the running loop "
                "(or leave http= unset and the client makes one per loop)"
            )
        if self.loop.is_closed() or self.pid != os.getpid():
            self.abandon()
        else:  # stopped, and may run again: its guard closes them when it shuts down
            self._retire()

    def abandon(self) -> None:
        """Forget these parts: their loop is closed, or belongs to the parent of a fork.

        A loop closed through ``asyncio.run`` finalized the guard, so nothing is
        open. A loop closed without ``shutdown_asyncgens()`` left the connections
        open; they can no longer be closed in their loop and are dropped. A
        parent's are kept in :data:`FORKED`.
        """
        http, self.http = self.http, None
        if self.pid != os.getpid():
            FORKED.append(self)
            FORKED.append(http)
        elif http is not None and self.owns_http and not http.closed:
            log.warning(
                "connections of an event loop that was closed without loop.shutdown_asyncgens() "
                "could not be closed; use asyncio.run() or asyncio.Runner, or close the client "
                "before closing its loop"
            )

    async def close(self) -> None:
        """Close the HTTP session of these parts, from whichever loop is running."""
        running = asyncio.get_running_loop()
        if self.finished:
            return
        if self.loop is running:
            await self._guard.aclose()  # its finally closes the HTTP session
        elif self.loop.is_closed() or self.pid != os.getpid():
            self.abandon()
        elif self.loop.is_running():
            closing = asyncio.run_coroutine_threadsafe(self._guard.aclose(), self.loop)
            await asyncio.wrap_future(closing)
        else:
            self._retire()

    def _retire(self) -> None:
        if self not in self._retired:
            self._retired.append(self)


class PerLoop:
    """A session's :class:`LoopParts`: those of the loop in use, and those left in loops that
    are stopped but may run again (until their guard closes them)."""

    def __init__(self, concurrency: int, make_http: HttpFactory, http: aiohttp.ClientSession | None) -> None:
        self._concurrency = concurrency
        self._make_http = make_http
        self._borrowed = http
        self.current: LoopParts | None = None
        self.retired: list[LoopParts] = []

    @property
    def http(self) -> aiohttp.ClientSession | None:
        """The HTTP session in use, if any."""
        return self.current.http if self.current is not None else self._borrowed

    def here(self) -> LoopParts:
        """The parts of the running loop, made when the session moves to it."""
        loop = asyncio.get_running_loop()
        parts = self.current
        if parts is not None and parts.usable_from(loop):
            return parts
        if parts is not None:
            parts.leave()
        for retired in self.retired:  # back in a loop left before: its connections are still open
            if retired.usable_from(loop):
                self.retired.remove(retired)
                self.current = retired
                return retired
        parts = self.current = LoopParts(
            loop, self._concurrency, self._make_http, self._borrowed, self.retired
        )
        return parts

    async def close(self) -> None:
        """Close the HTTP session of the loop in use (from any loop)."""
        parts, self.current = self.current, None
        if parts is not None:
            await parts.close()
