"""ProctorExam's request check, as a Rails server would make it: restated from the document on
the server side, independently of the client's signer.

Order: the token header, then the ``Accept`` version, then ``timestamp`` and
``nonce`` present and numeric, the timestamp within the window, the signature
over every other parameter (path ids included, as Rails merges them into
``params``), and last that the nonce is new: a forged request cannot burn a nonce.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

import attrs

from ..kit import SandboxError, UsedSignatures

ONE_DAY = 86_400.0
VERSION_MEDIA_TYPE = "application/vnd.procwise.v3"
TOKEN_HEADER = re.compile(r'^Token\s+token="?([^",\s]+)"?')
_DIGITS = re.compile(r"^\d{1,30}$")


def ruby_text(value: Any) -> str:
    """What ``to_s`` gives for a parameter Rails parsed: text as is, ``true``/``false``, numbers,
    ``""`` for nil; a nested object or list as Ruby shows it (which no client signs: it must
    send such values as JSON text)."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_inspect(k)}=>{_inspect(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inspect(v) for v in value) + "]"
    return str(value)


def _inspect(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return ruby_text(value)


def expected_signature(secret_key: str, params: Mapping[str, Any]) -> str:
    """Hex HMAC-SHA256 of ``name=value`` for every parameter but ``signature``, by name, joined by ``?``."""
    text = "?".join(f"{name}={ruby_text(params[name])}" for name in sorted(params) if name != "signature")
    return hmac.new(secret_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


@attrs.frozen
class Refusal:
    """One answer of the check: HTTP status, symbolic code, text."""

    status: int
    code: str
    message: str

    def error(self) -> SandboxError:
        return SandboxError(self.code, self.message, self.status)


BAD_TOKEN = Refusal(401, "invalid_token", "HTTP Token: Access denied.")
BAD_VERSION = Refusal(406, "not_acceptable", f"Not Acceptable: send Accept: {VERSION_MEDIA_TYPE}")
BAD_SIGNATURE = Refusal(401, "invalid_signature", "Invalid signature")
NONCE_REUSED = Refusal(401, "nonce_reused", "Nonce has already been used")


def missing(name: str) -> SandboxError:
    """Rails' ActionController::ParameterMissing, as a 422."""
    return SandboxError("param_missing", f"param is missing or the value is empty: {name}", 422)


class ProctorExamVerifier:
    """Checks the token, the time, the signature and the nonce of requests to one API user."""

    def __init__(
        self, api_token: str, secret_key: str, *, window: float, nonce_memory: float = ONE_DAY
    ) -> None:
        self.api_token = api_token
        self.secret_key = secret_key
        self.window = window
        self.nonces = UsedSignatures(window=nonce_memory)
        #: The latest nonces accepted, in order (tests look for repeats); ``accepted_count`` counts all.
        self.accepted: collections.deque[str] = collections.deque(maxlen=100_000)
        self.accepted_count = 0

    def check_token(self, headers: Mapping[str, str]) -> None:
        found = TOKEN_HEADER.match(headers.get("Authorization", ""))
        if found is None or not hmac.compare_digest(found.group(1).encode(), self.api_token.encode()):
            raise BAD_TOKEN.error()
        if VERSION_MEDIA_TYPE not in headers.get("Accept", ""):
            raise BAD_VERSION.error()

    def check(self, params: Mapping[str, Any], now: float) -> None:
        """Timestamp window, signature, then the nonce's novelty (remembered 24 hours)."""
        values = {}
        for name in ("timestamp", "nonce", "signature"):
            value = params.get(name)
            if value is None or value == "" or isinstance(value, bool):
                raise missing(name)
            values[name] = str(value)
        for name in ("timestamp", "nonce"):
            if not _DIGITS.match(values[name]):
                raise SandboxError("invalid_param", f"{name} must be a number", 422)
        skew = abs(now * 1000 - int(values["timestamp"])) / 1000
        if skew > self.window:
            raise SandboxError(
                "timestamp_out_of_range",
                f"Timestamp is outside the accepted window of {self.window:g} seconds",
                401,
            )
        expected = expected_signature(self.secret_key, params)
        if not hmac.compare_digest(values["signature"].encode(), expected.encode()):
            raise BAD_SIGNATURE.error()
        nonce = str(int(values["nonce"]))
        if not self.nonces.add(nonce, now):
            raise NONCE_REUSED.error()
        self.accepted.append(nonce)
        self.accepted_count += 1
