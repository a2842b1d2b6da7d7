"""What a README block says it prints, held against what it printed (tests/cli/test_readme.py).

A block's expected output is the ```output block that follows it (blank lines between allowed):
each of its non-blank lines must be a line of what the block printed, in that order, other lines
may come between; ``…`` in an expected line stands for any text. Pure, so the rule is tested
without running anything (tests/cli/test_readme_harness.py).
"""

from __future__ import annotations

import re


def line_pattern(expected: str) -> re.Pattern[str]:
    """One expected line as a pattern of a whole printed line: ``…`` is any text, the rest literal."""
    return re.compile(".*".join(re.escape(part) for part in expected.strip().split("…")))


def missing_output(expected: str, printed: str) -> list[str]:
    """The expected lines not found, in order, among the printed ones (empty when all are)."""
    lines = [line.strip() for line in printed.splitlines()]
    missing: list[str] = []
    position = 0
    for wanted in (line for line in expected.splitlines() if line.strip()):
        pattern = line_pattern(wanted)
        found = next((i for i in range(position, len(lines)) if pattern.fullmatch(lines[i])), None)
        if found is None:
            missing.append(wanted.strip())
        else:
            position = found + 1
    return missing
