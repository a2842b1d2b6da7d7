"""The CertiCHECK v2 client: Mettl's query signing with a subdomain, six services."""

from __future__ import annotations

import os

from ..core.client import BaseClient
from ..core.errors import ConfigurationError
from ..core.options import ClientOptions
from ..mettlfamily.codes import decode_certicheck
from ..mettlfamily.signing import Credentials, MettlSigning
from .config import DEFAULT_BASE_URL, ENV_BASE_URL, ENV_SUBDOMAIN
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
    ``METTL_BASE_URL``; everything else (rate, concurrency, retries, timeouts,
    your own ``aiohttp.ClientSession``) is a :class:`ClientOptions`.

    ::

        async with CertiCheckClient() as mettl:
            async for result in mettl.results.all():
                print(result.email, [c.certification_name for c in result.certificates])
    """

    _identity_fields = ("subdomain",)

    def __init__(
        self,
        public_key: str | None = None,
        private_key: str | None = None,
        subdomain: str | None = None,
        *,
        base_url: str | None = None,
        options: ClientOptions | None = None,
    ) -> None:
        credentials = Credentials.resolve(public_key, private_key)
        subdomain = subdomain or os.environ.get(ENV_SUBDOMAIN)
        if not subdomain:
            raise ConfigurationError(f"missing subdomain (argument or ${ENV_SUBDOMAIN}, --subdomain)")
        self.subdomain = subdomain
        self._connect(
            base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
            MettlSigning(credentials, base_params={"subdomain": subdomain}),
            decode_certicheck,
            options,
        )

    def _bind(self) -> None:
        self.timezones = TimezonesService(self.session, self.options)
        self.account = AccountService(self.session, self.options)
        self.applicants = ApplicantsService(self.session, self.options)
        self.results = ResultsService(self.session, self.options)
        self.slots = SlotsService(self.session, self.options)
        self.tests = TestsService(self.session, self.options)

    def __repr__(self) -> str:
        return f"CertiCheckClient(base_url={self.session.base_url!r}, subdomain={self.subdomain!r})"
