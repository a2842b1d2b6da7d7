"""Figure (7): how long ``mettl-async --version`` takes, against a bare ``python -c pass``.

Both are whole processes, alternated; the figure is the median of the CLI's times
and the median of the paired differences is in the note (the goal is on the
CLI's own time: <= 0.3 s).

Run: ``python -m benchmarks.bench_startup``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from .common import Result, header


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def run(quick: bool) -> list[Result]:
    rounds = 7 if quick else 21
    cli = [sys.executable, "-m", "mettl_async", "--version"]
    bare = [sys.executable, "-c", "pass"]
    ours, base = [], []
    for _ in range(rounds):
        ours.append(timed(cli))
        base.append(timed(bare))
    mine, theirs = statistics.median(ours), statistics.median(base)
    extra = statistics.median(a - b for a, b in zip(ours, base, strict=True))
    return [
        Result(
            "mettl-async --version vs python -c pass (s)",
            mine,
            theirs,
            "s",
            goal="CLI <= 0.3 s",
            note=f"the CLI adds {extra * 1000:.0f} ms",
        )
    ]


def main() -> None:
    print(header())
    for result in run("--quick" in sys.argv):
        print(result.line())


if __name__ == "__main__":
    main()
