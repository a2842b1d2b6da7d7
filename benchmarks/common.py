"""What every benchmark shares: paired rounds, medians of ratios, a sandbox in its own process.

The machine has 2 cores and is noisy: each figure runs ours and its baseline in
the same process run, alternating, and reports the median of the paired ratios
(ours / baseline: below 1 is faster for times).
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs


@attrs.frozen
class Result:
    """``ours`` and ``baseline`` in the same unit; ``ratio`` is the median of paired ratios."""

    name: str
    ours: float
    baseline: float
    unit: str
    ratio: float = attrs.field(default=None)
    goal: str = ""
    note: str = ""

    def __attrs_post_init__(self) -> None:
        if self.ratio is None:
            object.__setattr__(self, "ratio", self.ours / self.baseline if self.baseline else float("nan"))

    def line(self) -> str:
        ours = f"{self.ours:>10.3f} {self.unit:<3}"
        baseline = f"{self.baseline:>10.3f} {self.unit:<3}"
        tail = f"  goal {self.goal}" if self.goal else ""
        note = f"  ({self.note})" if self.note else ""
        return f"{self.name:<58} {ours} {baseline} {self.ratio:>7.3f}x{tail}{note}"


def header() -> str:
    return f"{'figure':<58} {'mettl_async':>14} {'baseline':>14} {'ratio':>8}"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    python = platform.python_version()
    return f"{platform.system()} {platform.machine()} ({cpu}), {os.cpu_count()} cores, Python {python}"


def paired(
    rounds: int, ours: Callable[[], float], baseline: Callable[[], float]
) -> tuple[float, float, float]:
    """Alternate ``ours`` and ``baseline`` (each returns a measurement, e.g. seconds) for
    ``rounds`` rounds; return their medians and the median of the paired ratios."""
    mine: list[float] = []
    theirs: list[float] = []
    for turn in range(rounds):
        if turn % 2:  # alternate who goes first, so drift hits both alike
            theirs.append(baseline())
            mine.append(ours())
        else:
            mine.append(ours())
            theirs.append(baseline())
    ratios = [a / b for a, b in zip(mine, theirs, strict=True)]
    # the spread goes to stderr, before its figure's line: the one-line format stays as it was
    print(f"  paired ratios {min(ratios):.3f} to {max(ratios):.3f} over {rounds} rounds", file=sys.stderr)
    return statistics.median(mine), statistics.median(theirs), statistics.median(ratios)


def per_call_us(fn: Callable[[], object], number: int, repeat: int = 5) -> float:
    """Best of ``repeat`` runs, in microseconds per call."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / number * 1e6


@contextmanager
def sandbox_process(**options: Any) -> Iterator[dict[str, str]]:
    """A CertiCHECK sandbox in its own process (so it does not share the client's core); yields
    its base URL and keys. Options: applicants, latency, rate, burst."""
    args = [f"--{k.replace('_', '-')}={v}" for k, v in options.items() if v is not None]
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.serve", *args], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the benchmark sandbox did not start")
        base_url, public, private, subdomain = line.split()
        yield {"base_url": base_url, "public_key": public, "private_key": private, "subdomain": subdomain}
    finally:
        process.terminate()
        process.communicate()
