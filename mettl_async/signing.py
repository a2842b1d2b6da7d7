"""Request signing for the Mettl APIs: pure functions, no I/O.

The string to sign is the HTTP method, the URL exactly as sent (scheme, host,
path; no query), then ``"\\n" + value`` for every parameter except ``asgn``,
ordered by parameter name. The signature is the base64 HMAC of that string under
the private key (SHA-256; SHA-1 for Mettl API v1). On the wire it is URL-encoded
once, like every other parameter value.
"""

from __future__ import annotations

import base64
import enum
import hmac
import threading
from collections.abc import Mapping
from urllib.parse import quote

SIGNATURE_PARAM = "asgn"


class Algorithm(enum.Enum):
    """The HMAC digest: SHA-256 for CertiCHECK and Mettl API v2/v3, SHA-1 for v1."""

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


def encode_value(value: str) -> str:
    """Percent-encode one parameter value for a query string or form body (RFC 3986)."""
    return quote(value, safe="-_.~")


def encode_params(params: Mapping[str, str]) -> str:
    """``name=value&…`` in the given order, every value percent-encoded once."""
    return "&".join(f"{encode_value(k)}={encode_value(v)}" for k, v in params.items())


Fingerprint = tuple[str, str, tuple[str | None, ...]]


def request_fingerprint(method: str, url: str, params: Mapping[str, str]) -> Fingerprint:
    """What a request's signature covers apart from ``ts``: method, URL and the values in
    signing order, ``ts``'s place marked. Two requests with equal fingerprints sign alike
    for equal ``ts`` (even ``limit=20`` and ``offset=20``: names are not signed)."""
    names = sorted({*params, "ts"} - {SIGNATURE_PARAM})
    return method.upper(), url, tuple(None if name == "ts" else params[name] for name in names)


class _Issued:
    """The ``ts`` values given to one request that are not yet in the past."""

    __slots__ = ("following", "used")

    def __init__(self) -> None:
        self.used: set[int] = set()
        #: One past the last value issued: where a burst continues, without a scan.
        self.following = 0


class UniqueTimestamps:
    """Issues ``ts`` values so that the same signature is never emitted twice.

    The server refuses a signature it has seen before and ``ts`` has one-second
    resolution, so a repeat of an identical request within the same second gets
    the next free second instead. Each request remembers the values it was
    given that are not yet in the past; the clock may also move back (after an
    E504 correction) and then ``now`` itself is free again. One instance serves
    every session of a process (:data:`mettl_async.session.TIMESTAMPS`), from
    any thread.
    """

    def __init__(self) -> None:
        self._issued: dict[Fingerprint, _Issued] = {}
        self._pruned_at: int | None = None
        self._lock = threading.Lock()

    def issue(self, fingerprint: Fingerprint, now: int) -> int:
        with self._lock:
            if now != self._pruned_at:
                self._prune(now)
            issued = self._issued.get(fingerprint)
            if issued is None:
                issued = self._issued[fingerprint] = _Issued()
            ts = max(now, issued.following) if now in issued.used else now
            while ts in issued.used:
                ts += 1
            issued.used.add(ts)
            issued.following = ts + 1
            return ts

    def _prune(self, now: int) -> None:
        """Forget values before ``now``: they can never be issued again."""
        for fingerprint in list(self._issued):
            issued = self._issued[fingerprint]
            issued.used = {ts for ts in issued.used if ts >= now}
            if not issued.used:
                del self._issued[fingerprint]
        self._pruned_at = now


def encode_path_segment(value: str) -> str:
    """A path parameter (an id, an e-mail address) as sent, and so as signed.

    ``@`` and ``+`` are legal in a path (RFC 3986 ``pchar``) and stay literal;
    anything that is not (space, ``/``, ``?``, ``#``, ``%``) is percent-encoded.
    """
    return quote(value, safe="@+!$&'()*,;=:-._~")
