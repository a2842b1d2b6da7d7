"""Resuming through dlt's state: a run that stops early is continued by the next from its next page;
a failed run is rolled back whole, rows and state, and the next continues from the last committed
run; a complete list is pulled again in full. Each time the destination ends with exactly the
rows of a clean harvest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mettl_async.core.errors import MettlError
from mettl_async.core.retry import RetryPolicy
from mettl_async.platforms import kinds
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig
from mettl_async.testing.faults import Fault, FaultConfig, FaultInjector
from tests.support.dlt_support import destination_rows, duckdb_destination, harvest_to, pipeline, sqlite_rows

pytest.importorskip("dlt", reason="the dlt source needs dlt: python -m nox -s dlt")
pytest.importorskip("duckdb", reason="the DuckDB destination needs duckdb: python -m nox -s dlt")

from dlt.pipeline.exceptions import PipelineStepFailed

from mettl_async.dlt import mettl_source

RESULTS = kinds()["results"]
PAGE = 20


class FailingFrom(FaultInjector):
    """Answers 502 to every request from the ``first``-th on (counting from 1), once armed."""

    def __init__(self, first: int) -> None:
        super().__init__(FaultConfig())
        self.first = first
        self.seen = 0

    def pick(self) -> Fault | None:
        self.seen += 1
        return Fault.HTML_5XX if self.seen >= self.first else None


@pytest.fixture
def server(sandbox_factory: Any) -> SandboxThread:
    started: SandboxThread = sandbox_factory(CertiCheckSandbox(SandboxConfig(applicants=100)))
    return started


def source(server: SandboxThread) -> Any:
    """The results, 20 applicants a page, one page fetched at a time, no retry: a fault fails."""
    client = server.client(prefetch=1, retry=RetryPolicy.never())
    return mettl_source(client, kinds=["results"], page_size=PAGE)


def offsets(server: SandboxThread, since: int) -> list[int]:
    """The offsets the results were asked at, from the ``since``-th request on."""
    requests = list(server.sandbox.requests)[since:]
    return [int(r.params.get("offset", 0)) for r in requests if "getAllApplicantResults" in r.raw_path]


def walk_state(loading: Any) -> dict[str, Any]:
    walks: dict[str, Any] = loading.state["sources"]["certicheck"]["resources"]["results"]["walks"]
    return walks["sandbox"]


def clean(server: SandboxThread, tmp_path: Path) -> set[tuple[Any, ...]]:
    out = tmp_path / "clean.sqlite"
    harvest_to(server, RESULTS, {}, out)
    return sqlite_rows(out, RESULTS)


def test_a_limited_run_is_continued_then_a_complete_list_starts_over(
    server: SandboxThread, tmp_path: Path
) -> None:
    loading = pipeline("limited", tmp_path / "dlt", duckdb_destination(tmp_path / "limited.duckdb"))
    loading.run(source(server).add_limit(2))
    assert walk_state(loading) == {
        "filters": {},
        "page_size": PAGE,
        "next": {"offset": 2 * PAGE, "limit": PAGE},
        "complete": False,
    }
    before = len(server.sandbox.requests)
    loading.run(source(server))
    assert offsets(server, before) == [40, 60, 80]
    assert walk_state(loading)["complete"] is True
    assert destination_rows(loading, RESULTS) == clean(server, tmp_path)

    before = len(server.sandbox.requests)
    loading.run(source(server))
    assert offsets(server, before) == [0, 20, 40, 60, 80]
    assert destination_rows(loading, RESULTS) == clean(server, tmp_path)


def test_a_failed_run_is_rolled_back_and_the_next_continues_from_the_last_committed(
    server: SandboxThread, tmp_path: Path
) -> None:
    loading = pipeline("failing", tmp_path / "dlt", duckdb_destination(tmp_path / "failing.duckdb"))
    loading.run(source(server).add_limit(2))
    committed = destination_rows(loading, RESULTS)
    state = walk_state(loading)

    server.sandbox.faults = FailingFrom(3)  # pages 3 and 4 arrive, the fifth fails
    before = len(server.sandbox.requests)
    with pytest.raises(PipelineStepFailed) as failed:
        loading.run(source(server))
    assert offsets(server, before) == [40, 60, 80]
    cause: BaseException | None = failed.value
    while cause is not None and not isinstance(cause, MettlError):
        cause = cause.__cause__
    assert isinstance(cause, MettlError), failed.value
    assert destination_rows(loading, RESULTS) == committed
    assert walk_state(loading) == state

    server.sandbox.faults = FaultInjector(FaultConfig())
    before = len(server.sandbox.requests)
    loading.run(source(server))
    assert offsets(server, before) == [40, 60, 80]
    assert destination_rows(loading, RESULTS) == clean(server, tmp_path)
    assert_no_secret_in(tmp_path, server)


def assert_no_secret_in(where: Path, server: SandboxThread) -> None:
    """dlt's working files (state, traces of the failed run, load packages) and the destination
    hold neither key."""
    config: Any = server.sandbox.config
    secrets = [config.private_key.encode(), config.public_key.encode()]
    files = [path for path in where.rglob("*") if path.is_file()]
    assert any(path.suffix == ".duckdb" for path in files)
    for path in files:
        data = path.read_bytes()
        assert not any(secret in data for secret in secrets), path
