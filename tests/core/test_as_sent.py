"""A list page read with its records kept as sent (each object's text, never decoded): the rest of
the body reads as it would decoded, the records decode to what a decoded page holds, a body of
another shape reads as without it, and the walk names a record alike from its text and decoded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mettl_async.certicheck.services import RESULTS, SLOT_CANDIDATES, TESTS
from mettl_async.core.jsoncodec import NOT_JSON, AsSent, json_lines, loads_exact, parse_json
from mettl_async.core.paginator import ListEndpoint, Page
from mettl_async.core.paging_styles import OffsetPaging, PageData, PagePosition
from mettl_async.mettl_rest.lists import schedule_results
from tests.core.test_hostile_responses import bodies, json_values
from tests.support.examples import examples

APPLICANTS = AsSent(("applicants",))
records = st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=5), max_size=5)
spacing = st.sampled_from([None, 0, 2])  # compact, newlines alone, pretty-printed


def body_of(payload: Any, indent: int | None) -> bytes:
    return json.dumps(payload, indent=indent, ensure_ascii=False).encode()


@settings(max_examples=examples(200), deadline=None, suppress_health_check=list(HealthCheck))
@given(listed=records, rest=st.dictionaries(st.text(max_size=8), json_values, max_size=3), indent=spacing)
def test_records_kept_as_sent_decode_to_the_decoded_page(
    listed: list[dict[str, Any]], rest: dict[str, Any], indent: int | None
) -> None:
    body = body_of({**rest, "applicants": listed}, indent)
    kept, decoded = parse_json(body, APPLICANTS), parse_json(body)
    assert [loads_exact(text) for text in kept["applicants"]] == decoded["applicants"]
    assert {k: v for k, v in kept.items() if k != "applicants"} == {
        k: v for k, v in decoded.items() if k != "applicants"
    }
    lines = json_lines(kept["applicants"]).splitlines()  # one line each, however the server spaced
    assert [loads_exact(line) for line in lines] == decoded["applicants"]


@settings(max_examples=examples(300), deadline=None)
@given(body=bodies())
def test_a_body_of_another_shape_reads_as_without_as_sent(body: bytes) -> None:
    kept = parse_json(body, APPLICANTS)
    assert kept is NOT_JSON if parse_json(body) is NOT_JSON else kept == parse_json(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"applicants": [{"email": "\xff"}]}',  # not UTF-8
        b'{"applicants": [{"email": "\\ud800"}]}',  # a lone surrogate
        b'{"applicants": [{"email": NaN}]}',
        b'{"applicants": [{"email": "a"}], "paging": 1e400}',
    ],
)
def test_what_decoding_refuses_is_refused_as_sent_too(body: bytes) -> None:
    assert parse_json(body) is NOT_JSON
    assert parse_json(body, APPLICANTS) is NOT_JSON


@pytest.mark.parametrize(
    ("payload", "kept"),
    [
        ({"applicants": None}, []),
        ({"slotDetails": {"candidateDetailsList": [{"a": 1}]}}, [b'{"a":1}']),
        ({"results": [{"b": 2}]}, [b'{"b":2}']),  # the second of two paths
    ],
)
def test_records_are_found_where_a_decoded_page_has_them(payload: dict[str, Any], kept: list[bytes]) -> None:
    paths = AsSent(("candidates", "results", "slotDetails.candidateDetailsList", "applicants"))
    found = parse_json(json.dumps(payload, separators=(",", ":")).encode(), paths)
    texts = [value for value in found.values() if isinstance(value, list)]
    texts += [v for value in found.values() if isinstance(value, dict) for v in value.values()]
    assert [bytes(text) for text in texts[0]] == kept


KEYED_BY_A_FUNCTION = ListEndpoint(
    "/x", "x", lambda r: r, OffsetPaging(default_limit=20, max_limit=500), key=lambda r: r.get("id")
)


@pytest.mark.parametrize("endpoint", [RESULTS, TESTS, SLOT_CANDIDATES, KEYED_BY_A_FUNCTION])
@settings(max_examples=examples(100), deadline=None, suppress_health_check=list(HealthCheck))
@given(
    record=st.fixed_dictionaries(
        {},
        optional={
            "email": st.one_of(st.text(max_size=6), json_values),
            "testId": json_values,
            "status": json_values,
            "id": st.integers(-(10**30), 10**30),
        },
    ),
    indent=spacing,
)
def test_a_record_is_named_alike_from_its_text_and_decoded(
    endpoint: ListEndpoint[Any], record: dict[str, Any], indent: int | None
) -> None:
    (text,) = parse_json(body_of({"applicants": [record]}, indent), APPLICANTS)["applicants"]
    assert endpoint.fingerprint(text) == endpoint.fingerprint(record)


def test_a_record_sent_without_its_stamp_gets_it_first() -> None:
    endpoint = schedule_results("/schedules/k1/candidates", "k1")
    sent = [b'{"email" : "a@x.com"}', b"{ }", b'{"accessKey":"own","email":"b@x.com"}']
    texts = parse_json(b'{"candidates":[' + b",".join(sent) + b"]}", AsSent(("candidates",)))["candidates"]
    page: Page[Any] = endpoint.page(PageData(texts, {}, {}), PagePosition(0, 20))
    assert [bytes(text) for text in page.records] == [
        b'{"accessKey":"k1","email" : "a@x.com"}',
        b'{"accessKey":"k1" }',  # its own spacing kept
        b'{"accessKey":"own","email":"b@x.com"}',
    ]
    decoded = endpoint.page(PageData([loads_exact(text) for text in sent], {}, {}), PagePosition(0, 20))
    assert [loads_exact(text) for text in page.records] == decoded.records
    assert [item.raw for item in page.items] == decoded.records  # typed models keep .raw
