"""What every platform's client shares: one session, its services, options, counters, closing."""

from __future__ import annotations

import abc
from types import TracebackType
from typing import TypeVar

from .retry import RetryPolicy
from .session import CallOptions, Session
from .telemetry import SessionEvents, SessionStats

C = TypeVar("C", bound="BaseClient")


class BaseClient(abc.ABC):
    """A platform client: a :class:`Session` and the services bound to it.

    Use it with ``async with`` (or call :meth:`close`). :meth:`with_options` gives
    the same client (same session, limiter and connections) with other per-call
    defaults; :attr:`stats` holds the counters and :attr:`events` tells listeners what
    happens as it happens.
    """

    session: Session
    options: CallOptions | None = None

    @abc.abstractmethod
    def _bind(self, options: CallOptions | None) -> None:
        """Create the services, each calling through ``self.session`` with ``options``."""

    def with_options(self: C, *, timeout: float | None = None, retry: RetryPolicy | None = None) -> C:
        """This client with other per-call defaults.

        For one call or many::

            await client.with_options(timeout=5, retry=RetryPolicy.never()).account.get()
        """
        view = object.__new__(type(self))
        view.__dict__.update(self.__dict__)
        view.options = CallOptions(timeout=timeout, retry=retry)
        view._bind(view.options)
        return view

    @property
    def stats(self) -> SessionStats:
        """Counters: requests, retries, 429s, clock corrections, coalesced calls, bytes, seconds."""
        return self.session.stats

    @property
    def events(self) -> SessionEvents:
        """Subscribe to what the session does (``client.events.subscribe(fn)``):
        attempts, retries, 429 pauses, waits; see :mod:`mettl_async.core.telemetry`."""
        return self.session.events

    async def __aenter__(self: C) -> C:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connections this client opened (a borrowed ``http`` session stays open)."""
        await self.session.close()
