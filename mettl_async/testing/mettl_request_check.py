"""Mettl's request check, as the server makes it (section 8.4 of the CertiCHECK document):
the key, then the timestamp (within a day), then the signature, then that it is new.

Restated from the document on the server side, independently of the client's
signer, so that a sandbox test exercises the client against the rule itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

import attrs
from aiohttp import web

from .kit import SandboxError, UsedSignatures

ONE_DAY = 86_400


def expected_signature(
    private_key: str, method: str, url: str, params: Mapping[str, str], digest: str = "sha256"
) -> str:
    """Base64 HMAC of ``METHOD + URL`` and ``"\\n" + value`` per parameter by name, ``asgn`` left out."""
    text = method + url + "".join("\n" + params[name] for name in sorted(params) if name != "asgn")
    return base64.b64encode(
        hmac.new(private_key.encode(), text.encode(), getattr(hashlib, digest)).digest()
    ).decode()


@attrs.frozen
class Refusals:
    """The codes and texts a Mettl API answers for each failed check."""

    unknown_key: tuple[str, str] = ("E002", "Invalid Access Key")
    bad_timestamp: tuple[str, str] = ("E504", "Invalid Timestamp")
    bad_signature: tuple[str, str] = ("E401", "Authentication failed/Signature mismatch")
    reused_signature: tuple[str, str] = ("E401", "Signature expired")


class MettlVerifier:
    """Checks ``ak``, ``ts`` and ``asgn`` of requests to one account; signatures are single-use."""

    def __init__(self, public_key: str, private_key: str, refusals: Refusals = Refusals()) -> None:
        self.public_key = public_key
        self.private_key = private_key
        self.refusals = refusals
        self.used = UsedSignatures(window=2 * ONE_DAY)

    def check_key(self, params: Mapping[str, str]) -> None:
        if params.get("ak") != self.public_key:
            raise SandboxError(*self.refusals.unknown_key)

    def check(
        self, request: web.Request, params: Mapping[str, str], now: float, digest: str = "sha256"
    ) -> None:
        """The timestamp, the signature over the URL as received, and its novelty."""
        try:
            ts = int(params.get("ts", ""))
        except ValueError:
            raise SandboxError(*self.refusals.bad_timestamp) from None
        if abs(now - ts) > ONE_DAY:
            raise SandboxError(*self.refusals.bad_timestamp)
        url = f"{request.scheme}://{request.host}{request.raw_path.partition('?')[0]}"
        expected = expected_signature(self.private_key, request.method, url, params, digest)
        if not hmac.compare_digest(params.get("asgn", "").encode(), expected.encode()):
            raise SandboxError(*self.refusals.bad_signature)
        if not self.used.add(expected, now):
            raise SandboxError(*self.refusals.reused_signature)
