"""Run every benchmark and print ratios: ``python -m benchmarks`` (or ``nox -s bench``)."""

from __future__ import annotations

import sys

from . import bench_harvest, bench_protocol, bench_sandbox


def main() -> None:
    quick = "--quick" in sys.argv
    print(f"{'benchmark':<44} {'mettl_async':>12} {'baseline':>12} {'ratio':>7}")
    for result in (*bench_protocol.run(quick), *bench_harvest.run(quick), *bench_sandbox.run(quick)):
        print(result.line())


main()
