"""The CertiCHECK v2 client: Mettl's query signing with a subdomain, six services."""

from __future__ import annotations

import os
import ssl as ssl_module
import time
from collections.abc import Callable, Sequence

import aiohttp

from ..core.client import BaseClient
from ..core.errors import ConfigurationError
from ..core.ratelimit import Limiter
from ..core.responses import MAX_RESPONSE_BYTES
from ..core.retry import RetryPolicy
from ..core.session import CallOptions, Session
from ..core.uniqueness import UniquenessStore
from ..mettlfamily.codes import decode_certicheck
from ..mettlfamily.signing import Credentials, MettlSigning
from .config import DEFAULT_BASE_URL, ENV_BASE_URL, ENV_SUBDOMAIN
from .reading import SubdomainReading
from .services import (
    AccountService,
    ApplicantsService,
    ResultsService,
    SlotsService,
    TestsService,
    TimezonesService,
)


class CertiCheckClient(BaseClient):
    """Async client for the Mettl CertiCHECK API v2.

    Keys, subdomain and base URL come from the arguments or from
    ``METTL_PUBLIC_KEY``, ``METTL_PRIVATE_KEY``, ``METTL_SUBDOMAIN`` and
    ``METTL_BASE_URL``. Pass ``http`` to share your own ``aiohttp.ClientSession``
    (it is then never closed here).

    ``rate`` is the server's limit in requests per second when you know it;
    left ``None`` the client sends unthrottled until the server first says 429
    and then finds the limit (never above ``rate_ceiling``). ``concurrency``
    caps requests in flight. ``ssl`` takes your own ``SSLContext`` (TLS is
    verified by default); ``trace_configs`` your aiohttp tracing (OpenTelemetry).
    ``max_response_bytes`` caps a response body (decompressed; 64 MiB by default): a
    larger one is refused with :class:`~mettl_async.ResponseTooLargeError`.

    ``subdomain`` is sent with every request and signed, as section 8.1 of the document
    reads; should the server refuse a first call's signature and accept it signed as
    section 8.2's Example 1 (without ``subdomain``), the client signs that way from then
    on (:mod:`mettl_async.certicheck.reading`). ``sign_subdomain`` fixes either reading.

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
        rate: float | None = None,
        burst: int = 1,
        rate_ceiling: float | None = None,
        limiter: Limiter | None = None,
        concurrency: int = 16,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
        uniqueness: UniquenessStore | None = None,
        ssl: ssl_module.SSLContext | bool | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        sign_subdomain: bool | None = None,
    ) -> None:
        credentials = Credentials.resolve(public_key, private_key)
        subdomain = subdomain or os.environ.get(ENV_SUBDOMAIN)
        if not subdomain:
            raise ConfigurationError(f"missing subdomain (argument or ${ENV_SUBDOMAIN}, --subdomain)")
        if sign_subdomain is not None and not isinstance(sign_subdomain, bool):
            raise ConfigurationError(f"sign_subdomain must be True, False or None, got {sign_subdomain!r}")
        self.subdomain = subdomain
        signing = MettlSigning(credentials, base_params={"subdomain": subdomain})
        self._reading = SubdomainReading(signing, sign_subdomain)
        self.session = Session(
            base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
            signing,
            decode_certicheck,
            rate=rate,
            burst=burst,
            ceiling=rate_ceiling,
            limiter=limiter,
            concurrency=concurrency,
            retry=retry,
            timeout=timeout,
            clock=clock,
            http=http,
            uniqueness=uniqueness,
            ssl=ssl,
            trace_configs=trace_configs,
            max_response_bytes=max_response_bytes,
        )
        self._bind(None)

    def _bind(self, options: CallOptions | None) -> None:
        self.timezones = TimezonesService(self.session, options, reading=self._reading)
        self.account = AccountService(self.session, options, reading=self._reading)
        self.applicants = ApplicantsService(self.session, options, reading=self._reading)
        self.results = ResultsService(self.session, options, reading=self._reading)
        self.slots = SlotsService(self.session, options, reading=self._reading)
        self.tests = TestsService(self.session, options, reading=self._reading)

    def __repr__(self) -> str:
        return f"CertiCheckClient(base_url={self.session.base_url!r}, subdomain={self.subdomain!r})"
