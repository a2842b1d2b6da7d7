"""What every synchronous client and service shares: the portal, closing, options, counters.

The generated platform modules (``_certicheck.py`` …) subclass these; see
:mod:`mettl_async.sync` for the design.
"""

from __future__ import annotations

import abc
import copy
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import Any, Generic, ParamSpec, Self, TypeVar

from ..core.client import BaseClient
from ..core.errors import ConfigurationError
from ..core.paginator import Paginator as AsyncPaginator
from ..core.telemetry import SessionEvents, SessionStats
from .paginator import Paginator
from .portal import Portal

A = TypeVar("A", bound=BaseClient)
S = TypeVar("S")
T = TypeVar("T")
P = ParamSpec("P")


class SyncService(Generic[S]):
    """A synchronous service: each call runs the async service's coroutine on the client's loop."""

    def __init__(self, portal: Portal, aio: S) -> None:
        self._portal = portal
        self._aio = aio

    def __repr__(self) -> str:
        return f"sync.{type(self._aio).__name__}"

    def _paginate(
        self, function: Callable[P, AsyncPaginator[T]], /, *args: P.args, **kwargs: P.kwargs
    ) -> Paginator[T]:
        """A synchronous paginator over what ``function`` lists (its input checked now)."""
        return Paginator(self._portal, function(*args, **kwargs))


class SyncClient(Generic[A], abc.ABC):
    """A synchronous client: an async client whose calls run on a private event loop.

    The loop runs in a daemon thread owned by this client, started on the first
    call. :meth:`close` (or leaving a ``with`` block) closes the connections and
    stops the thread; a later call starts them again. A client dropped without
    closing is closed when it is garbage-collected, or at interpreter exit.
    """

    def __init__(self, aio: A) -> None:
        if aio.options.http is not None:
            raise ConfigurationError(
                "options.http: an aiohttp session belongs to its caller's event loop, and the "
                "synchronous client runs on a loop of its own; leave it out"
            )
        self._aio = aio
        self._portal = Portal(type(aio).__name__)
        #: The client a :meth:`with_options` view was made from (kept alive by its views).
        self._owner: SyncClient[A] | None = None
        # The safety net: runs at garbage collection or at exit, unless closed before.
        # It holds the portal and the async client, never this object.
        weakref.finalize(self, self._portal.close, aio.close)
        self._bind()

    @abc.abstractmethod
    def _bind(self) -> None:
        """Create the synchronous services over the async client's."""

    def __repr__(self) -> str:
        return f"sync.{self._aio!r}"

    def with_options(self, **changes: Any) -> Self:
        """This client with some :class:`~mettl_async.core.options.ClientOptions` changed (same
        loop; same session and limiter unless a change needs its own)::

            client.with_options(timeout=5, retry=RetryPolicy.never()).account.get()

        Closing a view closes the client it was made from, as for the async client.
        """
        if changes.get("http") is not None:
            raise ConfigurationError("http: the synchronous client runs on a loop of its own; leave it out")
        view = copy.copy(self)
        view._aio = self._aio.with_options(**changes)
        view._owner = self._owner or self
        view._bind()
        return view

    @property
    def stats(self) -> SessionStats:
        """Counters: requests, retries, 429s, clock corrections, coalesced calls, bytes."""
        return self._aio.stats

    @property
    def events(self) -> SessionEvents:
        """Subscribe to what the session does (``client.events.subscribe(fn)``); see
        :mod:`mettl_async.core.telemetry`. Listeners run in this client's event loop thread."""
        return self._aio.events

    def close(self) -> None:
        """Close the connections and stop the event loop thread (a later call starts them again)."""
        self._portal.close(self._aio.close)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
