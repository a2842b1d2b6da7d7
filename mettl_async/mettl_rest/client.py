"""The Mettl REST API client (v1, v2, v3): Mettl's query signing, five services."""

from __future__ import annotations

import os

from ..core.account import account_label, key_label
from ..core.client import BaseClient
from ..core.errors import ConfigurationError
from ..core.options import ClientOptions
from ..mettlfamily.codes import decode_rest
from ..mettlfamily.signing import Algorithm, Credentials, MettlSigning
from .candidates import CandidatesService
from .config import ENV_API_BASE_URL, ENV_API_VERSION, ApiVersionError, resolve_base_url
from .services import AccountService, AssessmentsService, SchedulesService, WhiteLabelRoute


class MettlClient(BaseClient):
    """Async client for Mettl's REST API (``https://api.mettl.com/v2``; v1 and v3 selectable).

    Keys come from the arguments or ``METTL_PUBLIC_KEY`` / ``METTL_PRIVATE_KEY``;
    the base URL from ``base_url`` or ``METTL_API_BASE_URL``, the version from
    ``api_version`` or ``METTL_API_VERSION``. They combine as
    :func:`~mettl_async.mettl_rest.config.resolve_base_url` says: a version given
    replaces the base URL's ``/v1``, ``/v2`` or ``/v3`` segment or is appended to a base URL
    without one. v1 signs with HMAC-SHA1, v2 and v3 with HMAC-SHA256.

    ``white_label_path`` fixes Update White Label's path (by default the
    two-L spelling is tried first and the one-L spelling after a "no such
    endpoint"; the one that works is remembered). ``account_name`` labels the rows it harvests
    (default: ``key-`` and a hash of the public key, never the key). Everything else is a
    :class:`~mettl_async.core.options.ClientOptions`.

    ::

        async with MettlClient() as mettl:
            async for result in mettl.candidates.results("a1b2c3d4"):
                print(result.email, result.test_status and result.test_status.status)
    """

    api_version: str
    _identity_fields = ("api_version",)

    def __init__(
        self,
        public_key: str | None = None,
        private_key: str | None = None,
        *,
        api_version: str | None = None,
        base_url: str | None = None,
        white_label_path: str | None = None,
        options: ClientOptions | None = None,
        account_name: str | None = None,
    ) -> None:
        credentials = Credentials.resolve(public_key, private_key)
        self.account_name = account_label(account_name, key_label(credentials.public_key))
        try:
            url, version = resolve_base_url(
                base_url or os.environ.get(ENV_API_BASE_URL),
                api_version or os.environ.get(ENV_API_VERSION) or None,  # set but empty: unset
            )
        except ApiVersionError as error:
            raise ConfigurationError(f"{error} (argument, ${ENV_API_VERSION} or --api-version)") from None
        self.api_version = version
        algorithm = Algorithm.HMAC_SHA1 if version == "v1" else Algorithm.HMAC_SHA256
        self._white_label = WhiteLabelRoute(white_label_path)
        self._connect(url, MettlSigning(credentials, algorithm), decode_rest, options)

    def _bind(self) -> None:
        self.account = AccountService(self.session, self.options, white_label=self._white_label)
        self.assessments = AssessmentsService(self.session, self.options)
        self.schedules = SchedulesService(self.session, self.options)
        self.candidates = CandidatesService(self.session, self.options, api_version=self.api_version)

    def __repr__(self) -> str:
        return f"MettlClient(base_url={self.session.base_url!r}, api_version={self.api_version!r})"
