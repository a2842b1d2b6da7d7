"""Closing the synchronous clients: ``with``, ``close()``, garbage collection, Ctrl-C, a walk
cut by a close, a call from the client's own loop, a fork."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mettl_async import ConfigurationError
from mettl_async.certicheck.models import Timezone
from mettl_async.sync import CertiCheckClient
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.sync_support import env_for, loop_threads, sync_client

StartSandbox = Callable[..., SandboxThread]


@pytest.fixture
def sandbox(certicheck_sandbox_factory: StartSandbox) -> SandboxThread:
    return certicheck_sandbox_factory(SandboxConfig(applicants=40))


@pytest.fixture
def client(sandbox: SandboxThread) -> Iterator[CertiCheckClient]:
    with sync_client(sandbox) as client:
        yield client


def test_with_closes_the_connections_and_stops_the_thread(sandbox: SandboxThread) -> None:
    with sync_client(sandbox) as client:
        client.timezones.list()
        [thread] = loop_threads()
        http = client._aio.session.http
        assert http is not None
    assert http.closed
    assert not thread.is_alive()
    assert loop_threads() == []
    assert client.timezones.list()  # a later call starts again
    client.close()
    client.close()  # twice is fine
    assert loop_threads() == []


def test_a_client_dropped_without_closing_is_closed(sandbox: SandboxThread) -> None:
    client = sync_client(sandbox)
    client.timezones.list()
    [thread] = loop_threads()
    del client
    gc.collect()
    thread.join(10)
    assert not thread.is_alive()


def test_closing_during_a_walk_does_not_end_it_silently(client: CertiCheckClient) -> None:
    walk = iter(client.results.all(page_size=10))
    next(walk)
    client.close()
    with pytest.raises(ConfigurationError, match="closed during this iteration"):
        list(walk)


def test_a_call_from_the_client_s_own_loop_is_refused(client: CertiCheckClient) -> None:
    async def reenter() -> list[Timezone]:
        return client.timezones.list()

    with pytest.raises(ConfigurationError, match="its own event loop"):
        client._portal.run(reenter)


FORKED = """
import os
import sys

from mettl_async.sync import CertiCheckClient

client = CertiCheckClient()  # module level, used before the fork (a preloading server's master)
print("parent", len(client.results.all(page_size=10).to_list()), flush=True)
child = os.fork()
if child == 0:
    print("child", len(client.results.all(page_size=7).to_list()), flush=True)
    sys.exit(0)  # a normal exit: the child closes what it opened, and only that
os.waitpid(child, 0)
print("parent", len(client.results.all(page_size=9).to_list()), flush=True)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
def test_a_forked_child_gets_a_loop_of_its_own(sandbox: SandboxThread, tmp_path: Path) -> None:
    script = tmp_path / "forked.py"
    script.write_text(FORKED, encoding="utf-8")
    done = subprocess.run(
        # Python 3.12 warns about fork() in a process with threads: that warning is not under test.
        [sys.executable, "-W", "default", "-W", "ignore::DeprecationWarning", str(script)],
        env=os.environ | env_for(sandbox),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == ["parent 40", "child 40", "parent 40"]


INTERRUPTED = """
import asyncio, os, signal, threading

from mettl_async.sync import CertiCheckClient

client = CertiCheckClient()
threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
try:
    client.timezones.list()  # the server takes 5 s
except KeyboardInterrupt:
    print("interrupted")


async def tasks() -> int:
    return len(asyncio.all_tasks())


print(client._portal.run(tasks))  # this one and the loop's own: the call was cancelled
"""


def test_ctrl_c_interrupts_a_call_and_cancels_it(
    certicheck_sandbox_factory: StartSandbox, tmp_path: Path
) -> None:
    slow = certicheck_sandbox_factory(
        SandboxConfig(applicants=10, faults=FaultConfig(rate=1.0, kinds="slow", slow_seconds=5.0))
    )
    script = tmp_path / "interrupted.py"
    script.write_text(INTERRUPTED, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-W", "default", str(script)],
        env=os.environ | env_for(slow),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stderr, done.stdout.split()) == (0, "", ["interrupted", "2"])
