"""Run ``mettl-async`` and print its own peak RSS (KB) to stderr when it ends (for bench_memory)."""

from __future__ import annotations

import atexit
import resource
import sys

from mettl_async.cli import main


@atexit.register
def report() -> None:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr, flush=True)


main(sys.argv[1:], prog_name="mettl-async")
