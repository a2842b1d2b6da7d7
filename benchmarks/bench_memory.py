"""Figure (5): peak memory of a whole harvest (the CLI, to JSONL) at 100,000 and 1,000,000 records.

The CLI runs as its own process against a sandbox in another; its peak resident
set size is read from ``getrusage`` once it has exited. The ratio is 1M over
100k: memory must not grow with the list (the duplicate check keeps 8 bytes per
record in a compact table, nothing else per record is kept).

Run: ``python -m benchmarks.bench_memory`` (``--quick``: 10k and 100k).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .common import Result, header, sandbox_process


def peak_rss_mb(records: int) -> float:
    """Peak RSS of one CLI harvest of ``records`` records, in MB."""
    with sandbox_process(applicants=records) as sandbox, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.jsonl"
        env = os.environ | {
            "METTL_PUBLIC_KEY": sandbox["public_key"],
            "METTL_PRIVATE_KEY": sandbox["private_key"],
            "METTL_SUBDOMAIN": sandbox["subdomain"],
            "METTL_BASE_URL": sandbox["base_url"],
        }
        command = [sys.executable, "-m", "benchmarks.rss", "harvest", "results", "--out", str(out)]
        command += ["--page-size", "500", "--quiet"]
        reply = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        assert out.read_bytes().count(b"\n") == records
        return float(reply.stderr.strip().splitlines()[-1]) / 1024


def run(quick: bool) -> list[Result]:
    small, large = (10_000, 100_000) if quick else (100_000, 1_000_000)
    low, high = peak_rss_mb(small), peak_rss_mb(large)
    note = f"{large:,} records: {high:.0f} MB; {small:,}: {low:.0f} MB"
    return [
        Result(
            f"peak RSS of a harvest, {large:,} vs {small:,} records",
            high,
            low,
            "MB",
            goal="<= 1.2, < 200 MB",
            note=note,
        )
    ]


def main() -> None:
    print(header())
    for result in run("--quick" in sys.argv):
        print(result.line())


if __name__ == "__main__":
    main()
