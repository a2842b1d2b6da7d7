"""Run a command in a real pseudo-terminal of a given size and read its screen with pyte.

The command's stderr (and stdin) is the terminal; its stdout is a pipe, as when
records stream to a file or to ``jq``. What it draws is fed to a terminal
emulator that wraps long lines as a terminal does, so a line wider than the
terminal shows as an extra row and a display that does not redraw in place
piles rows up.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Sequence

import attrs
import pyte

ROWS = 200
#: What a terminal echoes when Ctrl-C is typed (ECHOCTL), at the cursor.
CTRL_C_ECHO = b"^C"


def rows_of(screen: pyte.Screen) -> list[str]:
    """The screen's rows down to the last one written, trailing blanks cut."""
    rows = [line.rstrip() for line in screen.display]
    while rows and not rows[-1]:
        rows.pop()
    return rows


@attrs.define
class Run:
    """What a command drew: its final rows, the rows seen at each read, its stdout and status."""

    rows: list[str]
    snapshots: list[list[str]]
    stdout: bytes
    returncode: int
    raw: bytes


def screen_of(raw: bytes, columns: int) -> pyte.Screen:
    screen = pyte.Screen(columns, ROWS)
    pyte.ByteStream(screen).feed(raw)
    return screen


def run_in_terminal(
    args: Sequence[str],
    *,
    columns: int,
    env: dict[str, str],
    timeout: float = 60.0,
    stop_when: Callable[[list[str]], bool] | None = None,
) -> Run:
    """Run ``python -m mettl_async ARGS`` with stdin and stderr on a ``columns``-wide pseudo-terminal.

    ``stop_when(rows)``: interrupt it once the screen shows what is looked for, as Ctrl-C does:
    the terminal echoes ``^C`` where the cursor is, then the command gets SIGINT.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, columns, 0, 0))
    ignored = ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE")
    environment = {k: v for k, v in os.environ.items() if k not in ignored}
    environment |= {"TERM": "xterm-256color"} | env
    process = subprocess.Popen(
        [sys.executable, "-m", "mettl_async", *args],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=environment,
        close_fds=True,
    )
    os.close(slave)
    screen = pyte.Screen(columns, ROWS)
    stream = pyte.ByteStream(screen)
    raw = bytearray()
    snapshots: list[list[str]] = []
    deadline = time.monotonic() + timeout
    stopped = False
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the last holder of the terminal's other end exited
                break
            if not chunk:
                break
            raw += chunk
            stream.feed(chunk)
            snapshots.append(rows_of(screen))
            if stop_when is not None and not stopped and stop_when(snapshots[-1]):
                raw += CTRL_C_ECHO
                stream.feed(CTRL_C_ECHO)
                process.send_signal(signal.SIGINT)
                stopped = True
        else:
            process.kill()
            raise AssertionError(f"no end within {timeout} s; the screen:\n" + "\n".join(rows_of(screen)))
        assert process.stdout is not None
        stdout = process.stdout.read()
        process.wait(timeout=10)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
    return Run(rows_of(screen), snapshots, stdout, process.returncode, bytes(raw))
