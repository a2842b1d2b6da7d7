"""Mettl's webhooks, the pure parse: the finish and graded events in their own spellings, exact
numbers, each malformation refused with 400 naming the problem, and any event, however odd, either
a delivery that lands or a rejection."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mettl_async.mettl_rest.harvest import SCHEDULE_RESULTS
from mettl_async.mettl_rest.webhooks import SOURCE, TestFinished, TestGraded, TestStarted, event_kind, parse
from mettl_async.platforms import webhook_sources
from mettl_async.webhooks import WebhookRejected
from tests.support.examples import examples
from tests.support.mettl_webhook_samples import FINISHED, GRADED, TOKEN, body

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
