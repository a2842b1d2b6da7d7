"""Helpers shared by the CertiCHECK tests. For the model tests (tests/certicheck/test_models_*.py):
India's time zone, in which the server writes its date strings, and a sample decoded as the wire
decoder hands it over. For the client tests (tests/certicheck/test_client_*.py): a retry policy
without waits, the sandbox factory's type, a raw form POST, the requests the sandbox saw for one
endpoint, and a slot window to create."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta, timezone
from typing import Any

import orjson

from mettl_async import RetryPolicy
from mettl_async.certicheck.slots import SlotHours, SlotWindowSpec
from mettl_async.core.request import Placement, Request
from mettl_async.testing import RecordedRequest, SandboxThread

IST = timezone(timedelta(hours=5, minutes=30))


def load(text: str) -> dict[str, Any]:
    """A sample as the wire decoder would hand it over."""
    payload = orjson.loads(text)
    assert isinstance(payload, dict)
    return payload


FAST = RetryPolicy(backoff_initial=0.0, jitter=0.0)
StartSandbox = Callable[..., SandboxThread]


def form_post(path: str, params: dict[str, str]) -> Request:
    """A raw POST the services would refuse to build (to see the server's own error)."""
    return Request("POST", path, params, placement=Placement.FORM)


def sent(sandbox: SandboxThread, endpoint: str) -> list[RecordedRequest]:
    """The requests the sandbox saw for one endpoint (``/tests``, ``/registerApplicant``…)."""
    path = "/api/v2" + endpoint
    return [r for r in sandbox.sandbox.requests if r.raw_path.split("?")[0] == path]


def window(name: str = "Morning", day: date = date(2026, 3, 2)) -> SlotWindowSpec:
    return SlotWindowSpec(name, day, day, [SlotHours(9, 10), SlotHours(11, 12)], capacity_per_slot=5)
