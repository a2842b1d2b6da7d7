"""Keeping secrets out of every message: by parameter name, and by value.

Two nets, because servers echo requests in ways nobody documents:

* by name: ``ak=…``, ``asgn=…``, ``signature=…``, ``token=…`` and the like in any
  text become ``name=REDACTED`` (:func:`redact`);
* by value: a :class:`Redactor` knows the literal secrets of a client (keys,
  tokens, and the signatures it just sent) and replaces each, raw or
  URL-encoded, wherever it appears, even without its name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

SECRET_NAMES = (
    "asgn",
    "ak",
    "signature",
    "private_key",
    "secret_key",
    "api_token",
    "token",
    "api_key",
)
_BY_NAME = re.compile(
    r"(?i)(?<![A-Za-z0-9_])(" + "|".join(SECRET_NAMES) + r")(\s*[=:]\s*|\"\s*:\s*\"|=\")[^&\s#'\",}]*"
)
MASK = "REDACTED"
#: Shorter values are not redacted by value: they would mask ordinary text.
MIN_SECRET_LENGTH = 6


def redact(text: str) -> str:
    """Replace the values of credential parameters (``ak=``, ``"signature": "…"``, …) in a text."""
    return _BY_NAME.sub(lambda m: m.group(1) + m.group(2) + MASK, text)


class Redactor:
    """Removes known secret values (and credential parameters by name) from texts and bodies."""

    __slots__ = ("_pattern", "_pattern_bytes", "_secrets")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = tuple(s for s in secrets if s)
        forms: set[str] = set()
        for secret in self._secrets:
            if secret and len(secret) >= MIN_SECRET_LENGTH:
                forms.update((secret, quote(secret, safe=""), quote(secret, safe="-_.~")))
        # Longest first, so that a secret containing another is replaced whole.
        ordered = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        self._pattern_bytes = (
            re.compile(b"|".join(re.escape(f.encode()) for f in ordered)) if ordered else None
        )

    def with_secrets(self, secrets: Iterable[str]) -> Redactor:
        """This redactor plus more secrets (the signatures of one attempt)."""
        extra = [s for s in secrets if s]
        return Redactor((*self._secrets, *extra)) if extra else self

    def text(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        return redact(text)

    def body(self, body: bytes) -> bytes:
        if self._pattern_bytes is not None:
            body = self._pattern_bytes.sub(MASK.encode(), body)
        return _BY_NAME_BYTES.sub(lambda m: m.group(1) + m.group(2) + MASK.encode(), body)


_BY_NAME_BYTES = re.compile(_BY_NAME.pattern.encode())
