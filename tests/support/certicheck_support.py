"""Shared by the CertiCHECK model tests (tests/certicheck/test_models_*.py): India's time zone, in
which the server writes its date strings, and a sample decoded as the wire decoder hands it over."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import orjson

IST = timezone(timedelta(hours=5, minutes=30))


def load(text: str) -> dict[str, Any]:
    """A sample as the wire decoder would hand it over."""
    payload = orjson.loads(text)
    assert isinstance(payload, dict)
    return payload
