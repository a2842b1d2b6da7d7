"""A run that stops and then closes: on an error whose closing fails too (the last commit), the
error that stopped it is raised with what closing said in its notes, neither lost; on Ctrl-C
with a commit pending, the progress display is closed all the same."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mettl_async.core.errors import ServerError
from mettl_async.core.paging_styles import PagePosition
from mettl_async.core.retry import RetryPolicy
from mettl_async.harvest.progress import Progress
from mettl_async.harvest.runner import harvest_fingerprint, run_harvest
from mettl_async.harvest.sinks import open_sink
from mettl_async.harvest.threaded import SinkThread
from mettl_async.platforms import kinds
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig

RESULTS = kinds()["results"]


async def test_the_error_that_stopped_a_run_is_raised_with_the_failure_to_close_it(
    certicheck_sandbox_factory: Callable[..., SandboxThread], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=500))
    out = tmp_path / "r.jsonl"
    async with sandbox.client(retry=RetryPolicy.never()) as client:
        account = {"platform": "certicheck", **client.identity()}
        fingerprint = harvest_fingerprint(RESULTS, {}, account, "jsonl")
        output = SinkThread(
            lambda: open_sink(out, "jsonl", RESULTS, fingerprint, resume=False), commit_interval=60
        )
        sink = await output.open()
        real_fsync, real_write, written = os.fsync, output.write_page, []

        def fsync(fd: int) -> None:
            if sink.commits:  # the first page is durable: from now on the disk is full
                raise OSError(28, "No space left on device")
            real_fsync(fd)

        async def write_page(records: list[Any], following: PagePosition | None) -> None:
            await real_write(records, following)
            written.append(len(records))
            if len(written) == 3:  # two pages wait for their commit: the server fails from now on
                sandbox.sandbox.faults.config = FaultConfig(rate=1.0, kinds="html5xx")

        monkeypatch.setattr(os, "fsync", fsync)
        monkeypatch.setattr(output, "write_page", write_page)
        with pytest.raises(ServerError) as stopped:
            await run_harvest(RESULTS.open(client, {}, 5), output, Progress(), client.stats)
    assert stopped.value.http_status in (502, 503, 504)  # why the run stopped
    (note,) = stopped.value.__notes__
    assert note.startswith("closing the output failed too: HarvestError: ")
    assert "No space left on device" in note
    assert len(written) >= 3
    assert sink.records == 5  # the first page, durable before the disk filled


async def test_a_run_cancelled_with_a_commit_pending_closes_its_progress_display(
    certicheck_sandbox_factory: Callable[..., SandboxThread], tmp_path: Path
) -> None:
    """Ctrl-C while written pages wait for their timed commit: closing the output re-raises the
    cancellation, and the display (a terminal's, hiding the cursor) is closed all the same."""
    slow = FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.05)
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=500, faults=slow))
    out = tmp_path / "r.jsonl"
    closed: list[int] = []
    waiting = asyncio.Event()

    class Display(Progress):
        def update(self, *, force: bool = False) -> None:
            super().update(force=force)
            if self.counts.pages >= 3:  # the first page durable, the next ones waiting
                waiting.set()

        def close(self) -> None:
            closed.append(self.counts.pages)
            super().close()

    async with sandbox.client() as client:
        account = {"platform": "certicheck", **client.identity()}
        fingerprint = harvest_fingerprint(RESULTS, {}, account, "jsonl")
        output = SinkThread(
            lambda: open_sink(out, "jsonl", RESULTS, fingerprint, resume=False), commit_interval=60
        )
        display = Display()
        run = asyncio.ensure_future(run_harvest(RESULTS.open(client, {}, 5), output, display, client.stats))
        await waiting.wait()
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run
    assert len(closed) == 1
    assert closed[0] >= 3
