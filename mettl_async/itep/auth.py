"""iTEP's request signature: an HMAC-SHA256 of the exact body bytes, in one header.

The document says a header carries "a HMAC-SHA256 digital signature" that
"confirms the integrity of the request body" and "identifies the sender". It
does not print the header's name, the encoding, or the URL, so all three are
settings (:mod:`.config`). The readings taken:

* the HMAC key is the API key generated on the PRODUCT CODE screen, as UTF-8 bytes;
* the message is the body exactly as sent: compact JSON, no whitespace, keys in
  the order given (the document: "Do not send pretty JSON", "everything is
  case-sensitive"); the signature is computed over the bytes on the wire, so the
  two cannot differ;
* the encoding is lower-case hex by default (what online HMAC tools print), or
  standard base64 with padding.

:func:`sign_body` is the whole rule as a pure function; :class:`ItepSigning`
applies it to a request for the shared session.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Mapping

import attrs

from ..core.auth import AuthScheme, Signed, Stamp
from ..core.errors import ConfigurationError, missing_settings
from ..core.redaction import redact
from ..core.request import Placement, Request, WireRequest, to_wire
from .config import (
    DEFAULT_SIGNATURE_ENCODING,
    DEFAULT_SIGNATURE_HEADER,
    ENV_API_KEY,
    ENV_FULFILLMENT_URL,
    ENV_SIGNATURE_ENCODING,
    ENV_SIGNATURE_HEADER,
)


class SignatureEncoding(enum.Enum):
    """How the 32 bytes of the HMAC are written in the header."""

    HEX = "hex"  #: 64 lower-case hex digits
    BASE64 = "base64"  #: 44 characters of standard base64, padded

    @classmethod
    def parse(cls, value: str | SignatureEncoding) -> SignatureEncoding:
        """``"hex"`` or ``"base64"`` (any case); anything else is a :class:`ConfigurationError`."""
        if isinstance(value, SignatureEncoding):
            return value
        try:
            return cls(value.strip().lower())
        except (ValueError, AttributeError):  # AttributeError: not text at all
            raise ConfigurationError(
                f"signature encoding must be hex or base64 (${ENV_SIGNATURE_ENCODING}), got {value!r}"
            ) from None


def sign_body(body: bytes, api_key: str, encoding: SignatureEncoding = SignatureEncoding.HEX) -> str:
    """The signature of ``body``: HMAC-SHA256 under ``api_key`` (UTF-8), hex or base64."""
    digest = hmac.new(api_key.encode(), body, hashlib.sha256).digest()
    if encoding is SignatureEncoding.HEX:
        return digest.hex()
    return base64.b64encode(digest).decode("ascii")


#: An HTTP header name (RFC 9110 ``token``).
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def check_header_name(name: str) -> str:
    """A header name that HTTP can carry, else :class:`ConfigurationError`."""
    if not _TOKEN.fullmatch(name):
        raise ConfigurationError(
            f"signature header must be an HTTP header name (${ENV_SIGNATURE_HEADER}), got {name!r}"
        )
    return name


@attrs.frozen(repr=False)
class ItepSettings:
    """Where to send fulfillment requests and how to sign them. The key is never shown."""

    url: str
    api_key: str
    header: str = DEFAULT_SIGNATURE_HEADER
    encoding: SignatureEncoding = SignatureEncoding.HEX

    def __repr__(self) -> str:
        return (
            f"ItepSettings(url={redact(self.url)!r}, api_key=<hidden>, header={self.header!r}, "
            f"encoding={self.encoding.value!r})"
        )

    @classmethod
    def resolve(
        cls,
        url: str | None = None,
        api_key: str | None = None,
        header: str | None = None,
        encoding: str | SignatureEncoding | None = None,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> ItepSettings:
        """Each setting from its argument, else its environment variable, else its default.

        The URL and the key have no default: a missing one is a :class:`ConfigurationError`
        naming the argument, the variable and the command-line option.
        """
        env = os.environ if environ is None else environ
        url = url or env.get(ENV_FULFILLMENT_URL)
        api_key = api_key or env.get(ENV_API_KEY)
        missing = [
            (name, var)
            for name, var, value in (("url", ENV_FULFILLMENT_URL, url), ("api_key", ENV_API_KEY, api_key))
            if not value
        ]
        if missing or not url or not api_key:
            raise missing_settings(missing, "iTEP ")
        return cls(
            url,
            api_key,
            check_header_name(header or env.get(ENV_SIGNATURE_HEADER) or DEFAULT_SIGNATURE_HEADER),
            SignatureEncoding.parse(
                encoding or env.get(ENV_SIGNATURE_ENCODING) or DEFAULT_SIGNATURE_ENCODING
            ),
        )


class ItepSigning(AuthScheme):
    """Sends the request's parameters as a compact JSON body and signs those bytes in a header.

    Nothing in the body varies between attempts (the document names no timestamp or
    nonce), so the scheme asks the session for nothing unique.
    """

    def __init__(
        self,
        api_key: str,
        header: str = DEFAULT_SIGNATURE_HEADER,
        encoding: SignatureEncoding = SignatureEncoding.HEX,
    ) -> None:
        if not api_key:
            raise missing_settings([("api_key", ENV_API_KEY)], "iTEP ")
        self._api_key = api_key
        self.header = check_header_name(header)
        self.encoding = encoding

    @classmethod
    def from_settings(cls, settings: ItepSettings) -> ItepSigning:
        return cls(settings.api_key, settings.header, settings.encoding)

    def __repr__(self) -> str:
        return f"ItepSigning(api_key=<hidden>, header={self.header!r}, encoding={self.encoding.value!r})"

    def sign(self, request: Request, base_url: str, stamp: Stamp) -> Signed:
        if request.placement is not Placement.JSON or request.files:
            raise ValueError("iTEP requests carry a JSON body and no files")
        wire = to_wire(request.method, base_url + request.path, request.params, Placement.JSON)
        assert wire.body is not None
        signature = sign_body(wire.body, self._api_key, self.encoding)
        headers = {**wire.headers, self.header: signature}
        return Signed(WireRequest(wire.method, wire.url, headers, wire.body), (signature,))

    def secrets(self) -> Iterable[str]:
        return (self._api_key,)

    @property
    def secret_names(self) -> frozenset[str]:
        return frozenset({self.header.lower()})
