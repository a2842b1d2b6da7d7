"""The synchronous clients (mettl_async.sync) against the sandboxes, over loopback.

The same API, blocking (``assert_type`` lines are checked by mypy: ``nox -s typecheck``);
pagination with ``for``; the same exception classes; options; and where it runs: a plain
script (a subprocess, checked for a quiet exit), a thread whose loop is running (Jupyter,
an async app), across ``asyncio.run`` calls, many threads at once.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import assert_type

import pytest

from mettl_async import (
    AuthenticationError,
    InputError,
    NotFoundError,
    RequestTimeoutError,
    RetryPolicy,
    SessionStats,
    capture_responses,
)
from mettl_async.certicheck.models import AccountInfo, ApplicantResult, Test, Timezone
from mettl_async.core.paginator import Page
from mettl_async.core.telemetry import RequestDone
from mettl_async.itep.models import Fulfillment
from mettl_async.mettl_rest.models import Schedule
from mettl_async.proctorexam.models import Exam
from mettl_async.sync import CertiCheckClient, ItepClient, MettlClient, Paginator, ProctorExamClient
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig
from mettl_async.testing.itep import ItepSandbox
from mettl_async.testing.mettl_rest import MettlRestSandbox
from mettl_async.testing.proctorexam import ProctorExamSandbox
from tests.support.sync_support import env_for, loop_threads, sync_client

StartSandbox = Callable[..., SandboxThread]


@pytest.fixture
def sandbox(certicheck_sandbox_factory: StartSandbox) -> SandboxThread:
    return certicheck_sandbox_factory(SandboxConfig(applicants=120))


@pytest.fixture
def client(sandbox: SandboxThread) -> Iterator[CertiCheckClient]:
    with sync_client(sandbox) as client:
        yield client


# -- the same API, blocking ------------------------------------------------------------------------


def test_calls_return_the_typed_models(client: CertiCheckClient) -> None:
    zones = assert_type(client.timezones.list(), list[Timezone])
    assert zones
    assert all(isinstance(zone, Timezone) for zone in zones)
    assert isinstance(assert_type(client.account.get(), AccountInfo), AccountInfo)
    tests = assert_type(client.tests.list(), Paginator[Test])
    first = assert_type(tests.first(), Page[Test])
    assert first.items
    assert all(isinstance(test, Test) for test in first.items)
    assert assert_type(client.stats, SessionStats).requests == 3


def test_events_reach_listeners_in_the_client_s_loop_thread(client: CertiCheckClient) -> None:
    seen: list[tuple[object, str]] = []
    stop = client.events.subscribe(lambda event: seen.append((event, threading.current_thread().name)))
    client.account.get()
    stop()
    client.timezones.list()
    assert [type(event).__name__ for event, _ in seen] == ["CallStarted", "RequestDone", "CallEnded"]
    [(event, thread)] = [(event, thread) for event, thread in seen if isinstance(event, RequestDone)]
    assert {thread for _, thread in seen} == {thread}
    assert event.status == 200
    assert thread == "mettl-async-CertiCheckClient"


def test_capture_responses_sees_the_calls_of_its_block(client: CertiCheckClient) -> None:
    # The block's context travels with each call to the client's loop thread (and to the
    # pages it fetches ahead there).
    with capture_responses() as responses:
        client.account.get()
        assert len(client.results.all(page_size=50).to_list()) == 120
    assert len(responses) >= 4  # the account and three pages (pages fetched ahead may add some)
    assert all(response.status == 200 for response in responses)
    count = len(responses)
    client.timezones.list()
    assert len(responses) == count


def test_for_walks_every_item_as_the_async_paginator_does(
    client: CertiCheckClient, sandbox: SandboxThread
) -> None:
    walked = [result for result in client.results.all(page_size=7)]
    for result in walked:
        assert_type(result, ApplicantResult)

    async def async_walk() -> list[ApplicantResult]:
        async with sandbox.client() as aio:
            return [result async for result in aio.results.all(page_size=7)]

    assert walked == asyncio.run(async_walk())
    assert len(walked) == 120
    assert client.results.all(page_size=50).to_list() == walked


def test_pages_resume_from_a_position(client: CertiCheckClient) -> None:
    pages = list(client.tests.list(page_size=2).pages())
    assert len(pages) > 2
    assert all(isinstance(page, Page) for page in pages)
    resumed = list(client.tests.list(page_size=2).pages(start=pages[1].next))
    assert [t.test_id for page in resumed for t in page.items] == [
        t.test_id for page in pages[2:] for t in page.items
    ]


def test_max_items_and_first(client: CertiCheckClient) -> None:
    listing = client.results.all(page_size=10, max_items=25)
    assert listing.max_items == 25
    assert len(list(listing)) == 25
    assert len(listing.first().items) == 10


def test_leaving_a_for_early_stops_the_walk_and_its_fetches(certicheck_sandbox_factory: StartSandbox) -> None:
    slow = certicheck_sandbox_factory(
        SandboxConfig(applicants=60, faults=FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.3))
    )

    async def tasks() -> int:
        return len(asyncio.all_tasks())

    with sync_client(slow) as client:
        idle = client._portal.run(tasks)
        for index, _ in enumerate(client.results.all(page_size=5)):
            if index == 7:
                assert client._portal.run(tasks) > idle  # pages are being fetched ahead
                break
        assert client._portal.run(tasks) == idle


def test_errors_are_the_async_client_s_classes(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    before = len(sandbox.sandbox.requests)
    with pytest.raises(InputError, match="assessment_id"):
        client.results.of_assessment(-1)  # a paginator's input is checked when it is made
    with pytest.raises(InputError, match="email"):
        client.applicants.login_url("not an address")
    assert len(sandbox.sandbox.requests) == before  # nothing was sent
    with pytest.raises(NotFoundError) as caught:
        client.results.of_applicant_in_assessment(1, "nobody@example.com")
    assert caught.value.code == "E001"
    config = sandbox.get(CertiCheckSandbox).config
    with (
        CertiCheckClient(config.public_key, "wrong", config.subdomain, base_url=sandbox.base_url) as wrong,
        pytest.raises(AuthenticationError),
    ):
        wrong.timezones.list()


def test_with_options_is_the_same_client_with_other_defaults(
    certicheck_sandbox_factory: StartSandbox,
) -> None:
    slow = certicheck_sandbox_factory(
        SandboxConfig(applicants=10, faults=FaultConfig(rate=1.0, kinds="slow", slow_seconds=0.6))
    )
    with sync_client(slow) as client:
        impatient = client.with_options(timeout=0.2, retry=RetryPolicy.never())
        assert_type(impatient, CertiCheckClient)
        with pytest.raises(RequestTimeoutError):
            impatient.timezones.list()
        assert client.timezones.list()  # the client itself keeps its own defaults
        assert impatient.stats is client.stats  # one session
        assert impatient._portal is client._portal  # one loop thread


def test_every_platform_has_its_synchronous_client(sandbox_factory: StartSandbox) -> None:
    server = sandbox_factory(ProctorExamSandbox(), MettlRestSandbox(), ItepSandbox())
    pe, rest, itep = server.get(ProctorExamSandbox), server.get(MettlRestSandbox), server.get(ItepSandbox)
    exam_base, rest_base = server.base_url_of(pe), server.base_url_of(rest) + "/v3"
    with ProctorExamClient(pe.config.api_token, pe.config.secret_key, base_url=exam_base) as proctor:
        exams = [assert_type(exam, Exam) for exam in proctor.exams.list(max_items=5)]
        assert len(exams) == 5
        assert proctor.exams.get(exams[0].id or 0) == exams[0]
    with MettlClient(rest.config.public_key, rest.config.private_key, base_url=rest_base) as mettl:
        assert mettl.api_version == "v3"
        schedules = [assert_type(s, Schedule) for s in mettl.schedules.all(max_items=3)]
        assert len(schedules) == 3
    config = itep.config
    url = server.base_url_of(itep) + "/fulfillment"
    with ItepClient(
        config.api_key,
        url=url,
        signature_header=config.header,
        signature_encoding=config.encoding,
        environ={},
    ) as client:
        issued = assert_type(client.fulfill("GTX-Academic-Plus"), Fulfillment)
        assert issued.test_id


# -- where it runs ------------------------------------------------------------------------------------

SCRIPT = """
import asyncio

from mettl_async import CertiCheckClient as AsyncCertiCheckClient
from mettl_async.sync import CertiCheckClient

sync_client = CertiCheckClient()         # module level, never closed
async_client = AsyncCertiCheckClient()   # module level, never closed


async def main() -> tuple[int, int]:
    zones = sync_client.timezones.list()  # a blocking call while this loop runs
    page = await async_client.results.all(page_size=10)
    return len(zones), len(page.items)


print(asyncio.run(main()))
print(asyncio.run(main()))  # a second loop: both clients keep working
print(sum(1 for _ in sync_client.results.all(page_size=25)))
for index, _ in enumerate(sync_client.results.all(page_size=5)):  # left early, fetches ahead pending
    if index == 7:
        break
"""


def test_a_plain_script_runs_and_exits_without_a_word(sandbox: SandboxThread, tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-W", "default", str(script)],
        env=os.environ | env_for(sandbox) | {"PYTHONDEVMODE": "", "PYTHONASYNCIODEBUG": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == ["(9, 10)", "(9, 10)", "120"]


async def test_called_from_a_thread_whose_loop_is_running(client: CertiCheckClient) -> None:
    # Jupyter's case: asyncio.run would fail here; the client's own loop is elsewhere.
    assert asyncio.get_running_loop().is_running()
    assert len(client.results.all(page_size=40).to_list()) == 120
    # An async app's case: a worker thread of the running loop.
    assert len(await asyncio.to_thread(client.timezones.list)) == 9


def test_a_module_level_client_across_asyncio_run_calls(sandbox: SandboxThread) -> None:
    client = sync_client(sandbox)

    async def use() -> int:
        return len(client.results.all(page_size=30).to_list())

    assert asyncio.run(use()) == 120
    assert asyncio.run(use()) == 120
    client.close()


def test_many_threads_share_one_client(client: CertiCheckClient) -> None:
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda _: len(client.results.all(page_size=20).to_list()), range(16)))
    assert counts == [120] * 16
    assert len(loop_threads()) == 1
