"""Run ``mettl-async onboard`` and SIGKILL it at a chosen point of its N-th call (a test helper,
run as a script).

    python tests/support/onboard_crashing.py POINT N -- onboard certicheck-register people.csv ...

POINT is where the N-th call dies:
* ``after-sent``: its rows are committed as sent, the call is not made;
* ``after-call``: the platform answered (it acted), the answer is not recorded.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from mettl_async.cli import main
from mettl_async.onboard.journal import Journal

point, nth = sys.argv[1], int(sys.argv[2])
calls = 0
original_mark_sent, original_settle = Journal.mark_sent, Journal.settle


def mark_sent(self: Journal, entries: Any) -> None:
    global calls
    original_mark_sent(self, entries)
    calls += 1
    if point == "after-sent" and calls == nth:
        os.kill(os.getpid(), signal.SIGKILL)


def settle(self: Journal, answers: Any) -> None:
    if point == "after-call" and calls == nth:
        os.kill(os.getpid(), signal.SIGKILL)
    original_settle(self, answers)


Journal.mark_sent = mark_sent  # type: ignore[method-assign]
Journal.settle = settle  # type: ignore[method-assign]
main(sys.argv[sys.argv.index("--") + 1 :], prog_name="mettl-async")
