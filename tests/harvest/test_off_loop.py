"""A page is made durable off the event loop: while the output writes it (an fsync, a commit), the
answers to the pages fetched ahead still arrive (before, the loop waited on the disk with them)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mettl_async.cli.harvest import harvest_to
from mettl_async.core.telemetry import RequestDone, SessionEvent
from mettl_async.harvest.files import JsonlSink
from mettl_async.platforms import kinds
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig


async def test_answers_arrive_while_a_page_is_made_durable(
    certicheck_sandbox_factory: Callable[..., SandboxThread], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each answer takes 50 ms: the pages fetched ahead of the first are still on their way as it is written.
    slow = FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.05)
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=60, faults=slow))
    answers = threading.Condition()
    done = [0]
    arrived: list[bool] = []
    write_page = JsonlSink.write_page

    def durable_once_an_answer_arrives(self: JsonlSink, records: list[Any], following: Any) -> None:
        if not arrived:  # the first page: is the loop free to take answers meanwhile?
            with answers:
                start = done[0]
                arrived.append(answers.wait_for(lambda: done[0] > start, timeout=5))
        write_page(self, records, following)

    def count(event: SessionEvent) -> None:
        if isinstance(event, RequestDone):
            with answers:
                done[0] += 1
                answers.notify_all()

    monkeypatch.setattr(JsonlSink, "write_page", durable_once_an_answer_arrives)
    async with sandbox.client() as client:
        client.events.subscribe(count)
        status = await harvest_to(
            client, kinds()["results"], {}, tmp_path / "r.jsonl", None, resume=False, page_size=10, quiet=True
        )
    assert status == 0
    assert arrived == [True]
    assert len((tmp_path / "r.jsonl").read_bytes().splitlines()) == 60
