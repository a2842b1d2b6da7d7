"""Mettl's query signing, for CertiCHECK and the REST API v1/v2/v3: pure functions and a scheme.

The string to sign is the HTTP method, the URL exactly as sent (scheme, host,
path; no query), then ``"\\n" + value`` for every parameter except ``asgn``,
ordered by parameter name. The signature is the base64 HMAC of that string
under the private key (SHA-256; SHA-1 for REST API v1). On the wire it is
URL-encoded once, like every other parameter value. File parts of a multipart
body are not signed.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import os
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import attrs

from ..core.auth import AuthScheme, Signed, Stamp
from ..core.checks import check_utf8
from ..core.errors import ConfigurationError, InputError, missing_settings
from ..core.request import Placement, Request, WireRequest, encode_value, to_wire
from ..core.settings import Setting

SIGNATURE_PARAM = "asgn"
ENV_PUBLIC_KEY = "METTL_PUBLIC_KEY"
ENV_PRIVATE_KEY = "METTL_PRIVATE_KEY"


class Algorithm(enum.Enum):
    """The HMAC digest: SHA-256 for CertiCHECK and REST v2/v3, SHA-1 for REST v1."""

    HMAC_SHA256 = "sha256"
    HMAC_SHA1 = "sha1"


def string_to_sign(method: str, url: str, params: Mapping[str, str]) -> str:
    """``METHOD + URL`` then ``"\\n" + value`` per parameter, sorted by name, ``asgn`` left out."""
    values = "".join("\n" + params[name] for name in sorted(params) if name != SIGNATURE_PARAM)
    return method.upper() + url + values


def sign(text: str, private_key: str, algorithm: Algorithm = Algorithm.HMAC_SHA256) -> str:
    """The base64 HMAC of ``text`` under ``private_key`` (not yet URL-encoded)."""
    digest = hmac.new(private_key.encode(), text.encode(), algorithm.value).digest()
    return base64.b64encode(digest).decode("ascii")


def _mask(value: str) -> str:
    return f"…{value[-4:]}" if len(value) > 8 else "…"


#: The key pair both Mettl APIs take, as options and environment variables.
KEYS = (
    Setting("public_key", "--public-key", ENV_PUBLIC_KEY, "Mettl API public key.", required=True),
    Setting(
        "private_key",
        "--private-key",
        ENV_PRIVATE_KEY,
        "Mettl API private key (prefer the environment variable: options show in process lists).",
        secret=True,
        required=True,
    ),
)


@attrs.frozen(repr=False)
class Credentials:
    """A Mettl key pair. Neither key is ever shown: the repr masks the public key, omits the private."""

    public_key: str
    private_key: str

    def __attrs_post_init__(self) -> None:
        for name, key in (("public_key", self.public_key), ("private_key", self.private_key)):
            if not isinstance(key, str):
                raise ConfigurationError(f"{name} must be text, got {type(key).__name__}")
            try:
                key.encode()
            except UnicodeEncodeError:  # e.g. a byte that is not UTF-8 in the environment variable
                raise ConfigurationError(f"{name} must be UTF-8 text") from None

    def __repr__(self) -> str:
        return f"Credentials(public_key={_mask(self.public_key)!r}, private_key=<hidden>)"

    @classmethod
    def resolve(cls, public_key: str | None = None, private_key: str | None = None) -> Credentials:
        """Keys from the arguments, else from ``METTL_PUBLIC_KEY`` / ``METTL_PRIVATE_KEY``."""
        public = public_key or os.environ.get(ENV_PUBLIC_KEY)
        private = private_key or os.environ.get(ENV_PRIVATE_KEY)
        missing = [
            (name, env)
            for name, env, value in (
                ("public_key", ENV_PUBLIC_KEY, public),
                ("private_key", ENV_PRIVATE_KEY, private),
            )
            if not value
        ]
        if missing or not public or not private:
            raise missing_settings(missing)
        return cls(public, private)


def check_param_text(name: str, value: object) -> str:
    """A parameter value as Mettl signs it: text. A line break would move every later value's
    place in the string to sign (values are joined by ``\\n``), so none is allowed."""
    if not isinstance(value, str):
        raise InputError(name, f"must be text, got {type(value).__name__}")
    if "\n" in value or "\r" in value:
        raise InputError(name, "must not contain a line break (values are joined by line breaks to sign)")
    return check_utf8(name, value)


class _Prepared(NamedTuple):
    url: str
    params: dict[str, str]
    #: Every parameter sent, ``ts`` included, by name.
    names: list[str]
    #: The string to sign before and after ``ts``'s value.
    head: str
    tail: str
    #: A query-only request's URL before ``ts``'s value and between it and the signature's.
    query: tuple[str, str] | None


#: A base64 signature percent-encoded as ``encode_value`` would (``+``, ``/`` and ``=`` are the
#: only characters of the alphabet it encodes), without its general-purpose ``quote``.
_PERCENT_BASE64 = str.maketrans({"+": "%2B", "/": "%2F", "=": "%3D"})


def _query(url: str, params: Mapping[str, str], names: list[str], request: Request) -> tuple[str, str] | None:
    """For a request whose parameters all go in the query: its URL up to ``ts``'s value and from
    there to the signature's (``ak`` first, the rest by name, ``asgn`` last)."""
    if request.placement is not Placement.QUERY or request.files:
        return None
    pairs = [
        f"{encode_value(n)}={encode_value(params[n])}" if n != "ts" else "ts=" for n in names if n != "ak"
    ]
    at = pairs.index("ts=")
    before = "&".join([f"ak={encode_value(params['ak'])}", *pairs[: at + 1]])
    return f"{url}?{before}", "".join("&" + pair for pair in pairs[at + 1 :]) + f"&{SIGNATURE_PARAM}="


class MettlSigning(AuthScheme):
    """``ak``, ``ts`` and ``asgn`` added to the parameters, wherever the request puts them.

    ``base_params`` are sent with every request (CertiCHECK's ``subdomain``) and signed while
    :attr:`sign_base_params` is true (section 8.1's reading; section 8.2's Example 1 leaves
    them out of the string: see :mod:`mettl_async.certicheck.reading`).
    """

    resolution = 1.0

    def __init__(
        self,
        credentials: Credentials,
        algorithm: Algorithm = Algorithm.HMAC_SHA256,
        base_params: Mapping[str, str] | None = None,
    ) -> None:
        self.credentials = credentials
        self.algorithm = algorithm
        self.base_params = dict(base_params or {})
        #: Whether ``base_params`` go into the string to sign (the reading in use; it may change
        #: once, from the first calls' answers).
        self.sign_base_params = True
        # Keyed once; each signature copies the keyed state (cheaper than re-keying).
        self._keyed = hmac.new(credentials.private_key.encode(), digestmod=algorithm.value)
        #: The last request prepared: an attempt asks for its unique key, then its signature.
        self._memo: tuple[Request, str, bool, _Prepared] | None = None

    def __repr__(self) -> str:
        return f"MettlSigning({self.credentials!r}, {self.algorithm.name})"

    def _prepare(self, request: Request, base_url: str) -> _Prepared:
        """The string to sign around ``ts`` (the same for every attempt of a request)."""
        memo = self._memo
        if (
            memo is not None
            and memo[0] is request
            and memo[1] == base_url
            and memo[2] == self.sign_base_params
        ):
            return memo[3]
        for name, value in request.params.items():
            check_param_text(name, value)
        params = {**self.base_params, **request.params, "ak": self.credentials.public_key}
        params.pop(SIGNATURE_PARAM, None)
        names = sorted({*params, "ts"})
        unsigned = () if self.sign_base_params else self.base_params.keys() - request.params.keys()
        signed = [n for n in names if n not in unsigned]
        at = signed.index("ts")
        url = base_url + request.path
        head = request.method.upper() + url + "".join("\n" + params[n] for n in signed[:at]) + "\n"
        tail = "".join("\n" + params[n] for n in signed[at + 1 :])
        prepared = _Prepared(url, params, names, head, tail, _query(url, params, names, request))
        self._memo = (request, base_url, self.sign_base_params, prepared)
        return prepared

    def unique_key(self, request: Request, base_url: str) -> bytes:
        """What the signature covers apart from ``ts``. Two requests with equal keys sign alike
        in the same second (even ``limit=20`` and ``offset=20``: names are not signed)."""
        prepared = self._prepare(request, base_url)
        return hashlib.blake2b((prepared.head + "\0" + prepared.tail).encode(), digest_size=16).digest()

    def signature(self, text: str) -> str:
        mac = self._keyed.copy()
        mac.update(text.encode())
        return base64.b64encode(mac.digest()).decode("ascii")

    def sign(self, request: Request, base_url: str, stamp: Stamp) -> Signed:
        prepared = self._prepare(request, base_url)
        ts = str(stamp.second if stamp.second is not None else int(stamp.time))
        signature = self.signature(prepared.head + ts + prepared.tail)
        if prepared.query is not None:  # the same URL as to_wire's below, encoded once per request
            before, after = prepared.query
            url = before + ts + after + signature.translate(_PERCENT_BASE64)
            return Signed(WireRequest(request.method, url, {"Accept": "application/json"}), (signature,))
        params = prepared.params
        # ak first (the document's order), then the rest by name, then the signature.
        ordered = {"ak": params["ak"]}
        for name in prepared.names:
            if name != "ak":
                ordered[name] = ts if name == "ts" else params[name]
        ordered[SIGNATURE_PARAM] = signature
        wire = to_wire(request.method, prepared.url, ordered, request.placement, request.files)
        return Signed(wire, (signature,))

    def secrets(self) -> Iterable[str]:
        return (self.credentials.private_key, self.credentials.public_key)

    @property
    def secret_names(self) -> frozenset[str]:
        return frozenset({"ak", SIGNATURE_PARAM})
