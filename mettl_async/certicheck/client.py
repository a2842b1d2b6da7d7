"""The CertiCHECK v2 client: one session, six services."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from types import TracebackType

import aiohttp

from ..errors import ConfigurationError
from ..retry import RetryPolicy
from ..session import ENV_BASE_URL, ENV_SUBDOMAIN, Credentials, Session
from .services import (
    AccountService,
    ApplicantsService,
    ResultsService,
    SlotsService,
    TestsService,
    TimezonesService,
)

DEFAULT_BASE_URL = "https://certification.mettl.com/api/v2"


class CertiCheckClient:
    """Async client for the Mettl CertiCHECK API v2.

    Keys, subdomain and base URL come from the arguments or from
    ``METTL_PUBLIC_KEY``, ``METTL_PRIVATE_KEY``, ``METTL_SUBDOMAIN`` and
    ``METTL_BASE_URL``. Pass ``http`` to share your own ``aiohttp.ClientSession``
    (it is then never closed here). ``rate`` (requests per second, ``None`` for
    no limit) and ``burst`` size the shared token bucket; ``concurrency`` caps
    requests in flight.

    ::

        async with CertiCheckClient() as mettl:
            async for result in mettl.results.all():
                print(result.email, [c.certification_name for c in result.certificates])
    """

    def __init__(
        self,
        public_key: str | None = None,
        private_key: str | None = None,
        subdomain: str | None = None,
        *,
        base_url: str | None = None,
        http: aiohttp.ClientSession | None = None,
        rate: float | None = 10.0,
        burst: int = 10,
        concurrency: int = 8,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        credentials = Credentials.resolve(public_key, private_key)
        subdomain = subdomain or os.environ.get(ENV_SUBDOMAIN)
        if not subdomain:
            raise ConfigurationError(f"missing subdomain (argument or ${ENV_SUBDOMAIN})")
        self.subdomain = subdomain
        self.session = Session(
            base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
            credentials,
            base_params={"subdomain": subdomain},
            rate=rate,
            burst=burst,
            concurrency=concurrency,
            retry=retry,
            timeout=timeout,
            clock=clock,
            http=http,
        )
        self.timezones = TimezonesService(self.session)
        self.account = AccountService(self.session)
        self.applicants = ApplicantsService(self.session)
        self.results = ResultsService(self.session)
        self.slots = SlotsService(self.session)
        self.tests = TestsService(self.session)

    def __repr__(self) -> str:
        return f"CertiCheckClient(base_url={self.session.base_url!r}, subdomain={self.subdomain!r})"

    async def __aenter__(self) -> CertiCheckClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self.session.close()
