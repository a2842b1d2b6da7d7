"""Defects found by trying what landed the way users and hostile servers would (issue 6), in values:
only the library's own exceptions leave the decoding layer, and wrong types are clear errors, never
silently different values (integers of any size, JSON of any depth, read and written back exactly).
Each test here failed on the code before its fix."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from mettl_async import InputError, MalformedResponseError, TimestampError, ValidationError
from mettl_async.certicheck.models import ApplicantRegistration, Test, TestAllocation, TestRef
from mettl_async.core.records import parse
from mettl_async.core.request import Request
from mettl_async.core.responses import parse_http_date, parse_retry_after
from mettl_async.mettlfamily.codes import decode_certicheck
from mettl_async.testing import SandboxThread

# -- 5. only the library's own exceptions leave the decoding layer ------------------------------


@pytest.mark.parametrize(
    "value",
    ["Mon, 01 Jan 99999999999 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 +9999", "Mon, 99 Zzz 2024 99:99:99"],
)
def test_impossible_http_dates_read_as_none(value: str) -> None:
    assert parse_http_date(value) is None
    assert parse_retry_after(value, "Mon, 01 Jan 2024 00:00:00 GMT") is None


def test_an_e504_with_an_impossible_date_is_still_a_timestamp_error() -> None:
    body = b'{"status": "ERROR", "error": {"code": "E504", "message": "Invalid Timestamp"}}'
    with pytest.raises(TimestampError) as caught:
        decode_certicheck(200, {"Date": "Mon, 01 Jan 99999999999 00:00:00 GMT"}, body, "json")
    assert caught.value.server_time is None


@pytest.mark.parametrize(
    "value", ["Jan 0, 2147483648 1:0:0 AM", 10**30, "Jan 14, 99999 1:00:00 AM", -(10**20)]
)
def test_impossible_model_dates_are_malformed_responses(value: Any) -> None:
    from mettl_async.certicheck.models import Certificate

    with pytest.raises(MalformedResponseError, match="testDate"):
        parse(Certificate, {"testDate": value})


# -- 9. wrong types are clear errors, never silently different values ---------------------------


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ApplicantRegistration("z@x.org", ["First Name"]), "fields"),  # type: ignore[arg-type]
        (lambda: TestAllocation("e@x.org", add=[5]), "add[0]"),  # type: ignore[list-item]
        (lambda: TestAllocation("e@x.org", add=[TestRef("5")]), "test_id"),  # type: ignore[arg-type]
        (lambda: ApplicantRegistration("z@x.org", {"First Name": 5}), "fields['First Name']"),  # type: ignore[dict-item]
    ],
)
def test_wrong_input_types_are_input_errors(build: Callable[[], Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        build()
    assert caught.value.field == field


async def test_register_with_plain_addresses_is_an_input_error(certicheck_sandbox: SandboxThread) -> None:
    async with certicheck_sandbox.client() as client:
        with pytest.raises(InputError) as caught:
            await client.applicants.register(["a@x.org"])  # type: ignore[list-item]
    assert caught.value.field == "applicants[0]"
    assert not certicheck_sandbox.sandbox.requests


@pytest.mark.parametrize(
    ("record", "field"),
    [({"testId": 3.9}, "testId"), ({"testName": {"a": 1}}, "testName"), ({"testId": True}, "testId")],
)
def test_response_fields_of_the_wrong_type_are_named(record: dict[str, Any], field: str) -> None:
    with pytest.raises(MalformedResponseError, match=f"'{field}'"):
        parse(Test, record)


def test_a_30_digit_id_stays_that_id_in_the_model_and_the_output() -> None:
    body = b'{"status":"SUCCESS","tests":[{"testId":123456789012345678901234567890,"testName":"x"}]}'
    payload = decode_certicheck(200, {}, body, "json")
    assert parse(Test, payload["tests"][0]).test_id == 123456789012345678901234567890
    from mettl_async.core.jsoncodec import dumps

    assert dumps(payload["tests"][0]) == b'{"testId":123456789012345678901234567890,"testName":"x"}'
    assert orjson.loads(b'{"a":1}') == {"a": 1}


#: Where orjson's exact range ends: [-2**63, 2**64); a 19-digit negative can already be outside.
EDGE_INTEGERS = [2**63 - 1, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, -(10**19) + 1, 10**19, -(10**30)]


@pytest.mark.parametrize("number", EDGE_INTEGERS)
def test_integers_at_and_beyond_64_bits_are_read_exactly_wherever_json_is_read(number: int) -> None:
    from mettl_async.core.jsoncodec import loads_exact, parse_json
    from mettl_async.core.readers import parse_json_object
    from mettl_async.harvest.postgresql import json_value

    text = f'{{"id":{number},"note":"x"}}'
    assert loads_exact(text) == {"id": number, "note": "x"}
    assert parse_json(text.encode()) == {"id": number, "note": "x"}
    assert parse_json_object(text) == {"id": number, "note": "x"}
    landed = json_value({"id": number, "note": "a\x00b"}, encoded=False)
    assert landed is not None
    assert json.loads(landed)["id"] == number


@pytest.mark.parametrize(
    "body", [b"[18446744073709551616, NaN]", b"[18446744073709551616, 1e400]", b"[" * 5000 + b"1" * 20]
)
def test_the_exact_parser_refuses_what_orjson_refuses(body: bytes) -> None:
    from mettl_async.core.jsoncodec import NOT_JSON, loads_exact, parse_json

    assert parse_json(body) is NOT_JSON
    with pytest.raises(ValueError, match=r"JSON|range|deeply|Expecting"):
        loads_exact(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"p":"12345678901234567890","n":"\\ud800"}',  # a lone surrogate escape
        b'{"p":"12345678901234567890","n":"\xed\xa0\x80"}',  # an encoded surrogate
        b'\xef\xbb\xbf{"p":12345678901234567890}',  # a byte-order mark
        '{"p":12345678901234567890}'.encode("utf-16"),
    ],
)
def test_the_exact_parser_refuses_text_orjson_refuses(body: bytes) -> None:
    """A body sent to the standard library's parser (it holds a 20-digit run) is held to
    orjson's rules, so that what is read can always be written back."""
    from mettl_async.core.jsoncodec import NOT_JSON, parse_json

    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(body)
    assert parse_json(body) is NOT_JSON


def test_a_surrogate_pair_is_read_by_either_parser() -> None:
    from mettl_async.core.jsoncodec import dumps, parse_json

    body = b'{"p":12345678901234567890,"n":"\\ud83d\\ude00"}'
    assert parse_json(body) == {"p": 12345678901234567890, "n": "\U0001f600"}
    assert dumps(parse_json(body)) == '{"p":12345678901234567890,"n":"\U0001f600"}'.encode()


def test_the_writer_refuses_bytes_as_orjson_does() -> None:
    from mettl_async.core.jsoncodec import dumps

    with pytest.raises(TypeError):
        dumps({"a": b"xyz", "big": 10**30})


DEEP = b"[" * 1000 + b"]" * 1000  # orjson reads 1,024 levels but writes only 255
#: Deeper than orjson writes, within what the standard library reads (a body holding a big
#: integer is read by it; one with a big integer *and* 1,000 levels is refused as not JSON).
DEEPER_THAN_ORJSON_WRITES = b"[" * 400 + b"]" * 400


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":' + DEEP + b"}",
        b'{"a":[1,{"b":123456789012345678901234567890,"c":"\xc3\xa9\\n\\u0000","k":[]}],"d":null,"e":true}',
        b'[{"f":1.5,"g":{},"h":-9223372036854775809},' + DEEPER_THAN_ORJSON_WRITES + b"]",
    ],
)
def test_what_was_read_is_written_back_byte_for_byte_at_any_size_and_depth(body: bytes) -> None:
    from mettl_async.core.jsoncodec import dumps, parse_json

    assert dumps(parse_json(body)) == body


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ({"a\x00": "x\x00y"}, {"a\ufffd": "x\ufffdy"}),
        ({"a": "\\u0000"}, {"a": "\\u0000"}),  # a backslash and "u0000": not a NUL
        (
            {"a": "\\\x00", "deep": orjson.loads(DEEPER_THAN_ORJSON_WRITES)},
            {"a": "\\\ufffd", "deep": orjson.loads(DEEPER_THAN_ORJSON_WRITES)},
        ),
    ],
)
def test_postgresql_gets_json_without_nul_and_nothing_else_changed(value: Any, stored: Any) -> None:
    from mettl_async.core.jsoncodec import dumps
    from mettl_async.harvest.postgresql import json_value, text_value

    for landed in (json_value(value, encoded=False), json_value(dumps(value).decode(), encoded=True)):
        assert landed is not None
        assert "\\u0000" not in landed.replace("\\\\", "")
        assert json.loads(landed) == stored
    assert text_value("x\x00y") == "x\ufffdy"  # a text column's


async def test_a_validation_error_names_the_code(certicheck_sandbox: SandboxThread) -> None:
    async with certicheck_sandbox.client() as client:
        with pytest.raises(ValidationError, match="E026"):
            await client.session.request(Request("GET", "/tests", {"status": "Nope"}, safe_to_repeat=True))
