"""This checkout's CLI against another checkout's, in alternating rounds against one sandbox: a
change measured as the paired ratio of the same harvest before and after it (figure (1)'s shape:
200 pages of 500 records, 20 ms a page, 16 in flight).

Run: ``python -m benchmarks.versus OTHER_CHECKOUT [jsonl|sqlite] [ROUNDS]``, where
``OTHER_CHECKOUT`` is a work tree of the commit to compare with (``git worktree add DIR COMMIT``).
Ratio = this checkout's time / the other's (below 1 is faster).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import Result, header, machine, paired, sandbox_process

HERE = Path(__file__).parents[1]
PAGES, PAGE, LATENCY = 200, 500, 0.02


def harvest(sandbox: dict[str, str], checkout: Path, fmt: str) -> float:
    """Seconds for ``checkout``'s CLI to harvest the sandbox's results to a new ``fmt`` output."""
    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {
            "METTL_PUBLIC_KEY": sandbox["public_key"],
            "METTL_PRIVATE_KEY": sandbox["private_key"],
            "METTL_SUBDOMAIN": sandbox["subdomain"],
            "METTL_BASE_URL": sandbox["base_url"],
            "PYTHONPATH": str(checkout),  # ahead of the installed package
        }
        args = ["harvest", "results", "--out", str(Path(tmp) / f"r.{fmt}"), "--page-size", str(PAGE)]
        time.sleep(1.0 - time.time() % 1.0 + 0.01)  # single-use signatures: a second of its own
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "mettl_async", *args, "--quiet", "--concurrency", "16"],
            env=env,
            cwd=tmp,
            check=True,
        )
        return time.perf_counter() - start


def main() -> None:
    other = Path(sys.argv[1]).resolve()
    fmt = sys.argv[2] if len(sys.argv) > 2 else "jsonl"
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    print(f"machine: {machine()}")
    print(f"command: python -m benchmarks.versus {' '.join(sys.argv[1:])}")
    print(header())
    with sandbox_process(applicants=PAGES * PAGE, latency=LATENCY) as sandbox:
        harvest(sandbox, HERE, fmt)  # warm the server and the file cache
        mine, theirs, ratio = paired(
            rounds, lambda: harvest(sandbox, HERE, fmt), lambda: harvest(sandbox, other, fmt)
        )
    print(Result(f"CLI to {fmt}: this checkout vs {other.name}", mine, theirs, "s", ratio).line())


if __name__ == "__main__":
    main()
