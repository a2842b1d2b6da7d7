"""iTEP's results webhook: the pure parser, both status vocabularies, 4xx for malformed input,
idempotence on (TestID, Status), and the rows it lands as."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mettl_async.core.jsoncodec import dumps
from mettl_async.itep.harvest import RESULT_COLUMNS, RESULTS, rows_of_result
from mettl_async.itep.results import SectionResult, Stage, parse_result, stage_of
from mettl_async.itep.webhooks import SOURCE, parse
from mettl_async.platforms import webhook_sources
from mettl_async.webhooks import Delivery, RecentKeys, WebhookRejected, receive
from mettl_async.webhooks.landing import Landing
from tests.support.examples import examples

FORM = "application/x-www-form-urlencoded"

GRADED: dict[str, Any] = {
    "OID": "100234",
    "TestID": "123982B8AP",
    "Duration": "01:12:40",
    "TestDate": "3/7/2024",
    "TestMonth": "3",
    "TestDay": "7",
    "TestYear": "2024",
    "score_report_url": "https://example.com/report/123982B8AP",
    "Overall_Level": 4,
    "Overall_cefr": "B2",
    "Status": "Complete",
    "Grammar_Level": "4",
    "Grammar_Score": "4.6",
    "Listening_Level": 5,
    "Listening_Score": 5.1,
    "Reading_Level": 3,
    "Reading_Score": 3.9,
    "Writing_Level": 4,
    "Writing_Score": 4,
    "Speaking_Level": 4,
    "Speaking_Score": "4.2",
    "Vocabulary_Level": 2,
    "Vocabulary_Score": 2.5,
    "Partner_Note": "kept",
}


def form(data: Any) -> bytes:
    text = data if isinstance(data, str) else dumps(data).decode()
    return urlencode({"data": text}).encode()


def test_a_graded_result_parses_to_typed_fields_and_sections() -> None:
    result = parse_result(GRADED)
    assert (result.test_id, result.status, result.stage) == ("123982B8AP", "Complete", Stage.COMPLETE)
    assert result.oid == "100234"
    assert result.duration == "01:12:40"
    assert result.test_date == date(2024, 3, 7)
    assert (result.overall_level, result.overall_cefr) == (4, "B2")
    assert result.score_report_url == "https://example.com/report/123982B8AP"
    assert list(result.sections) == ["Grammar", "Listening", "Reading", "Writing", "Speaking", "Vocabulary"]
    assert result.sections["Grammar"] == SectionResult(level=4, score=4.6)
    assert result.sections["Writing"] == SectionResult(level=4, score=4.0)
    assert result.sections["Vocabulary"] == SectionResult(level=2, score=2.5)
    assert result.extra == {"Partner_Note": "kept"}
    assert result.key == ("123982B8AP", "Complete")


def test_an_ungraded_result_has_no_levels() -> None:
    result = parse_result(
        {"TestID": "123982B8AP", "Status": "Finished", "Overall_Level": "", "Overall_cefr": "", "OID": 100234}
    )
    assert result.stage is Stage.FINISHED
    assert (result.overall_level, result.overall_cefr, result.test_date) == (None, None, None)
    assert result.oid == "100234"
    assert result.sections == {}


OLDER = [
    "Ready",
    "Started",
    "Finished",
    "Review",
    "Technical Difficulty",
    "Invalidated",
    "Completed",
    "Disabled",
]
NEWER = ["Ready", "Incomplete", "Finished", "Review", "Problem", "Invalidated", "Complete", "Disabled"]


@pytest.mark.parametrize(("older", "newer"), list(zip(OLDER, NEWER, strict=True)))
def test_both_status_vocabularies_mean_the_same_stages(older: str, newer: str) -> None:
    assert stage_of(older) is stage_of(newer) is not Stage.UNKNOWN
    for word in (older, newer):
        result = parse_result({"TestID": "123982B8AP", "Status": word})
        assert result.status == word
        assert result.key == ("123982B8AP", word)


def test_every_stage_is_reached_and_spelling_variants_are_read() -> None:
    assert {stage_of(w) for w in OLDER + NEWER} == set(Stage) - {Stage.UNKNOWN}
    assert stage_of("technical  difficulty") is Stage.PROBLEM
    assert stage_of("COMPLETED") is Stage.COMPLETE


def test_an_unknown_status_is_kept() -> None:
    result = parse_result({"TestID": "123982B8AP", "Status": "Archived"})
    assert (result.status, result.stage) == ("Archived", Stage.UNKNOWN)
    assert rows_of_result(result.raw)[0]["status"] == "Archived"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"TestID": None}, "TestID: is required"),
        ({"TestID": "  "}, "TestID: is required"),
        ({"TestID": "12 34"}, "TestID: must be a test ID"),
        ({"TestID": 123982}, "TestID: must be text"),
        ({"Status": None}, "Status: is required"),
        ({"Status": 3}, "Status: must be text"),
        ({"TestDate": "2024-03-07", "TestMonth": None}, "TestDate: must be M/D/YYYY"),
        ({"TestDate": "13/7/2024", "TestMonth": None}, "TestDate: '13/7/2024' is not a date"),
        ({"TestDate": "7/3/2024"}, "TestDate: '7/3/2024' (month first) disagrees with"),
        ({"TestMonth": "13"}, "TestMonth: must be from 1 to 12"),
        ({"TestDay": "31", "TestMonth": "2", "TestDate": None}, "TestMonth/TestDay/TestYear: not a date"),
        ({"Overall_Level": 7}, "Overall_Level: must be from 0 to 6"),
        ({"Overall_Level": "4.5"}, "Overall_Level: must be a whole number"),
        ({"Overall_Level": True}, "Overall_Level: must be a whole number"),
        ({"Grammar_Level": "high"}, "Grammar_Level: must be a whole number"),
        ({"Listening_Score": -1}, "Listening_Score: must be a finite number of at least 0"),
        ({"Reading_Score": "n/a"}, "Reading_Score: must be a number"),
        ({"Reading_Score": 10**400}, "Reading_Score: must be a finite number"),
        ({"Reading_Score": "1" * 400}, "Reading_Score: must be a finite number"),
        ({"OID": 10**30, "Overall_Level": 10**30}, "Overall_Level: must be from 0 to 6"),
        ({"Overall_cefr": ["B2"]}, "Overall_cefr: must be text"),
        ({"score_report_url": {"href": "x"}}, "score_report_url: must be text"),
    ],
)
def test_malformed_results_are_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    data = {k: v for k, v in (GRADED | changes).items() if v is not None}
    with pytest.raises(WebhookRejected) as caught:
        parse(form(data), FORM)
    assert caught.value.status == 400
    assert caught.value.reason.startswith(field)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "reason"),
    [
        (form(GRADED), "application/json", 415, "expected a form post"),
        (orjson.dumps(GRADED), "", 415, "expected a form post"),
        (b"data", FORM, 400, "body: not a form"),
        (b"result=%7B%7D", FORM, 400, "data: missing"),
        (b"", FORM, 400, "data: missing"),
        (b"data=", FORM, 400, "data: empty"),
        (form(GRADED) + b"&" + form(GRADED), FORM, 400, "data: given 2 times"),
        (form("{not json"), FORM, 400, "data: not JSON"),
        (form('{"TestID":"123982B8AP","Status":"Complete"}}'), FORM, 400, "data: not JSON"),
        (form([GRADED]), FORM, 400, "data: must be a JSON object"),
        (b"data=%FF", FORM, 400, "body: not UTF-8"),
        (b"data=\xff", FORM, 400, "body: not UTF-8"),
    ],
)
def test_malformed_posts_get_4xx(body: bytes, content_type: str, status: int, reason: str) -> None:
    with pytest.raises(WebhookRejected) as caught:
        parse(body, content_type)
    assert (caught.value.status, caught.value.reason[: len(reason)]) == (status, reason)


def test_a_post_becomes_a_delivery_keyed_on_test_id_and_status() -> None:
    delivery = parse(form(GRADED), "application/x-www-form-urlencoded; charset=UTF-8")
    assert (delivery.source, delivery.key, delivery.kind) == ("itep", ("123982B8AP", "Complete"), RESULTS)
    assert delivery.record == GRADED
    assert delivery.event.overall_level == 4
    assert SOURCE in webhook_sources()


def test_a_result_becomes_one_row_of_the_itep_results_table() -> None:
    (row,) = rows_of_result(GRADED)
    assert list(row) == list(RESULT_COLUMNS)
    assert RESULTS.table == "itep_results"
    assert RESULTS.key == ("test_id", "status")
    assert row["test_date"] == "2024-03-07"
    assert (row["grammar_level"], row["grammar_score"], row["speaking_score"]) == (4, 4.6, 4.2)
    assert orjson.loads(row["other_sections"]) == {"Vocabulary": {"level": 2, "score": 2.5, "cefr": None}}
    assert orjson.loads(row["extra"]) == {"result": {"Partner_Note": "kept"}}


async def test_receive_is_idempotent_on_test_id_and_status_and_checks_the_token() -> None:
    landed: list[Delivery] = []
    recent = RecentKeys()

    async def deliver(data: dict[str, Any], token: str | None) -> tuple[int, str]:
        return await receive(
            SOURCE, form(data), FORM, landed.append, token=token, expected_token="T", recent=recent
        )

    assert await deliver(GRADED, "T") == (200, "received")
    assert await deliver(GRADED, "T") == (200, "already received")
    finished = {"TestID": "123982B8AP", "Status": "Finished"}
    assert await deliver(finished, "T") == (200, "received")
    assert (await deliver(GRADED | {"TestID": "999999Z9AP"}, token="wrong"))[0] == 401
    assert (await deliver(GRADED | {"TestID": "999999Z9AP"}, token=None))[0] == 401
    assert (await deliver(GRADED | {"Overall_Level": 9}, "T"))[0] == 400
    assert [d.key for d in landed] == [("123982B8AP", "Complete"), ("123982B8AP", "Finished")]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "sqlite"])
async def test_a_redelivery_lands_once_in_every_format(tmp_path: Path, fmt: str) -> None:
    landing = Landing(tmp_path / f"results.{fmt}", fmt)
    try:
        for data in (GRADED, GRADED, GRADED | {"Status": "Review"}):
            await landing(parse(form(data), FORM))
    finally:
        landing.close()
    assert landing.landed == 2
    if fmt == "csv":
        table = list(csv.reader((tmp_path / "results-itep-results.csv").read_text().splitlines()))
        assert table[0] == ["account", *RESULT_COLUMNS]
        assert [row[:3] for row in table[1:]] == [
            ["default", "123982B8AP", "Complete"],  # the receiver's account, told of none
            ["default", "123982B8AP", "Review"],
        ]


@pytest.mark.parametrize("field", ["Overall_Score", "Grammar_Score", "Overall_Level", "Reading_Level"])
@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity", "1e400", 10**400, "\u0664"])
def test_a_number_that_is_not_finite_is_400_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(WebhookRejected) as caught:
        parse(form(GRADED | {field: value}), FORM)
    assert caught.value.status == 400
    assert caught.value.reason.startswith(f"{field}: must be ")


def parse_or_status(body: bytes) -> Delivery | int:
    """The delivery, or the HTTP status it was refused with; any other exception fails the test."""
    try:
        return parse(body, FORM)
    except WebhookRejected as rejected:
        return rejected.status


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
FIELD_NAMES = st.sampled_from([*GRADED, "Overall_Score", "X_cefr", "x_level", "_Level"])


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.dictionaries(FIELD_NAMES, JSON_VALUES | st.sampled_from(list(GRADED.values())), max_size=12),
    base=st.booleans(),
)
def test_any_data_object_is_a_delivery_or_a_4xx(data: dict[str, Any], base: bool) -> None:
    outcome = parse_or_status(form((GRADED if base else {}) | data))
    if isinstance(outcome, int):
        assert 400 <= outcome < 500
        return
    (row,) = rows_of_result(outcome.record)
    assert (row["test_id"], row["status"]) == outcome.key


@settings(max_examples=examples(300), deadline=None)
@given(body=st.binary(max_size=200) | st.text(max_size=200).map(lambda t: urlencode({"data": t}).encode()))
def test_any_body_is_a_delivery_or_a_4xx(body: bytes) -> None:
    outcome = parse_or_status(body)
    assert isinstance(outcome, Delivery) or 400 <= outcome < 500
