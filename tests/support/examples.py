"""How many examples a property tries.

The soak session (``METTL_SOAK=1``, ``nox -s soak``, which CI runs) tries each property's
full count; the README's test command a quarter of it (at least 20), so that it stays
within its time. The properties and their strategies are the same in both.
"""

from __future__ import annotations

import os

SOAK = bool(os.environ.get("METTL_SOAK"))


def examples(full: int) -> int:
    """``full`` in the soak session, else a quarter of it (at least 20)."""
    return full if SOAK else max(20, full // 4)
