"""The sandboxes at scale: time and memory to start one, CPU to render a page.

``python -m benchmarks.bench_sandbox [--quick]``. Each size starts in a fresh
interpreter (its peak RSS is then the sandbox's, interpreter and imports included);
pages are rendered in this process by the endpoints themselves (handler and JSON
encoding, no network), timed as CPU time of this thread, median of many pages spread
over the whole list. The goals (issue 9) are the CertiCHECK sandbox's; the baseline
column holds them, so a ratio below 1 meets one. "cli" is ``mettl-async sandbox
--applicants N`` (the CertiCHECK and REST sandboxes together, imports included) until
it listens. The REST and ProctorExam pages are shown for comparison, with no goal of
their own.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig
from mettl_async.testing.certicheck import results as certicheck_endpoints
from mettl_async.testing.kit import PARAMS, PlatformSandbox, handling
from mettl_async.testing.mettl_rest import MettlRestConfig, MettlRestSandbox
from mettl_async.testing.mettl_rest import candidates as rest_endpoints
from mettl_async.testing.proctorexam import ProctorExamSandbox, ProctorExamSandboxConfig
from mettl_async.testing.proctorexam import students as proctorexam_endpoints

from .common import Result, header, machine

START_GOAL_S = 2.0
RSS_GOAL_MB = 200.0
PAGE_GOAL_MS = 2.0
Handler = Callable[[Any, web.Request], Awaitable[Any] | Any]


def _peak_rss_mb() -> float:
    """This process's peak resident set. Linux's ``ru_maxrss`` carries a parent's peak over
    ``fork`` and ``exec``, so ``VmHWM`` (this program's own) is read where there is one."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _build(kind: str, size: int) -> list[PlatformSandbox]:
    if kind == "certicheck":
        return [CertiCheckSandbox(SandboxConfig(applicants=size))]
    if kind == "rest":
        return [MettlRestSandbox(MettlRestConfig(candidates=size))]
    if kind == "proctorexam":
        return [ProctorExamSandbox(ProctorExamSandboxConfig(sessions=size))]
    raise ValueError(kind)


def _start_here(kind: str, size: int) -> dict[str, float]:
    """Start a sandbox in this (fresh) interpreter; its figures."""
    started = time.perf_counter()
    _build(kind, size)
    return {"seconds": time.perf_counter() - started, "peak_rss_mb": _peak_rss_mb()}


def start_figures(kind: str, size: int) -> dict[str, float]:
    """``_start_here`` in a child interpreter."""
    child = [sys.executable, "-m", "benchmarks.bench_sandbox", "--child", kind, str(size)]
    out = subprocess.run(child, capture_output=True, text=True, check=True).stdout
    figures: dict[str, float] = json.loads(out.splitlines()[-1])
    return figures


def cli_start_figures(size: int) -> dict[str, float]:
    """``mettl-async sandbox --applicants size``: seconds until it listens, and its peak RSS then."""
    command = [sys.executable, "-m", "mettl_async", "sandbox", "--port", "0", "--applicants", str(size)]
    started = time.perf_counter()
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        server.stdout.readline()  # "Mettl sandbox at ...": listening
        seconds = time.perf_counter() - started
        with open(f"/proc/{server.pid}/status") as status:
            rss = next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmHWM:"))
    finally:
        server.terminate()
        server.wait()
    return {"seconds": seconds, "peak_rss_mb": rss}


#: A request and the parameters the sandbox's middleware would read of it.
MockedRequest = tuple[web.Request, dict[str, str]]


def _request(path: str, params: dict[str, str], match_info: dict[str, str]) -> MockedRequest:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    request = make_mocked_request(
        "GET", f"{path}?{query}", headers={"Host": "127.0.0.1:8080"}, match_info=match_info
    )
    # Read once now what the real server reads from its transport: on this mocked request
    # the first read goes through unittest.mock, which is no part of the sandbox's cost.
    request.scheme, request.host, request.raw_path  # noqa: B018
    return request, {**params, **match_info}


async def _page_cpu_ms(
    sandbox: PlatformSandbox, handler: Handler, requests: list[MockedRequest]
) -> tuple[float, int]:
    """Median CPU milliseconds to answer a page (handler + rendering), and a body's size."""
    spent: list[float] = []
    size = 0
    for request, params in requests:
        with handling():
            PARAMS.set(dict(params))
            started = time.thread_time()
            result = handler(sandbox, request)
            response = sandbox.render(await result if asyncio.iscoroutine(result) else result)
            spent.append((time.thread_time() - started) * 1000)
        assert isinstance(response, web.Response)
        assert isinstance(response.body, bytes)
        size = len(response.body)
    return statistics.median(spent), size


@functools.cache
def page_figures(size: int, pages: int) -> dict[str, tuple[int, float, int]]:
    """Records per page, median CPU ms and body size of a page of each list (once a run)."""
    rng = random.Random(9)
    certicheck = CertiCheckSandbox(SandboxConfig(applicants=size))
    members = len(certicheck.world.applicants.of_assessment(101))
    rest = MettlRestSandbox(MettlRestConfig(candidates=size))
    key, schedule = max(rest.world.schedules.items(), key=lambda item: len(item[1].candidates))
    proctorexam = ProctorExamSandbox(ProctorExamSandboxConfig(sessions=size))

    def offsets(total: int, page: int) -> list[dict[str, str]]:
        return [{"limit": str(page), "offset": str(rng.randrange(total - page))} for _ in range(pages)]

    jobs: list[tuple[str, int, PlatformSandbox, Handler, list[MockedRequest]]] = [
        (
            "CertiCHECK, all results",
            500,
            certicheck,
            certicheck_endpoints.get_all_results,
            [_request("/api/v2/getAllApplicantResults", p, {}) for p in offsets(size, 500)],
        ),
        (
            "CertiCHECK, one assessment",
            500,
            certicheck,
            certicheck_endpoints.get_results_of_assessment,
            [
                _request("/api/v2/getAllApplicantResultsOfCertificate/101", p, {"assessment_id": "101"})
                for p in offsets(members, 500)
            ],
        ),
        (
            "REST, a schedule's results",
            100,
            rest,
            rest_endpoints.list_results,
            [
                _request(f"/mettl/v2/schedules/{key}/candidates", p, {"key": key, "version": "v2"})
                for p in offsets(len(schedule.candidates), 100)
            ],
        ),
        (
            "ProctorExam, student sessions",
            300,
            proctorexam,
            proctorexam_endpoints.list_all,
            [
                _request(
                    "/proctorexam/api/v3/student_sessions", {"page": str(rng.randrange(1, size // 300))}, {}
                )
                for _ in range(pages)
            ],
        ),
    ]

    async def measure() -> dict[str, tuple[int, float, int]]:
        out = {}
        for name, records, sandbox, handler, requests in jobs:
            ms, body = await _page_cpu_ms(sandbox, handler, requests)
            out[name] = (records, ms, body)
        return out

    return asyncio.run(measure())


def run(quick: bool) -> list[Result]:
    """The figures with a goal (issue 9's sandbox row); the baseline column is the goal."""
    results = []
    for kind, size in (("certicheck", 100_000), ("certicheck", 1_000_000), ("cli", 1_000_000)):
        if quick and size > 100_000:
            continue
        started = cli_start_figures(size) if kind == "cli" else start_figures(kind, size)
        label = "mettl-async sandbox listening" if kind == "cli" else "CertiCHECK sandbox start"
        results.append(
            Result(
                f"{label}, {size:,} (s)", started["seconds"], START_GOAL_S, "s", goal=f"< {START_GOAL_S:g} s"
            )
        )
        results.append(
            Result(
                f"{label}, {size:,}: peak RSS (MB)",
                started["peak_rss_mb"],
                RSS_GOAL_MB,
                "MB",
                goal=f"< {RSS_GOAL_MB:g} MB",
            )
        )
    pages = page_figures(100_000 if quick else 1_000_000, 50 if quick else 300)
    for name, (records, ms, body) in pages.items():
        if name.startswith("CertiCHECK"):
            results.append(
                Result(
                    f"sandbox {records}-record page, {name[12:]} (ms CPU)",
                    ms,
                    PAGE_GOAL_MS,
                    "ms",
                    goal=f"< {PAGE_GOAL_MS:g} ms",
                    note=f"{ms / records * 1000:.1f} us a record, {body // 1024} KB",
                )
            )
    return results


def others(quick: bool) -> list[str]:
    """The figures shown for comparison: other sandboxes' start and pages."""
    lines = []
    for kind in ("rest", "proctorexam"):
        started = start_figures(kind, 1_000_000)
        seconds, rss = started["seconds"], started["peak_rss_mb"]
        lines.append(f"{kind} sandbox, 1,000,000: start {seconds:.3f} s, peak RSS {rss:.0f} MB")
    for name, (records, ms, body) in page_figures(
        100_000 if quick else 1_000_000, 50 if quick else 300
    ).items():
        per_record = ms / records * 1000
        lines.append(
            f"{name}: {records}-record page {ms:.2f} ms CPU ({per_record:.1f} us a record, {body // 1024} KB)"
        )
    return lines


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_start_here(sys.argv[2], int(sys.argv[3]))))
        return
    quick = "--quick" in sys.argv
    print(f"machine: {machine()}")
    print(f"command: python -m benchmarks.bench_sandbox{' --quick' if quick else ''}")
    print(header())
    for result in run(quick):
        print(result.line())
    for line in others(quick):
        print(line)


if __name__ == "__main__":
    main()
