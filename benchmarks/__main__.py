"""Every figure of the throughput issue, one script each: ``python -m benchmarks [--quick] [names…]``
(or ``nox -s bench``). Prints the machine, the command, and one line per figure: ours, the
baseline run in the same process, the median of the paired ratios, and the goal."""

from __future__ import annotations

import importlib
import sys
import time

from .common import header, machine

FIGURES = (
    "bench_latency",  # (1) latency-bound harvest vs hand-written loops
    "bench_rate",  # (2) rate-bound harvest vs the ideal, told and not told
    "bench_overhead",  # (3) per-request cost vs bare aiohttp
    "bench_decode",  # (4) raw and typed decoding vs orjson and default cattrs
    "bench_memory",  # (5) peak RSS at 100k and 1M records
    "bench_redis",  # (6) four processes sharing one budget through Redis
    "bench_startup",  # (7) mettl-async --version
    "bench_sandbox",  # the sandbox is never the bottleneck
    "bench_warehouse",  # (8) typed outputs vs before them; writes off the loop; COPY
    "bench_fleet",  # (9) 50 accounts at once vs one after another; 1 vs 3 arq workers
)


def main() -> None:
    quick = "--quick" in sys.argv
    chosen = [a for a in sys.argv[1:] if not a.startswith("--")] or list(FIGURES)
    print(f"machine: {machine()}")
    print(f"command: python -m benchmarks {' '.join(sys.argv[1:])}".rstrip())
    print(header())
    for name in FIGURES:
        if name.removeprefix("bench_") not in chosen and name not in chosen:
            continue
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as error:
            print(f"{name}: skipped ({error})")
            continue
        started = time.perf_counter()
        for result in module.run(quick):
            print(result.line(), flush=True)
        print(f"  ({name}: {time.perf_counter() - started:.0f} s)", flush=True)


main()
