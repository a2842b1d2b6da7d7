"""What every platform's client shares: one session, its services, options, counters, closing."""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Any, ClassVar, Self

from .auth import AuthScheme
from .errors import ConfigurationError
from .options import ClientOptions
from .session import Decoder, Session
from .telemetry import SessionEvents, SessionStats


class BaseClient(abc.ABC):
    """A platform client: a :class:`Session` and the services bound to it.

    Use it with ``async with`` (or call :meth:`close`). :meth:`with_options` gives
    the same client with other :class:`ClientOptions`; :attr:`stats` holds the counters
    and :attr:`events` tells listeners what happens as it happens.
    """

    session: Session
    options: ClientOptions
    #: The account this client reaches, as outputs label its rows (never a secret).
    account_name: str
    #: Attributes that, with the base URL, name the account the client reaches (never a secret).
    _identity_fields: ClassVar[tuple[str, ...]] = ()

    def _connect(
        self, base_url: str, auth: AuthScheme, decode: Decoder, options: ClientOptions | None
    ) -> None:
        """Open the session (no connection is made before the first request) and bind the services."""
        self.options = options if options is not None else ClientOptions()
        if not isinstance(self.options, ClientOptions):
            raise ConfigurationError(f"options must be a ClientOptions, got {type(options).__name__}")
        self.session = Session(base_url, auth, decode, self.options)
        self._views: list[Session] = []
        self._bind()

    @abc.abstractmethod
    def _bind(self) -> None:
        """Create the services, each calling through ``self.session`` with ``self.options``."""

    def identity(self) -> dict[str, Any]:
        """What identifies the account this client reaches, for checkpoints: never a secret."""
        fields = {f: getattr(self, f) for f in self._identity_fields}
        return {"account": self.account_name, "base_url": self.session.base_url} | fields

    def with_options(self, **changes: Any) -> Self:
        """This client with some options changed (any field of :class:`ClientOptions`).

        For one call or many::

            await client.with_options(timeout=5, retry=RetryPolicy.never()).account.get()

        Options read per request (timeout, retry, headers, prefetch, response size) share this
        client's session, limiter and connections; any other change (the rate, concurrency, TLS)
        gives the view a session of its own, closed with this client.
        """
        options = self.options.replace(**changes)
        view = object.__new__(type(self))
        view.__dict__.update(self.__dict__)
        view.options = options
        if not options.shares_session_with(self.session.options):
            view.session = Session(self.session.base_url, self.session.auth, self.session.decode, options)
            view._views = []
            self._views.append(view.session)
        view._bind()
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

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connections this client opened, its views' too (a borrowed ``http`` session
        stays open). The client stays usable: a later request opens new connections."""
        try:
            for view in self._views:
                await view.close()
        finally:
            await self.session.close()
