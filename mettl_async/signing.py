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


Fingerprint = tuple[str, str, tuple[tuple[str, str], ...]]


def request_fingerprint(method: str, url: str, params: Mapping[str, str]) -> Fingerprint:
    """What makes two requests sign alike apart from ``ts``: method, URL and the other values."""
    rest = tuple(sorted((k, v) for k, v in params.items() if k not in ("ts", SIGNATURE_PARAM)))
    return method.upper(), url, rest


class UniqueTimestamps:
    """Issues ``ts`` values so that the same signature is never emitted twice.

    The server refuses a signature it has seen before and ``ts`` has one-second
    resolution, so a repeat of an identical request within the same second gets
    the next second instead. Only the requests of the current second are
    remembered. One instance serves every session of a process (see
    :data:`mettl_async.session.TIMESTAMPS`), from any thread.
    """

    def __init__(self) -> None:
        self._last: dict[Fingerprint, int] = {}
        self._pruned_at = 0
        self._lock = threading.Lock()

    def issue(self, fingerprint: Fingerprint, now: int) -> int:
        with self._lock:
            if now > self._pruned_at:
                # Anything last issued before `now` cannot collide with a ts >= now.
                self._last = {fp: ts for fp, ts in self._last.items() if ts >= now}
                self._pruned_at = now
            last = self._last.get(fingerprint)
            ts = now if last is None or last < now else last + 1
            self._last[fingerprint] = ts
            return ts


def encode_path_segment(value: str) -> str:
    """A path parameter (an id, an e-mail address) as sent, and so as signed.

    ``@`` and ``+`` are legal in a path (RFC 3986 ``pchar``) and stay literal;
    anything that is not (space, ``/``, ``?``, ``#``, ``%``) is percent-encoded.
    """
    return quote(value, safe="@+!$&'()*,;=:-._~")
