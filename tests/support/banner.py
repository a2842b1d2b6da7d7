"""What ``mettl-async sandbox`` prints before it serves: a line per sandbox, then the ``export``
lines, then how to try iTEP (the last line)."""

from __future__ import annotations

from typing import IO


def read_banner(stdout: IO[str]) -> tuple[list[str], dict[str, str]]:
    """The lines printed up to and including the iTEP hint, and the variables exported."""
    lines: list[str] = []
    while not lines or not lines[-1].startswith("iTEP:"):
        line = stdout.readline()
        if not line:
            raise AssertionError(f"the sandbox stopped before it was ready: {lines}")
        lines.append(line)
    exports = dict(
        line.strip().removeprefix("export ").split("=", 1) for line in lines if line.startswith("  export ")
    )
    return lines, exports
