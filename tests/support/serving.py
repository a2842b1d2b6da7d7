"""``mettl-async webhooks serve`` as a real process, for the tests that watch it from outside
(its memory, its log lines, its answers while its database is away)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs


@attrs.frozen
class Served:
    process: subprocess.Popen[str]
    #: ``http://127.0.0.1:PORT``
    base: str

    def rss(self) -> int:
        """The server's resident memory now, in bytes (``VmRSS`` of /proc/PID/status)."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        found = re.search(r"^VmRSS:\s+(\d+) kB$", status, re.MULTILINE)
        assert found, status
        return int(found.group(1)) * 1024

    def stop(self) -> str:
        """Stop the server (as Ctrl-C does); what it wrote on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(2)
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err


@contextmanager
def serving(out: Path | str, *options: str, token: str = "T") -> Iterator[Served]:  # noqa: S107
    """The server landing in ``out`` on a free loopback port, the token in its environment."""
    command = [sys.executable, "-m", "mettl_async", "webhooks", "serve", "--port", "0", "--out", str(out)]
    process = subprocess.Popen(
        [*command, *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"METTL_WEBHOOK_TOKEN": token},
    )
    served = None
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", banner)
        assert found, banner + (process.stderr.read() if process.stderr else "")
        served = Served(process, f"http://127.0.0.1:{found.group(1)}")
        yield served
    finally:
        if served is not None:
            served.stop()
        elif process.poll() is None:
            process.kill()
            process.communicate()
