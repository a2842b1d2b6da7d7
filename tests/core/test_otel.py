"""A call is one OpenTelemetry span (mettl_async.otel), its attempts events inside it, and a
failed call, even one Mettl answered with HTTP 200, an errored span with its code: read back
from OpenTelemetry's in-memory exporter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from mettl_async import NotFoundError, RetryPolicy
from mettl_async.otel import trace_calls
from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from mettl_async.testing.proctorexam import ProctorExamSandboxConfig

StartSandbox = Callable[..., SandboxThread]
QUICK = RetryPolicy(attempts=5, backoff_initial=0.001, backoff_max=0.002, jitter=0.0)


@pytest.fixture
def exported() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


async def test_an_error_in_an_http_200_body_is_an_errored_span_with_its_code(
    certicheck_sandbox_factory: StartSandbox, exported: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    provider, exporter = exported
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=5))
    async with sandbox.client() as mettl:
        stop = trace_calls(mettl, tracer_provider=provider)
        with pytest.raises(NotFoundError) as caught:
            await mettl.results.of_applicant_in_assessment(101, "nobody@example.com")
        stop()
    [span] = exporter.get_finished_spans()
    code = caught.value.code
    assert code is not None
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description is not None
    assert span.status.description.startswith(code)
    assert span.attributes is not None
    assert span.attributes["mettl.error.code"] == code
    assert span.attributes["http.response.status_code"] == 200  # Mettl says errors with a 200
    assert span.attributes["mettl.attempts"] == 1
    url = str(span.attributes["url.full"])
    assert url.startswith(sandbox.base_url)
    assert "?" not in url  # no query: no signature
    assert span.name == f"GET {urlsplit(url).path}"
    assert [event.name for event in span.events] == ["attempt"]


async def test_a_call_retried_is_one_span_with_an_event_per_attempt(
    proctorexam_sandbox_factory: StartSandbox, exported: tuple[TracerProvider, InMemorySpanExporter]
) -> None:
    provider, exporter = exported
    faults = FaultConfig(rate=0.5, seed=3, kinds="html5xx")
    sandbox = proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=5, faults=faults))
    async with sandbox.client(retry=QUICK) as proctorexam:
        stop = trace_calls(proctorexam, tracer_provider=provider)
        await proctorexam.institutes.list()  # different calls: identical ones would be shared
        await proctorexam.exams.list()
        await proctorexam.student_sessions.all()
        await proctorexam.exams.list(status="open")
        stop()
        await proctorexam.exams.list(status="closed")  # not traced any more
    spans = exporter.get_finished_spans()
    assert len(spans) == 4
    assert all(span.status.status_code is StatusCode.UNSET for span in spans)
    attempts = [int(span.attributes["mettl.attempts"]) for span in spans if span.attributes]
    assert sum(attempts) > 4  # some were retried (5xx), each inside its call's span
    for span, made in zip(spans, attempts, strict=True):
        names = [event.name for event in span.events]
        assert names.count("attempt") == made
        assert names.count("retry scheduled") == made - 1
        statuses = [
            e.attributes["http.response.status_code"]
            for e in span.events
            if e.attributes and e.name == "attempt"
        ]
        assert statuses[-1] == 200
        assert all(status >= 500 for status in statuses[:-1])  # type: ignore[operator]


def test_the_package_loads_opentelemetry_only_when_asked() -> None:
    import subprocess
    import sys

    code = "import sys, mettl_async, mettl_async.sync; print('opentelemetry' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"
