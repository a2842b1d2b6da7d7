"""The CertiCHECK v2 client: Mettl's query signing with a subdomain, six services."""

from __future__ import annotations

import os

from ..core.account import account_label
from ..core.client import BaseClient
from ..core.errors import ConfigurationError, missing_settings
from ..core.options import ClientOptions
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
    ``METTL_BASE_URL``; everything else (rate, concurrency, retries, timeouts,
    your own ``aiohttp.ClientSession``) is a :class:`ClientOptions`.

    ``subdomain`` is sent with every request and signed, as section 8.1 of the document
    reads; should the server refuse a first call's signature and accept it signed as
    section 8.2's Example 1 (without ``subdomain``), the client signs that way from then
    on (:mod:`mettl_async.certicheck.reading`). ``sign_subdomain`` fixes either reading.
    ``account_name`` labels the rows it harvests (default: the subdomain).

    ::

        async with CertiCheckClient() as mettl:
            async for result in mettl.results.all():
                print(result.email, [c.certification_name for c in result.certificates])
    """

    subdomain: str
    _identity_fields = ("subdomain",)

    def __init__(
        self,
        public_key: str | None = None,
        private_key: str | None = None,
        subdomain: str | None = None,
        *,
        base_url: str | None = None,
        options: ClientOptions | None = None,
        sign_subdomain: bool | None = None,
        account_name: str | None = None,
    ) -> None:
        credentials = Credentials.resolve(public_key, private_key)
        subdomain = subdomain or os.environ.get(ENV_SUBDOMAIN)
        if not subdomain:
            raise missing_settings([("subdomain", ENV_SUBDOMAIN)])
        if sign_subdomain is not None and not isinstance(sign_subdomain, bool):
            raise ConfigurationError(f"sign_subdomain must be True, False or None, got {sign_subdomain!r}")
        self.subdomain = subdomain
        self.account_name = account_label(account_name, subdomain)
        signing = MettlSigning(credentials, base_params={"subdomain": subdomain})
        self._reading = SubdomainReading(signing, sign_subdomain)
        self._connect(
            base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
            signing,
            decode_certicheck,
            options,
        )

    def _bind(self) -> None:
        self.timezones = TimezonesService(self.session, self.options, reading=self._reading)
        self.account = AccountService(self.session, self.options, reading=self._reading)
        self.applicants = ApplicantsService(self.session, self.options, reading=self._reading)
        self.results = ResultsService(self.session, self.options, reading=self._reading)
        self.slots = SlotsService(self.session, self.options, reading=self._reading)
        self.tests = TestsService(self.session, self.options, reading=self._reading)

    def __repr__(self) -> str:
        return f"CertiCheckClient(base_url={self.session.base_url!r}, subdomain={self.subdomain!r})"
