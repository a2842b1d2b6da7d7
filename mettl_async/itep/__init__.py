"""iTEP: fulfillment (a test ID per product code), the results webhook, and a sandbox.

Names are imported on first use, so that ``mettl-async --version`` does not load aiohttp.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .config import ENV_API_KEY, ENV_FULFILLMENT_URL, ENV_SIGNATURE_ENCODING, ENV_SIGNATURE_HEADER

if TYPE_CHECKING:
    from .auth import ItepSigning, SignatureEncoding, sign_body
    from .client import ItepClient
    from .models import REGISTRATION_FIELDS, Fulfillment, FulfillmentRequest
    from .results import ItepResult, SectionResult, Stage, parse_result

_LAZY = {
    "ItepClient": ".client",
    "ItepSigning": ".auth",
    "SignatureEncoding": ".auth",
    "sign_body": ".auth",
    "REGISTRATION_FIELDS": ".models",
    "Fulfillment": ".models",
    "FulfillmentRequest": ".models",
    "ItepResult": ".results",
    "SectionResult": ".results",
    "Stage": ".results",
    "parse_result": ".results",
}

__all__ = [
    "ENV_API_KEY",
    "ENV_FULFILLMENT_URL",
    "ENV_SIGNATURE_ENCODING",
    "ENV_SIGNATURE_HEADER",
    "REGISTRATION_FIELDS",
    "Fulfillment",
    "FulfillmentRequest",
    "ItepClient",
    "ItepResult",
    "ItepSigning",
    "SectionResult",
    "SignatureEncoding",
    "Stage",
    "parse_result",
    "sign_body",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
