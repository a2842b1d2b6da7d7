"""The sandbox's check of a fulfillment body's fields: 400 naming the field, 404 for an unknown product."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import attrs

from ...itep.models import PRODUCT_CODE, REGISTRATION_FIELDS
from ..kit import SandboxError

#: The document's fields, plus ``sequence``, which its sample sends (and no table explains).
FIELDS = frozenset({"product-code", "email", "bcc", "track", "assigned-to", "registration", "sequence"})
_REGISTRATION = frozenset(REGISTRATION_FIELDS)


@attrs.frozen
class Order:
    product_code: str
    test_type: str
    email: str | None
    bcc: str | None
    track: str | None
    assigned_to: dict[str, Any] | None
    registration: dict[str, str] | None


def _bad(message: str) -> SandboxError:
    return SandboxError("invalid", message, 400)


def _optional_text(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise _bad(f"{name}: must be non-blank text")
    return value


def _email(body: Mapping[str, Any], name: str) -> str | None:
    value = _optional_text(body, name)
    if value is not None and (value.count("@") != 1 or " " in value):
        raise _bad(f"{name}: not an e-mail address")
    return value


def check_fulfillment(body: Mapping[str, Any], test_types: Collection[str]) -> Order:
    """The order a body describes, or the first thing wrong with it."""
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise _bad(f"unknown field {unknown[0]!r} (names are case-sensitive)")
    code = body.get("product-code")
    if not isinstance(code, str) or not PRODUCT_CODE.match(code):
        raise _bad(f"product-code: must be GTX-<test type> or STX-<test type>, got {code!r}")
    test_type = code[4:]
    if test_type not in test_types:
        raise SandboxError("unknown-product", f"no product code {code} in this account", 404)
    email = _email(body, "email")
    if code.startswith("STX-") and email is None:
        raise _bad("email: required for STX product codes")
    assigned_to = body.get("assigned-to")
    if assigned_to is not None and not isinstance(assigned_to, dict):
        raise _bad("assigned-to: must be a JSON object")
    registration = body.get("registration")
    if registration is not None:
        if not isinstance(registration, dict):
            raise _bad("registration: must be a JSON object")
        for key, value in registration.items():
            if key not in _REGISTRATION:
                raise _bad(f"registration: unknown field {key!r}")
            if not isinstance(value, str):
                raise _bad(f"registration.{key}: must be text")
    sequence = body.get("sequence")
    if sequence is not None and (isinstance(sequence, bool) or not isinstance(sequence, int)):
        raise _bad("sequence: must be an integer")
    return Order(
        code,
        test_type,
        email,
        _email(body, "bcc"),
        _optional_text(body, "track"),
        assigned_to,
        registration,
    )
