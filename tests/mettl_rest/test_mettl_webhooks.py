"""Mettl's webhooks: the pure parse (each malformation named), and end to end over loopback:
the sandbox posts as candidates start, finish and are graded; the receiver lands them in the
harvest's table; a redelivery is not a second row; bad input and a wrong token change nothing."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import orjson
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mettl_async.cli.harvest import harvest_to
from mettl_async.harvest.locking import OutputBusyError
from mettl_async.mettl_rest.harvest import SCHEDULE_RESULTS
from mettl_async.mettl_rest.specs import CandidateRegistration, ScheduleSpec
from mettl_async.mettl_rest.webhooks import SOURCE, TestFinished, TestGraded, TestStarted, event_kind, parse
from mettl_async.platforms import kinds, webhook_sources
from mettl_async.testing import SandboxServer
from mettl_async.testing.mettl_rest import MettlRestConfig, MettlRestSandbox
from mettl_async.webhooks import Delivery, WebhookRejected
from mettl_async.webhooks.landing import Landing
from mettl_async.webhooks.server import aiohttp_handler, application
from tests.support.examples import examples

TOKEN = "s3cret-token"
FINISHED = {
    "EVENT_TYPE": "TEST_FINISHED",
    "assessment_id": 300001,
    "invitation_key": "k1",
    "candidate_instance_id": 5001,
    "context_data": "ref-7",
    "timestamp_GMT": "Fri, 16 Aug 2024 13:14:21 GMT",
    "source_app": "hr",
    "notification_url": "https://hooks.example/mettl?token=s3cret-token",
    "name": "Asha Rao",
    "email": "Asha@Example.org",
    "finish_mode": "Submitted",
}
GRADED = {
    **{k: v for k, v in FINISHED.items() if k != "assessment_id"},
    "EVENT_TYPE": "TEST_GRADED",
    "assessmentId": 300001,
    "timestamp_GMT": "Fri, 16 Aug 2024 13:20:00 GMT",
    "marks_scored": "12.5",
    "max_marks": 20,
    "percentile": 62.5,
    "total_attempt_time": 1500,
    "assessment_name": "Assessment 01",
    "schedule_title": "Assessment 01 - link 1",
    "start_time_GMT": "Fri, 16 Aug 2024 12:50:00 GMT",
    "end_time_GMT": "Fri, 16 Aug 2024 13:14:21 GMT",
    "sectional_scores": '[{"sectionName":"Section 1","marksScored":12.5,"maxMarks":20.0}]',
    "registrationDetails": {"Email Address": "Asha@Example.org", "First Name": "Asha"},
    "proctoringDetails": {"mode": "WEB", "noOfWindowViolations": 1},
    "testStatus": {
        "status": "Completed",
        "overallStatus": "Completed",
        "result": {"candidateCredibilityIndex": "High"},
    },
}


def body(payload: dict[str, Any], **changes: Any) -> bytes:
    data = {**payload, **changes}
    return orjson.dumps({k: v for k, v in data.items() if v is not ...})


# -- the pure parse ---------------------------------------------------------------------------------


def test_the_finish_event_reads_snake_case() -> None:
    delivery = parse(body(FINISHED))
    event = delivery.event
    assert isinstance(event, TestFinished)
    assert (event.assessment_id, event.finish_mode, event.candidate_instance_id) == (
        300001,
        "Submitted",
        5001,
    )
    assert event.timestamp == datetime(2024, 8, 16, 13, 14, 21, tzinfo=UTC)
    assert delivery.kind is SCHEDULE_RESULTS
    assert delivery.record["testStatus"] == {
        "status": "Completed",
        "overallStatus": "Completed",
        "detailedStatus": "Submitted",
        "endTime": "Fri, 16 Aug 2024 13:14:21 GMT",
        "completionMode": "Submitted",
    }


def test_the_graded_event_reads_camel_case_and_a_json_string() -> None:
    delivery = parse(body(GRADED))
    event = delivery.event
    assert isinstance(event, TestGraded)
    assert event.assessment_id == 300001
    assert (event.marks_scored, event.max_marks, event.total_attempt_time) == (12.5, 20.0, 1500.0)
    assert event.sectional_scores == [{"sectionName": "Section 1", "marksScored": 12.5, "maxMarks": 20.0}]
    assert event.start_time == datetime(2024, 8, 16, 12, 50, tzinfo=UTC)
    assert event.proctoring_details is not None
    assert event.proctoring_details.window_violations == 1
    assert event.test_status is not None
    assert event.test_status.result is not None
    assert event.test_status.result.candidate_credibility_index == "High"
    (row,) = SCHEDULE_RESULTS.rows(delivery.record)
    assert (row["access_key"], row["email"], row["status"]) == ("k1", "asha@example.org", "Completed")
    assert (row["total_marks"], row["max_marks"], row["attempt_time"]) == (12.5, 20.0, 1500)
    assert row["candidate_credibility_index"] == "High"
    assert row["context_data"] == "ref-7"
    assert TOKEN not in orjson.dumps(delivery.record).decode()  # notification_url is not landed


def test_an_integer_beyond_64_bits_in_a_notification_stays_exact() -> None:
    number = -(2**63) - 1  # 19 digits: orjson alone would make it a float
    delivery = parse(json.dumps({**FINISHED, "candidate_instance_id": number}).encode())
    assert isinstance(delivery.event, TestFinished)
    assert delivery.event.candidate_instance_id == number


def test_either_spelling_of_the_assessment_id_is_read() -> None:
    swapped = {k: v for k, v in GRADED.items() if k != "assessmentId"} | {"assessment_id": 7}
    assert parse(orjson.dumps(swapped)).event.assessment_id == 7
    started = parse(body(FINISHED, EVENT_TYPE="TestStarted", assessment_id=..., assessmentId=9))
    assert isinstance(started.event, TestStarted)
    assert started.event.assessment_id == 9


def test_event_types_are_read_whatever_their_spelling() -> None:
    assert [
        event_kind(v)
        for v in ("TEST_STARTED", "testFinished", "Test Graded", "RESULT", "TEST_RESUME_ENABLED")
    ] == [
        "started",
        "finished",
        "graded",
        "graded",
        "resume-enabled",
    ]


def test_a_redelivery_has_the_same_key_and_another_event_another() -> None:
    assert parse(body(GRADED)).key == parse(body(GRADED)).key
    assert parse(body(GRADED)).key != parse(body(FINISHED)).key
    assert parse(body(GRADED)).key != parse(body(GRADED, timestamp_GMT="Fri, 16 Aug 2024 13:30:00 GMT")).key


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"not json", "body is not JSON"),
        (b"[1, 2]", "body is not a JSON object"),
        (body(FINISHED, EVENT_TYPE=...), "EVENT_TYPE: missing or not text"),
        (body(FINISHED, EVENT_TYPE="TEST_PAUSED"), "EVENT_TYPE: unknown event 'TEST_PAUSED'"),
        (body(FINISHED, invitation_key=" "), "invitation_key: missing or not text"),
        (body(FINISHED, timestamp_GMT=...), "timestamp_GMT: missing or not text"),
        (body(FINISHED, email="nobody"), "email: must be an e-mail address"),
        (body(FINISHED, timestamp_GMT="yesterday"), "TestFinished.timestamp ('timestamp_GMT')"),
        (body(GRADED, marks_scored="twelve"), "TestGraded.marks_scored ('marks_scored'): not a number"),
        (body(GRADED, sectional_scores="{oops"), "TestGraded.sectional_scores ('sectional_scores')"),
        (body(GRADED, testStatus=[1]), "TestGraded.test_status ('testStatus')"),
        (body(GRADED, context_data={"a": 1}), "TestGraded.context_data ('context_data'): not text"),
    ],
)
def test_malformed_bodies_are_400_naming_the_problem(data: bytes, reason: str) -> None:
    with pytest.raises(WebhookRejected) as caught:
        parse(data)
    assert caught.value.status == 400
    assert caught.value.reason.startswith(reason), caught.value.reason


NON_FINITE = ["nan", "NaN", "inf", "-Infinity", "1e400", " 1e400 ", "-1e999"]


@pytest.mark.parametrize("field", ["marks_scored", "max_marks", "percentile", "total_attempt_time"])
@pytest.mark.parametrize("text", [*NON_FINITE, "\u0661\u0662", "1_000"])
def test_a_number_that_is_not_finite_decimal_text_is_400_naming_the_field(field: str, text: str) -> None:
    with pytest.raises(WebhookRejected) as caught:
        parse(body(GRADED, **{field: text}))
    assert caught.value.status == 400
    where = f"TestGraded.{field} ('{field}'): "
    assert caught.value.reason.startswith((f"{where}not a number", f"{where}not a finite number"))


@pytest.mark.parametrize("number", [b"1e400", b"NaN", b"-Infinity", b"1" + b"0" * 400])
def test_a_json_number_beyond_a_double_is_400(number: bytes) -> None:
    data = body(GRADED, marks_scored=0).replace(b'"marks_scored":0', b'"marks_scored":' + number)
    with pytest.raises(WebhookRejected) as caught:
        parse(data)
    assert caught.value.status == 400
    # A number the JSON reader takes (an integer of any size) is refused naming the field;
    # the forms no JSON reader takes (NaN, 1e400) make the body not JSON.
    assert caught.value.reason.startswith(("TestGraded.marks_scored ('marks_scored')", "body is not JSON"))


def test_finite_numbers_in_text_or_json_are_read() -> None:
    event = parse(body(GRADED, marks_scored=" 1.25e1 ", max_marks="+20", percentile=-0.5)).event
    assert isinstance(event, TestGraded)
    assert (event.marks_scored, event.max_marks, event.percentile) == (12.5, 20.0, -0.5)


def test_the_mettl_source_is_served() -> None:
    assert SOURCE.name == "mettl"
    assert SOURCE in webhook_sources()


# -- end to end ---------------------------------------------------------------------------------------


@attrs.frozen
class Receiver:
    url: str
    landing: Landing
    out: Path

    def rows(self) -> list[tuple[Any, ...]]:
        if not self.out.exists():
            return []
        with sqlite3.connect(self.out) as db:
            query = "SELECT access_key, email, status, total_marks FROM mettl_results ORDER BY email"
            return db.execute(query).fetchall()


#: The account the receiver lands deliveries under, and harvests of it name.
ACCOUNT = "acme"


@pytest.fixture
async def receiver(tmp_path: Path) -> AsyncIterator[Receiver]:
    out = tmp_path / "results.sqlite"
    landing = Landing(out, "sqlite", account=ACCOUNT)
    runner = web.AppRunner(application([SOURCE], landing, token=TOKEN), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield Receiver(f"http://127.0.0.1:{runner.addresses[0][1]}/mettl", landing, out)
    landing.close()
    await runner.cleanup()


@pytest.fixture
async def rest() -> AsyncIterator[tuple[SandboxServer, MettlRestSandbox]]:
    sandbox = MettlRestSandbox(MettlRestConfig(candidates=20))
    async with SandboxServer(sandbox) as server:
        yield server, sandbox


async def notified_schedule(server: SandboxServer, url: str, emails: list[str]) -> str:
    """A schedule whose three notification URLs are ``url``, with ``emails`` registered."""
    sandbox = server.sandbox
    assert isinstance(sandbox, MettlRestSandbox)
    spec = ScheduleSpec(
        name="Hooked",
        source_app="hr-suite",
        test_start_notification_url=url,
        test_finish_notification_url=url,
        test_graded_notification_url=url,
    )
    async with server.client() as mettl:
        created = await mettl.schedules.create(next(iter(sandbox.world.assessments)), spec)
        assert created.access_key is not None
        regs = [
            CandidateRegistration(e, {"First Name": e.split("@")[0]}, context_data=f"ref-{e}") for e in emails
        ]
        await mettl.candidates.register(created.access_key, regs)
    return created.access_key


async def test_results_pushed_and_pulled_end_in_one_table(
    receiver: Receiver, rest: tuple[SandboxServer, MettlRestSandbox]
) -> None:
    server, sandbox = rest
    key = await notified_schedule(server, f"{receiver.url}?token={TOKEN}", ["a@example.org", "b@example.org"])
    sent = await sandbox.complete(key, "a@example.org")
    assert [(n.event, n.status) for n in sent] == [("started", 200), ("finished", 200), ("graded", 200)]
    sent_b = await sandbox.start(key, "b@example.org")
    graded = sent[2]
    payload = orjson.loads(graded.body)
    assert payload["assessmentId"] == sandbox.world.schedules[key].assessment_id
    assert isinstance(payload["sectional_scores"], str)
    finished = orjson.loads(sent[1].body)
    assert "assessment_id" in finished  # snake_case in the finish event, camelCase in the graded one
    assert "assessmentId" not in finished
    marks = payload["marks_scored"]
    assert receiver.rows() == [
        (key, "a@example.org", "Completed", marks),
        (key, "b@example.org", "InProgress", None),
    ]
    assert receiver.landing.landed == 4

    # A redelivery is acknowledged and changes nothing.
    again = await sandbox.deliver(graded)
    assert again.status == 200
    assert receiver.landing.landed == 4
    assert len(receiver.rows()) == 2

    # Pulled results land on the same rows (same table, same key), once the receiver has
    # stopped: while it writes the file, a harvest into it is refused (one writer per output).
    async with server.client(account_name=ACCOUNT) as mettl:  # the account the receiver lands under

        async def pull() -> int:
            return await harvest_to(
                mettl,
                kinds()["schedule-results"],
                {"schedule": key},
                receiver.out,
                "sqlite",
                resume=False,
                page_size=None,
                quiet=True,
            )

        with pytest.raises(OutputBusyError, match=f"being written by another process \\(pid {os.getpid()}"):
            await pull()
        receiver.landing.close()
        assert await pull() == 0
    rows = receiver.rows()
    assert [r[:3] for r in rows] == [
        (key, "a@example.org", "Completed"),
        (key, "b@example.org", "InProgress"),
    ]
    assert rows[0][3] == marks
    assert sent_b[0].event == "started"


async def test_bad_input_and_a_wrong_token_write_nothing(receiver: Receiver) -> None:
    async with aiohttp.ClientSession() as http:
        for url, data, status, text in (
            (f"{receiver.url}?token=wrong", body(GRADED), 401, "missing or wrong token"),
            (receiver.url, body(GRADED), 401, "missing or wrong token"),
            (f"{receiver.url}?token={TOKEN}", b"{", 400, "body is not JSON"),
            (
                f"{receiver.url}?token={TOKEN}",
                body(GRADED, email="x"),
                400,
                "email: must be an e-mail address",
            ),
        ):
            async with http.post(url, data=data, headers={"Content-Type": "application/json"}) as response:
                assert (response.status, (await response.text())[: len(text)]) == (status, text)
    assert not receiver.out.exists()
    assert receiver.landing.landed == 0


async def test_the_sandbox_delivers_again_after_a_receiver_failure(
    rest: tuple[SandboxServer, MettlRestSandbox],
) -> None:
    server, sandbox = rest
    got: list[Delivery] = []

    def flaky(delivery: Delivery) -> None:
        got.append(delivery)
        if len(got) == 1:
            raise RuntimeError("database down")

    app = web.Application()
    app.router.add_route("*", "/hook", aiohttp_handler(SOURCE, flaky, token=None))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        key = await notified_schedule(
            server, f"http://127.0.0.1:{runner.addresses[0][1]}/hook", ["c@example.org"]
        )
        (started,) = await sandbox.start(key, "c@example.org")
    finally:
        await runner.cleanup()
    assert (started.status, started.attempts) == (200, 2)
    assert [d.key for d in got] == [got[0].key, got[0].key]


async def test_automatic_completion_posts_every_event(receiver: Receiver) -> None:
    sandbox = MettlRestSandbox(MettlRestConfig(candidates=4, auto_complete=0.01))
    async with SandboxServer(sandbox) as server:
        key = await notified_schedule(
            server, f"{receiver.url}?token={TOKEN}", ["d@example.org", "e@example.org"]
        )
        await asyncio.wait_for(sandbox.idle(), 10)
    assert (
        sorted(n.event for n in sandbox.notifications) == ["finished"] * 2 + ["graded"] * 2 + ["started"] * 2
    )
    assert all(n.delivered for n in sandbox.notifications)
    assert [r[:3] for r in receiver.rows()] == [
        (key, "d@example.org", "Completed"),
        (key, "e@example.org", "Completed"),
    ]


_ODD_TEXT = [
    "",
    " ",
    "Fri, 16 Aug 2024 13:14:21 GMT",
    "Jan 0, 2147483648 1:0:0 AM",
    "[1,2]",
    '{"a":1}',
    "1e400",
]
_ODD = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
        st.sampled_from(_ODD_TEXT),
        st.just(orjson.loads(b"[" * 900 + b"]" * 900)),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=list(HealthCheck))
@given(
    event=st.sampled_from([FINISHED, GRADED]),
    changes=st.dictionaries(st.sampled_from(sorted({*FINISHED, *GRADED})), _ODD, max_size=4),
)
def test_any_event_is_a_delivery_that_lands_or_a_rejection(
    event: dict[str, Any], changes: dict[str, Any]
) -> None:
    try:
        delivery = parse(json.dumps({**event, **changes}).encode())
    except WebhookRejected as rejected:
        status = rejected.status
    else:
        status = 200
        assert delivery.kind.rows(delivery.record)
    assert status in (200, 400)
