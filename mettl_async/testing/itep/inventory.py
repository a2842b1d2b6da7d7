"""The sandbox account's test IDs: an inventory per test type that fulfillment consumes.

iTEP's rule: a test ID is available when its status is "Ready" and its
assigned-to field is empty. Fulfillment takes the first available ID of the
product code's test type (``GTX-Academic-Plus`` and ``STX-Academic-Plus`` draw from
the same ``Academic-Plus`` stock) and marks it handed out, assigned-to or not, so
no ID is ever given twice.
"""

from __future__ import annotations

import random
import string
import threading
from collections.abc import Mapping
from typing import Any

import attrs


@attrs.define
class TestRecord:
    """One test ID and what happened to it."""

    test_id: str
    test_type: str
    status: str = "Ready"
    #: The assigned-to object, once fulfillment set one.
    assigned_to: dict[str, Any] | None = None
    fulfilled: bool = False
    product_code: str | None = None
    email: str | None = None
    bcc: str | None = None
    track: str | None = None
    registration: dict[str, str] | None = None
    #: Order id iTEP reports as ``OID``.
    oid: str | None = None

    @property
    def available(self) -> bool:
        """Ready, unassigned and never handed out."""
        return self.status == "Ready" and not self.assigned_to and not self.fulfilled


def _initials(test_type: str) -> str:
    """``AP`` for Academic-Plus (as in the document's ``123982B8AP``), ``BU`` for Business."""
    parts = [part for part in test_type.replace("_", "-").split("-") if part] or ["XX"]
    letters = "".join(part[0] for part in parts) if len(parts) > 1 else parts[0]
    return (letters + "XX")[:2].upper()


def make_test_ids(test_type: str, count: int, rng: random.Random, taken: set[str]) -> list[str]:
    """IDs shaped like the document's ``123982B8AP``: six digits, a letter, a digit, two letters."""
    ids: list[str] = []
    while len(ids) < count:
        test_id = (
            f"{rng.randrange(100_000, 1_000_000)}{rng.choice(string.ascii_uppercase)}"
            f"{rng.randrange(10)}{_initials(test_type)}"
        )
        if test_id not in taken:
            taken.add(test_id)
            ids.append(test_id)
    return ids


class Inventory:
    """Test IDs by test type; thread-safe (tests read it from another thread than the server's)."""

    def __init__(self, stock: Mapping[str, int], seed: int = 1) -> None:
        rng = random.Random(seed)
        taken: set[str] = set()
        self.tests: dict[str, TestRecord] = {}
        self._lock = threading.Lock()
        self._orders = 0
        for test_type, count in stock.items():
            for test_id in make_test_ids(test_type, count, rng, taken):
                self.tests[test_id] = TestRecord(test_id, test_type)

    @property
    def test_types(self) -> set[str]:
        return {t.test_type for t in self.tests.values()}

    def available(self, test_type: str | None = None) -> list[TestRecord]:
        """The IDs still available (of one test type, or of all)."""
        with self._lock:
            return [t for t in self.tests.values() if t.available and test_type in (None, t.test_type)]

    def fulfilled(self) -> list[TestRecord]:
        with self._lock:
            return [t for t in self.tests.values() if t.fulfilled]

    def take(self, test_type: str, **details: Any) -> TestRecord | None:
        """Hand out the first available ID of ``test_type`` with ``details``; ``None`` when none is left."""
        with self._lock:
            for test in self.tests.values():
                if test.test_type == test_type and test.available:
                    self._orders += 1
                    attrs_details = {k: v for k, v in details.items() if v is not None}
                    for name, value in attrs_details.items():
                        setattr(test, name, value)
                    test.fulfilled = True
                    test.oid = str(100_000 + self._orders)
                    return test
        return None

    def set_status(self, test_id: str, status: str) -> TestRecord:
        """Move a handed-out test to ``status``; ``KeyError`` for an ID never handed out."""
        with self._lock:
            test = self.tests.get(test_id)
            if test is None or not test.fulfilled:
                raise KeyError(f"{test_id!r} was never handed out by fulfillment")
            test.status = status
            return test
