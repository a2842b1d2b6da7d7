"""ProctorExam API v3 authentication: a token header, and a signature over every parameter.

Every call carries ``timestamp`` (milliseconds), ``nonce`` (never repeated on
one key within 24 hours: a fresh one per attempt, from the uniqueness store)
and ``signature``: the hex HMAC-SHA256, under the secret key, of every other
parameter as ``name=value`` (values not encoded), sorted by name and joined by
``?``. Value texts are what a Rails server makes of them: booleans ``true`` and
``false``, integers in decimal, lists and objects as the compact JSON text that
is also what is sent (``filter``, ``sort``, ``restrictions``). ``None`` values
are neither sent nor signed.

**Path ids.** A request names its path ids by writing its path as a template,
``/exams/{exam_id}/student_sessions``. Each placeholder is filled from the
parameter of that name, which is signed like any other (Rails merges path
parameters into ``params``) but not sent a second time in the query or body.

**Placement** follows the method: GET and DELETE put the parameters in the
query; POST, PATCH and PUT put all of them, signature included, in a JSON body;
a request with file parts sends them as multipart form fields beside the files
(the files are never signed).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..core.auth import AuthScheme, Signed, Stamp
from ..core.checks import check_utf8
from ..core.errors import ConfigurationError, InputError, missing_settings
from ..core.request import Placement, Request, compact_json, encode_path_segment, to_wire
from .config import ENV_API_TOKEN, ENV_SECRET_KEY

ACCEPT = "application/vnd.procwise.v3"
SIGNATURE_PARAM = "signature"
TIMESTAMP_PARAM = "timestamp"
NONCE_PARAM = "nonce"
#: Parameters the scheme adds; a request may not carry its own.
RESERVED_PARAMS = frozenset({SIGNATURE_PARAM, TIMESTAMP_PARAM, NONCE_PARAM})
#: ``{name}`` in a path template: a path id, signed as a parameter and sent only in the path.
PATH_ID = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_QUERY_METHODS = frozenset({"GET", "DELETE", "HEAD"})


class HiddenText(str):
    """Text sent on the wire (a header value) whose repr never shows it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'<hidden>'"


def param_text(name: str, value: Any) -> str:
    """A parameter's value as it is signed (and sent in a query or form).

    ``True``/``False`` -> ``true``/``false`` (Rails, never Python's ``True``);
    integers in decimal; text as it is; lists and objects as compact JSON.
    Floats are refused: Python and Ruby write many of them differently.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return check_utf8(name, value)
    if isinstance(value, Mapping | list | tuple):
        return compact_json(value, name)
    if isinstance(value, float):
        shown = value if math.isfinite(value) else str(value)
        raise InputError(
            name,
            f"must be an integer or text, not a float ({shown!r}: Python and Ruby write floats differently)",
        )
    raise InputError(
        name, f"must be text, an integer, a boolean, a list or an object, got {type(value).__name__}"
    )


def json_value(name: str, value: Any) -> Any:
    """A parameter's value in a JSON body: nested values as their compact JSON text, the rest as
    JSON scalars (checked to sign as :func:`param_text` says)."""
    text = param_text(name, value)
    return text if isinstance(value, Mapping | list | tuple) else value


def signing_string(params: Mapping[str, Any]) -> str:
    """``name=value`` for every parameter but ``signature`` and ``None`` ones, sorted by name
    (code points: case-sensitive), joined by ``?``; values as :func:`param_text`, not encoded."""
    return "?".join(
        f"{name}={param_text(name, params[name])}"
        for name in sorted(params)
        if name != SIGNATURE_PARAM and params[name] is not None
    )


def signature(secret_key: str, params: Mapping[str, Any]) -> str:
    """The hex HMAC-SHA256 of :func:`signing_string` under ``secret_key``."""
    text = signing_string(params).encode()
    return hmac.new(secret_key.encode(), text, hashlib.sha256).hexdigest()


def fill_path(template: str, params: Mapping[str, Any]) -> tuple[str, frozenset[str]]:
    """The path with each ``{name}`` replaced by its parameter (as signed, then path-encoded),
    and the names used. A missing or ``None`` path id is an :class:`InputError`."""
    used: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        value = params.get(name)
        if value is None:
            raise InputError(name, "is required (it is part of the path)")
        used.add(name)
        return encode_path_segment(param_text(name, value))

    return PATH_ID.sub(replace, template), frozenset(used)


def placement_of(method: str, *, files: bool) -> Placement:
    """Where ProctorExam wants the parameters: files -> multipart; GET/DELETE -> query; else JSON."""
    if files:
        return Placement.MULTIPART
    return Placement.QUERY if method.upper() in _QUERY_METHODS else Placement.JSON


def placement_for(request: Request) -> Placement:
    """:func:`placement_of` a request. The scheme decides by it; ``Request.placement`` is not read."""
    return placement_of(request.method, files=bool(request.files))


def _mask(value: str) -> str:
    return f"…{value[-4:]}" if len(value) > 12 else "…"


@attrs.frozen(repr=False)
class ProctorExamCredentials:
    """An API user's token and secret key. The repr shows neither."""

    api_token: str
    secret_key: str

    def __repr__(self) -> str:
        return "ProctorExamCredentials(api_token=<hidden>, secret_key=<hidden>)"

    @classmethod
    def resolve(cls, api_token: str | None = None, secret_key: str | None = None) -> ProctorExamCredentials:
        """From the arguments, else ``$PROCTOREXAM_API_TOKEN`` / ``$PROCTOREXAM_SECRET_KEY``."""
        token = api_token or os.environ.get(ENV_API_TOKEN)
        secret = secret_key or os.environ.get(ENV_SECRET_KEY)
        missing = [
            (name, env)
            for name, env, value in (
                ("api_token", ENV_API_TOKEN, token),
                ("secret_key", ENV_SECRET_KEY, secret),
            )
            if not value
        ]
        if missing or not token or not secret:
            raise missing_settings(missing, "ProctorExam ")
        return cls(token, secret)


class ProctorExamSigning(AuthScheme):
    """The token header and ``timestamp``/``nonce``/``signature`` on every attempt."""

    uses_nonce = True

    def __init__(self, credentials: ProctorExamCredentials) -> None:
        self.credentials = credentials
        # Keyed once; each signature copies the keyed state.
        self._keyed = hmac.new(credentials.secret_key.encode(), digestmod=hashlib.sha256)
        self._headers = {
            "Accept": ACCEPT,
            "Authorization": HiddenText(f"Token token={credentials.api_token}"),
        }

    def __repr__(self) -> str:
        return f"ProctorExamSigning({self.credentials!r})"

    def signature(self, params: Mapping[str, Any]) -> str:
        """:func:`signature` under this scheme's secret key (pre-keyed)."""
        mac = self._keyed.copy()
        mac.update(signing_string(params).encode())
        return mac.hexdigest()

    def sign(self, request: Request, base_url: str, stamp: Stamp) -> Signed:
        if stamp.nonce is None:
            raise ConfigurationError("ProctorExam signing needs a nonce per attempt (uses_nonce)")
        for name in RESERVED_PARAMS.intersection(request.params):
            raise InputError(name, "is added by the client on every attempt; do not pass it")
        path, path_ids = fill_path(request.path, request.params)
        params: dict[str, Any] = {k: v for k, v in request.params.items() if v is not None}
        params[TIMESTAMP_PARAM] = int(stamp.time * 1000)
        # As the document's example: the nonce as text (exact at any size), the timestamp a number.
        params[NONCE_PARAM] = str(stamp.nonce)
        signed = self.signature(params)
        placement = placement_for(request)
        sent: dict[str, Any] = {}
        for name in sorted(params):
            if name in path_ids:
                continue
            value = params[name]
            sent[name] = json_value(name, value) if placement is Placement.JSON else param_text(name, value)
        sent[SIGNATURE_PARAM] = signed
        wire = to_wire(request.method, base_url + path, sent, placement, request.files, self._headers)
        return Signed(wire, (signed,))

    def secrets(self) -> Iterable[str]:
        return (self.credentials.api_token, self.credentials.secret_key)

    @property
    def secret_names(self) -> frozenset[str]:
        return frozenset({SIGNATURE_PARAM, "Authorization", "api_token", "secret_key"})
