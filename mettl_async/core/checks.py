"""Input checks every service shares: each raises :class:`InputError` naming the field and
the rule, before anything is sent."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any, TypeVar
from urllib.parse import SplitResult, urlsplit

from .errors import InputError
from .redaction import redact

T = TypeVar("T")

#: One ``@``, a dotted domain; no whitespace, control characters, or ``/ ? # %`` (legal in
#: RFC 5322 but never in a real address, and they change the meaning of a URL path).
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f/?#%]+@[^@\s\x00-\x1f\x7f/?#%]+\.[^@\s\x00-\x1f\x7f/?#%]+$")


def check_utf8(name: str, value: str) -> str:
    """Text that can be sent: a lone surrogate (``"\\ud800"``) has no UTF-8 form."""
    try:
        value.encode()
    except UnicodeEncodeError:
        raise InputError(name, "must be text that UTF-8 can encode (it holds a lone surrogate)") from None
    return value


def check_email(name: str, value: object) -> str:
    """An e-mail address, stripped of surrounding spaces (a line break is refused, not stripped)."""
    if not isinstance(value, str) or not _EMAIL.fullmatch(value.strip(" ")):
        raise InputError(name, f"must be an e-mail address, got {value!r}")
    return check_utf8(name, value.strip(" "))


#: Ids are 64-bit integers on every platform (Java longs, Rails bigints).
MAX_ID = 2**63 - 1


def check_id(name: str, value: object) -> str:
    """A positive integer id, as the text sent."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        shown = value if not isinstance(value, int) or value.bit_length() < 128 else "a larger integer"
        raise InputError(name, f"must be a positive integer id below 2**63, got {shown!r}")
    return str(value)


def check_text(name: str, value: object) -> str:
    """Non-blank text."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(name, f"is required and must be non-blank text, got {value!r}")
    return check_utf8(name, value)


def split_http_url(value: object) -> SplitResult | None:
    """The parts of an absolute http(s) URL with a host, on one line; ``None`` for anything else
    (a malformed one included: ``urlsplit`` raises for ``http://[::1``)."""
    if not isinstance(value, str) or _CONTROL.search(value) or " " in value:
        return None
    try:
        parts = urlsplit(value)
        host, _ = parts.hostname, parts.port
    except ValueError:
        return None
    return parts if parts.scheme in ("http", "https") and host else None


def check_url(name: str, value: object) -> str:
    """An absolute http(s) URL (a callback, a redirect)."""
    if split_http_url(value) is None:
        shown = redact(value) if isinstance(value, str) else value  # a callback may carry a token
        raise InputError(name, f"must be an absolute http(s) URL, got {shown!r}")
    assert isinstance(value, str)
    return check_utf8(name, value)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_line(name: str, value: object) -> str:
    """Non-blank text on one line: no line break or other control character."""
    check_text(name, value)
    assert isinstance(value, str)
    if _CONTROL.search(value):
        raise InputError(name, f"must be one line of text without control characters, got {value!r}")
    return value


def check_count(name: str, value: object, *, low: int, high: int | None = None) -> int:
    """An integer in ``[low, high]``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise InputError(name, f"must be an integer {bounds}, got {value!r}")
    return value


def check_one_of(name: str, value: T, allowed: Collection[T]) -> T:
    if value not in allowed:
        raise InputError(name, f"must be one of {', '.join(map(str, allowed))}, got {value!r}")
    return value


def check_text_mapping(name: str, value: object) -> Mapping[str, str]:
    """A mapping of text to text (registration fields by their display names)."""
    if not isinstance(value, Mapping):
        raise InputError(name, f"must be a mapping of field name to text, got {type(value).__name__}")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise InputError(f"{name}[{key!r}]", f"must map text to text, got {item!r}")
        if _CONTROL.search(key) or _CONTROL.search(item):
            raise InputError(
                f"{name}[{key!r}]", f"must be one line of text without control characters, got {item!r}"
            )
    return value


def check_instance(name: str, value: Any, kind: type[T]) -> T:
    if not isinstance(value, kind):
        raise InputError(name, f"must be a {kind.__name__}, got {type(value).__name__}")
    return value
