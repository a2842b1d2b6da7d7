"""Helpers shared by the command's tests (tests/cli/test_cli_harvest.py, test_cli_errors.py,
test_cli_commands.py and their conftest.py): the command run in-process or as a process with a
sandbox's credentials, records as canonical JSON, and the records a kind should give."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner, Result

from mettl_async.cli import main
from mettl_async.platforms import kinds
from mettl_async.testing import SandboxThread

Factory = Callable[..., SandboxThread]


def env_for(sandbox: SandboxThread) -> dict[str, str]:
    """The environment variables that point the command at ``sandbox``."""
    return sandbox.exports()


def cli(sandbox: SandboxThread | None, *args: str, env: dict[str, str] | None = None) -> Result:
    environment = (env_for(sandbox) if sandbox else {}) | (env or {})
    return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)


def jsonl(path: Path) -> list[bytes]:
    """Records as canonical JSON, sorted: equal lists mean the same records, none twice."""
    return sorted(
        orjson.dumps(orjson.loads(line), option=orjson.OPT_SORT_KEYS)
        for line in path.read_bytes().splitlines()
    )


def first_window_with_bookings(sandbox: SandboxThread) -> int:
    world = sandbox.sandbox.world
    booked = {b.slot_id for b in world.bookings}
    return next(w.window_id for w in world.windows.values() if any(s.slot_id in booked for s in w.slots))


KIND_ARGS: dict[str, Callable[[SandboxThread], list[str]]] = {
    "results": lambda s: [],
    "tests": lambda s: ["--status", "Published"],
    "slot-windows": lambda s: [],
    "enrolled": lambda s: ["--slot-window", str(first_window_with_bookings(s))],
}


def expected_records(sandbox: SandboxThread, kind: str) -> list[bytes]:
    """The records of a kind, read through the library's own paginator."""
    import asyncio

    async def collect() -> list[Any]:
        async with sandbox.client() as client:
            extra = KIND_ARGS[kind](sandbox)
            filters: dict[str, Any] = {"slot_window": int(extra[1])} if kind == "enrolled" else {}
            paginator = kinds()[kind].open(client, filters, None)
            return [r async for p in paginator.pages() for r in p.records]

    return sorted(orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in asyncio.run(collect()))


def spawn(sandbox: SandboxThread, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "mettl_async", "harvest", *args, "--rate", "1000", "--page-size", "5"],
        env=os.environ | env_for(sandbox),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the harvest did not get there in time"
        time.sleep(0.005)


def lines_in(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0
