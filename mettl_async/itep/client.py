"""The iTEP client: signed JSON fulfillment requests on the shared session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yarl import URL

from ..core.account import account_label, key_label
from ..core.checks import split_http_url
from ..core.client import BaseClient
from ..core.errors import ConfigurationError
from ..core.options import ClientOptions
from ..core.redaction import redact
from .auth import ItepSettings, ItepSigning, SignatureEncoding
from .codes import decode_fulfillment
from .config import ENV_FULFILLMENT_URL
from .fulfillment import FulfillmentService
from .models import Fulfillment


def split_url(url: str) -> tuple[str, str]:
    """The session's base URL and the request path for a configured endpoint URL.

    The session drops a trailing slash from its base; it is kept as the path so
    that the URL on the wire is the one configured.
    """
    parsed = URL(url) if split_http_url(url) is not None else None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigurationError(
            f"the iTEP url (${ENV_FULFILLMENT_URL}) must be an http(s) URL with a host, got {redact(url)!r}"
        )
    return (url[:-1], "/") if url.endswith("/") and parsed.path != "/" else (url, "")


class ItepClient(BaseClient):
    """Async client for iTEP's fulfillment API.

    ``url``, ``api_key``, ``signature_header`` and ``signature_encoding`` come from
    the arguments or from ``ITEP_FULFILLMENT_URL``, ``ITEP_API_KEY``,
    ``ITEP_SIGNATURE_HEADER`` (default ``X-iTEP-Signature``) and
    ``ITEP_SIGNATURE_ENCODING`` (``hex``, the default, or ``base64``): the document
    prints none of them. Everything else is a
    :class:`~mettl_async.core.options.ClientOptions`. Fulfillment is never repeated
    once it may have reached iTEP (see :mod:`mettl_async.itep.fulfillment`),
    whatever ``retry`` says.

    ::

        async with ItepClient() as itep:
            issued = await itep.fulfill("GTX-Academic-Plus", assigned_to={"name": "Mary Poppins"})
            print(issued.test_id)
    """

    settings: ItepSettings

    def __init__(
        self,
        api_key: str | None = None,
        *,
        url: str | None = None,
        signature_header: str | None = None,
        signature_encoding: str | SignatureEncoding | None = None,
        environ: Mapping[str, str] | None = None,
        options: ClientOptions | None = None,
        account_name: str | None = None,
    ) -> None:
        self.settings = ItepSettings.resolve(
            url, api_key, signature_header, signature_encoding, environ=environ
        )
        self.account_name = account_label(account_name, key_label(self.settings.api_key))
        base_url, self._path = split_url(self.settings.url)
        self._connect(base_url, ItepSigning.from_settings(self.settings), decode_fulfillment, options)

    def _bind(self) -> None:
        self.fulfillment = FulfillmentService(self.session, self.options, path=self._path)

    async def fulfill(
        self,
        product_code: str,
        *,
        email: str | None = None,
        bcc: str | None = None,
        track: str | None = None,
        assigned_to: Mapping[str, Any] | None = None,
        registration: Mapping[str, str] | None = None,
    ) -> Fulfillment:
        """Shorthand for :meth:`FulfillmentService.fulfill` (same arguments, same no-repeat rule)."""
        return await self.fulfillment.fulfill(
            product_code,
            email=email,
            bcc=bcc,
            track=track,
            assigned_to=assigned_to,
            registration=registration,
        )

    def __repr__(self) -> str:
        return f"ItepClient({self.settings!r})"
