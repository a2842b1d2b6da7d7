"""Run ``mettl-async`` and print its own peak RSS (KB) to stderr when it ends (for bench_memory).

The peak is ``VmHWM`` of ``/proc/self/status``: this program's memory since it started.
(``getrusage``'s ``ru_maxrss`` is no good here: Linux carries it across ``exec``, so a
child started by a large benchmark process reports its parent's size.)
"""

from __future__ import annotations

import atexit
import sys

from mettl_async.cli import main


def peak_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


@atexit.register
def report() -> None:
    print(peak_kb(), file=sys.stderr, flush=True)


main(sys.argv[1:], prog_name="mettl-async")
