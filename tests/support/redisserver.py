"""A real ``redis-server`` on a free loopback port, for the tests and benchmarks of the shared budget
(a test helper: not in the package users install; the README's Dependencies say why not pytest-redis).

::

    with RedisServer(tmp_path) as redis:
        budget = shared_budget(redis.url, name="test")

It keeps nothing on disk (no snapshots, no append-only file) and lives in the
directory given. Needs no redis-py: it talks to the server over a raw socket.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

#: Seconds to wait for a server to answer PING after starting it.
START_TIMEOUT = 10.0


def redis_server_path() -> str | None:
    """Where ``redis-server`` is installed, if it is."""
    return shutil.which("redis-server")


def free_port() -> int:
    """A loopback port free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def ping(port: int, timeout: float = 0.5) -> bool:
    """Whether a Redis server answers PING on ``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One ``redis-server`` process (``with``, or :meth:`start` and :meth:`stop`)."""

    def __init__(self, directory: Path, executable: str | None = None, *, port: int = 0) -> None:
        self.directory = Path(directory)
        self.executable = executable or redis_server_path() or "redis-server"
        #: The port to listen on (0: a free one, chosen at start).
        self.port = port
        self._fixed_port = port != 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        """Start the server and return its URL. Without a fixed port, on a free one (another if
        the one chosen was taken meanwhile)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for _ in range(1 if self._fixed_port else 3):
            if not self._fixed_port:
                self.port = free_port()
            self.process = subprocess.Popen(
                [
                    self.executable,
                    *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)),
                    *("--save", "", "--appendonly", "no", "--daemonize", "no"),
                    *("--logfile", str(self.directory / f"redis-{self.port}.log")),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + START_TIMEOUT
            while self.process.poll() is None and time.monotonic() < deadline:
                if ping(self.port):
                    return self.url
                time.sleep(0.02)
            self.stop()
        raise RuntimeError(f"redis-server did not start; see the logs in {self.directory}")

    def stop(self) -> None:
        """Stop the server (and wait for it)."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
