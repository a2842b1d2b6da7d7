"""A real PostgreSQL server for the tests: ``initdb`` into a temporary directory, ``postgres`` on a
free loopback port, stopped (and the directory removed) at the end.

PostgreSQL refuses to run as root (CI runs as root). As root, ``initdb`` and ``postgres`` run as
the unprivileged user ``nobody`` (``subprocess`` ``user=``/``group=``, supplementary groups
dropped), in a directory under the system temporary folder that ``nobody`` owns; as any other
user they run as that user. Either way the tests connect over TCP with a password
(SCRAM), as a user of a real deployment would.

It keeps no durability it does not need (``fsync=off``): the server is never killed, the
clients are.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.redisserver import free_port

#: Seconds to wait for a server to accept connections after starting it.
START_TIMEOUT = 30.0
SUPERUSER = "mettl"
#: Who runs the server when the tests run as root: the first of these that exists.
UNPRIVILEGED = ("nobody", "postgres")


def postgres_bindir() -> Path | None:
    """Where ``initdb`` and ``postgres`` are: Debian's /usr/lib/postgresql/N/bin (newest N), else PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PostgresServer:
    """One ``postgres`` process with one superuser (password auth over TCP); ``with`` or start/stop."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.password = "pw-" + secrets.token_hex(8)
        self.port = 0
        self.directory: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._databases = 0

    def _as_owner(self) -> dict[str, Any]:
        """Popen arguments that run a command as the user owning the server."""
        if os.geteuid() != 0:
            return {}
        for name in UNPRIVILEGED:
            try:
                user = pwd.getpwnam(name)
            except KeyError:
                continue
            return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
        raise RuntimeError(f"running as root, and none of the users {UNPRIVILEGED} exists to run postgres")

    @staticmethod
    def _base_directory(owner: dict[str, Any]) -> str | None:
        """Where the server's directory goes: the usual temporary folder, unless the server's user
        could not reach it (a TMPDIR under /root, say): then /tmp."""
        base = Path(tempfile.gettempdir()).resolve()
        if owner and not all(os.stat(p).st_mode & 0o001 for p in (base, *base.parents)):
            return "/tmp"  # a private directory inside it, owned by the server's user
        return None

    def url(self, database: str = "postgres", *, password: bool = True) -> str:
        secret = f":{self.password}" if password else ""
        return f"postgresql://{SUPERUSER}{secret}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        owner = self._as_owner()
        self.directory = Path(tempfile.mkdtemp(prefix="mettl-pg-", dir=self._base_directory(owner)))
        if owner:
            os.chown(self.directory, owner["user"], owner["group"])
        (self.directory / "pw").write_text(self.password + "\n")
        if owner:
            os.chown(self.directory / "pw", owner["user"], owner["group"])
        initdb = subprocess.run(
            [
                str(self.bindir / "initdb"),
                *("-D", str(self.directory / "data"), "-U", SUPERUSER, "-E", "UTF8", "--locale", "C"),
                *("--pwfile", str(self.directory / "pw"), "--auth-local", "trust"),
                *("--auth-host", "scram-sha-256", "--no-sync"),
            ],
            check=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=self.directory,
            **owner,
        )
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed: {initdb.stderr.decode(errors='replace').strip()}")
        for _ in range(3):  # another free port if the one chosen was taken meanwhile
            self.port = free_port()
            if self._launch():
                return
        raise RuntimeError(f"postgres did not start; see the logs in {self.directory}")

    def _launch(self) -> bool:
        """Run ``postgres`` on :attr:`port` over the data directory; whether it came up."""
        assert self.directory is not None
        log = open(self.directory / f"postgres-{self.port}.log", "ab")  # noqa: SIM115
        with log:
            self.process = subprocess.Popen(
                [
                    str(self.bindir / "postgres"),
                    *("-D", str(self.directory / "data"), "-p", str(self.port)),
                    *("-k", str(self.directory), "-c", "listen_addresses=127.0.0.1"),
                    *("-c", "fsync=off", "-c", "max_connections=60"),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd=self.directory,
                **self._as_owner(),
            )
        deadline = time.monotonic() + START_TIMEOUT
        while self.process.poll() is None and time.monotonic() < deadline:
            if accepts(self.port) and self._ready():
                return True
            time.sleep(0.05)
        self._stop_process()
        return False

    @contextmanager
    def stopped(self) -> Iterator[None]:
        """The server down (every session ended, the data kept), then up again on the same port:
        a restart, as clients see one."""
        self._stop_process()
        try:
            yield
        finally:
            if not self._launch():
                raise RuntimeError(f"postgres did not start again; see the logs in {self.directory}")

    def _ready(self) -> bool:
        import psycopg

        try:
            psycopg.connect(self.url(), connect_timeout=2).close()
        except psycopg.OperationalError:
            return False
        return True

    def create_database(self) -> str:
        """A new empty database; its URL (with the password)."""
        import psycopg

        self._databases += 1
        name = f"test_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _stop_process(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(2)  # SIGINT: a fast shutdown, connected clients or not
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        self._stop_process()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
