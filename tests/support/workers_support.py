"""Worker processes (``mettl-async worker``) for the workers' tests and benchmarks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[2]


class Workers:
    """Worker processes sharing one queue, each logging to a file of its own."""

    def __init__(self, directory: Path, env: Mapping[str, str], args: Iterable[str]) -> None:
        self.directory = directory
        self.env = {**os.environ, **env, "PYTHONPATH": str(REPOSITORY)}
        self.args = list(args)
        self.processes: list[subprocess.Popen[bytes]] = []

    def log(self, index: int) -> Path:
        return self.directory / f"worker-{index}.log"

    def start(self, count: int) -> None:
        for _ in range(count):
            index = len(self.processes)
            with open(self.log(index), "wb") as log:
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "mettl_async", "worker", *self.args],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env=self.env,
                    )
                )

    def text(self, index: int) -> str:
        return self.log(index).read_text(encoding="utf-8", errors="replace")

    def every_log(self) -> str:
        return "\n".join(self.text(i) for i in range(len(self.processes)))

    def kill(self, index: int) -> None:
        self.processes[index].send_signal(signal.SIGKILL)
        self.processes[index].wait(10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def wait_for(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.2) -> None:
    """Poll ``condition`` until it holds, or fail after ``timeout`` seconds saying ``what``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        time.sleep(every)
