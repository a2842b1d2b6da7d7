from __future__ import annotations

import time
from collections.abc import Callable

import attrs


@attrs.frozen
class Result:
    """``ours`` and ``baseline`` in the same unit; ``ratio`` is ours / baseline (lower is faster)."""

    name: str
    ours: float
    baseline: float
    unit: str

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline

    def line(self) -> str:
        ours = f"{self.ours:>9.2f} {self.unit:<2}"
        baseline = f"{self.baseline:>9.2f} {self.unit:<2}"
        return f"{self.name:<44} {ours} {baseline} {self.ratio:>6.2f}x"


def per_call_us(fn: Callable[[], object], number: int, repeat: int = 5) -> float:
    """Best of ``repeat`` runs, in microseconds per call."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / number * 1e6
