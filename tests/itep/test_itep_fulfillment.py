"""iTEP fulfillment: every input rule before sending, the answer's decoding, and calls over loopback."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
import pytest

from mettl_async.core.errors import (
    ApiError,
    AuthenticationError,
    ConflictError,
    InputError,
    MalformedResponseError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ValidationError,
)
from mettl_async.itep.auth import SignatureEncoding, sign_body
from mettl_async.itep.codes import decode_fulfillment
from mettl_async.itep.models import REGISTRATION_FIELDS, FulfillmentRequest, closest_field
from mettl_async.testing import SandboxThread
from mettl_async.testing.itep import ItepSandbox, SandboxConfig

# -- input rules, before anything is sent --------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "gtx-Academic-Plus",
        "ABC-Academic",
        "GTX-",
        "GTX Academic",
        "GTX-Academic Plus",
        " GTX-A",
        "GTXAcad",
        5,
    ],
)
def test_product_codes_must_be_gtx_or_stx_and_a_test_type(code: Any) -> None:
    with pytest.raises(InputError) as caught:
        FulfillmentRequest.build(code)
    assert caught.value.field == "product-code"
    assert "GTX-<test type> or STX-<test type>" in caught.value.rule


def test_stx_needs_an_email_and_gtx_does_not() -> None:
    with pytest.raises(InputError, match="email: is required for STX"):
        FulfillmentRequest.build("STX-Academic-Plus")
    assert FulfillmentRequest.build("GTX-Academic-Plus").body() == {"product-code": "GTX-Academic-Plus"}
    stx = FulfillmentRequest.build("STX-Academic-Plus", email=" mary@example.com ")
    assert stx.email == "mary@example.com"
    assert stx.group == "STX"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"email": "mary@example.com", "bcc": "nobody"}, "bcc"),
        ({"email": "mary@example.com", "bcc": 7}, "bcc"),
    ],
)
def test_emails_are_checked(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        FulfillmentRequest.build("STX-Business", **fields)
    assert caught.value.field == field


def test_bcc_belongs_to_stx_only() -> None:
    with pytest.raises(InputError, match="bcc: only STX product codes send an e-mail"):
        FulfillmentRequest.build("GTX-Business", bcc="archive@example.com")


@pytest.mark.parametrize("track", ["", "  ", " RC", 12])
def test_track_must_be_a_code(track: Any) -> None:
    with pytest.raises(InputError) as caught:
        FulfillmentRequest.build("GTX-Business", track=track)
    assert caught.value.field == "track"


@pytest.mark.parametrize(
    ("assigned_to", "field", "rule"),
    [
        ("Mary", "assigned-to", "must be a JSON object"),
        ([{"name": "Mary"}], "assigned-to", "must be a JSON object"),
        ({}, "assigned-to", "must not be an empty object"),
        ({"score": math.nan}, "assigned-to.score", "finite number"),
        ({"score": math.inf}, "assigned-to.score", "finite number"),
        ({"nested": {"id": 2**70}}, "assigned-to.nested.id", "too large"),
        ({"ids": [1, b"x"]}, "assigned-to.ids[1]", "must be a JSON value"),
        ({1: "one"}, "assigned-to", "keys must be text"),
        ({"name": "\ud800"}, "assigned-to.name", "valid Unicode"),
    ],
)
def test_assigned_to_must_be_a_json_object_sent_exactly(assigned_to: Any, field: str, rule: str) -> None:
    with pytest.raises(InputError) as caught:
        FulfillmentRequest.build("GTX-Business", assigned_to=assigned_to)
    assert caught.value.field == field
    assert rule in caught.value.rule


@pytest.mark.parametrize(
    ("name", "closest"),
    [
        ("Last_name", "Last_Name"),
        ("FirstName", "First_Name"),
        ("first_name", "First_Name"),
        ("trStudentNumber", "trStudent_Number"),
        ("Feild_Of_Study", "Field_Of_Study"),
        ("DateOfBirth", None),
    ],
)
def test_an_unknown_registration_name_is_refused_with_the_closest_valid_one(
    name: str, closest: str | None
) -> None:
    with pytest.raises(InputError) as caught:
        FulfillmentRequest.build("GTX-Business", registration={"City": "Paris", name: "x"})
    assert caught.value.field == "registration"
    assert repr(name) in caught.value.rule
    suggestion = closest_field(name)
    assert suggestion in REGISTRATION_FIELDS
    assert f"did you mean {suggestion!r}?" in caught.value.rule
    if closest is not None:
        assert suggestion == closest


def test_registration_values_are_text_and_the_object_is_checked() -> None:
    with pytest.raises(InputError) as caught:
        FulfillmentRequest.build("GTX-Business", registration={"DOB_Year": 1990})
    assert caught.value.field == "registration.DOB_Year"
    with pytest.raises(InputError, match="registration: must be a JSON object"):
        FulfillmentRequest.build("GTX-Business", registration="Last_Name=Poppins")  # type: ignore[arg-type]


def test_the_document_lists_53_registration_fields_in_order() -> None:
    assert len(REGISTRATION_FIELDS) == len(set(REGISTRATION_FIELDS)) == 53
    assert (REGISTRATION_FIELDS[0], REGISTRATION_FIELDS[-1]) == ("Last_Name", "trBatch_Number")


def test_the_body_has_the_documents_names_in_its_order_and_leaves_out_unset_fields() -> None:
    request = FulfillmentRequest.build(
        "STX-Academic-Plus",
        registration={"Last_Name": "Poppins"},
        track="RC",
        email="mary@example.com",
        assigned_to={"student-name": "Mary Poppins", "id": 9810283},
    )
    assert list(request.body()) == ["product-code", "email", "track", "assigned-to", "registration"]


# -- the answer ----------------------------------------------------------------------------------


def decode(status: int, body: bytes, headers: dict[str, str] | None = None) -> tuple[str, Any]:
    return decode_fulfillment(status, headers or {}, body, "json")


def test_a_test_id_is_read_from_json_or_plain_text() -> None:
    assert decode(200, b'{"TestID":"123982B8AP","note":"x"}') == (
        "123982B8AP",
        {"TestID": "123982B8AP", "note": "x"},
    )
    assert decode(200, b"123982B8AP\n")[0] == "123982B8AP"
    assert decode(200, b'"123982B8AP"')[0] == "123982B8AP"


@pytest.mark.parametrize(
    "body", [b"", b"{}", b'{"TestID": 5}', b'{"testid":"123982B8AP"}', b"<html>ok</html>", b"[1]", b'"a b"']
)
def test_a_success_without_a_test_id_says_one_may_have_been_consumed(body: bytes) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        decode(200, body)
    assert "may have consumed a test ID" in str(caught.value)
    assert not caught.value.retryable


@pytest.mark.parametrize(
    ("status", "body", "kind", "message"),
    [
        (409, b'{"error":"no available test ID for Business"}', ConflictError, "no available test ID"),
        (400, b'{"error":"email: required"}', ValidationError, "email: required"),
        (401, b'{"message":"signature mismatch"}', AuthenticationError, "signature mismatch"),
        (404, b"no such product", NotFoundError, "no such product"),
        (429, b"", RateLimitedError, "rate limited"),
        (502, b"<html><h1>Bad Gateway</h1></html>", ServerError, "Bad Gateway"),
        (200, b'{"error":"account suspended"}', ApiError, "account suspended"),
    ],
)
def test_errors_map_to_the_shared_hierarchy(
    status: int, body: bytes, kind: type[ApiError], message: str
) -> None:
    with pytest.raises(kind, match=message) as caught:
        decode(status, body)
    assert caught.value.http_status == status


# -- over loopback -------------------------------------------------------------------------------


def recorded_body(sandbox: SandboxThread, index: int = -1) -> Any:
    return orjson.loads(sandbox.get(ItepSandbox).requests[index].body)


async def test_gtx_returns_an_available_test_id_and_records_assigned_to(itep_sandbox: SandboxThread) -> None:
    platform = itep_sandbox.get(ItepSandbox)
    available = {t.test_id for t in platform.inventory.available("Academic-Plus")}
    async with itep_sandbox.client() as itep:
        issued = await itep.fulfill(
            "GTX-Academic-Plus", track="RC", assigned_to={"student-name": "Mary Poppins", "id": 9810283}
        )
    assert issued.test_id in available
    assert not issued.emailed
    test = platform.inventory.tests[issued.test_id]
    assert test.fulfilled
    assert test.assigned_to == {"student-name": "Mary Poppins", "id": 9810283}
    assert test.track == "RC"
    assert issued.test_id not in {t.test_id for t in platform.inventory.available()}
    assert platform.outbox == []
    # What was sent parses as JSON and is the intended object, signed in the default header.
    seen = platform.requests[-1]
    assert orjson.loads(seen.body) == {
        "product-code": "GTX-Academic-Plus",
        "track": "RC",
        "assigned-to": {"student-name": "Mary Poppins", "id": 9810283},
    }
    assert seen.headers["X-iTEP-Signature"] == sign_body(seen.body, platform.config.api_key)


async def test_stx_emails_the_candidate_with_the_copy(itep_sandbox: SandboxThread) -> None:
    platform = itep_sandbox.get(ItepSandbox)
    async with itep_sandbox.client() as itep:
        issued = await itep.fulfill(
            "STX-Business",
            email="mary@example.com",
            bcc="support@example.com",
            registration={"Last_Name": "Poppins", "First_Name": "Mary", "Birthday": "1955-07-08"},
        )
    assert issued.emailed
    assert [(e.to, e.bcc, e.test_id) for e in platform.outbox] == [
        ("mary@example.com", "support@example.com", issued.test_id)
    ]
    assert platform.inventory.tests[issued.test_id].registration == {
        "Last_Name": "Poppins",
        "First_Name": "Mary",
        "Birthday": "1955-07-08",
    }


async def test_bad_input_is_refused_before_anything_is_sent(itep_sandbox: SandboxThread) -> None:
    platform = itep_sandbox.get(ItepSandbox)
    async with itep_sandbox.client() as itep:
        with pytest.raises(InputError, match="email: is required for STX"):
            await itep.fulfill("STX-Business")
        with pytest.raises(InputError, match="did you mean 'Last_Name'"):
            await itep.fulfill("GTX-Business", registration={"LastName": "Poppins"})
    assert len(platform.requests) == 0
    assert platform.inventory.fulfilled() == []


async def test_the_inventory_is_consumed_and_an_empty_one_is_a_conflict(
    itep_sandbox_factory: Any,
) -> None:
    sandbox = itep_sandbox_factory(SandboxConfig(inventory={"Business": 2, "Academic-Plus": 1}))
    platform = sandbox.get(ItepSandbox)
    async with sandbox.client() as itep:
        first = await itep.fulfill("GTX-Business")
        second = await itep.fulfill("STX-Business", email="a@example.com")
        with pytest.raises(ConflictError, match="no available test ID for Business"):
            await itep.fulfill("GTX-Business")
        other = await itep.fulfill("GTX-Academic-Plus")
        with pytest.raises(NotFoundError, match="no product code GTX-TOEFL"):
            await itep.fulfill("GTX-TOEFL")
    assert len({first.test_id, second.test_id, other.test_id}) == 3
    assert platform.inventory.available() == []
    assert len(platform.requests) == 5  # nothing was repeated


@pytest.mark.parametrize(
    "mismatch",
    [
        {"api_key": "someone-elses-key"},
        {"signature_encoding": "base64"},
        {"signature_header": "X-Other-Signature"},
    ],
)
async def test_a_wrong_key_encoding_or_header_is_refused(
    itep_sandbox: SandboxThread, mismatch: dict[str, str]
) -> None:
    platform = itep_sandbox.get(ItepSandbox)
    from mettl_async.itep.client import ItepClient
    from mettl_async.testing.itep import FULFILLMENT_PATH

    settings = {
        "api_key": platform.config.api_key,
        "signature_header": platform.config.header,
        "signature_encoding": "hex",
    } | mismatch
    url = itep_sandbox.base_url_of(platform) + FULFILLMENT_PATH
    async with ItepClient(settings.pop("api_key"), url=url, environ={}, **settings) as itep:
        with pytest.raises(AuthenticationError) as caught:
            await itep.fulfill("GTX-Business")
    assert "someone-elses-key" not in str(caught.value)
    assert platform.inventory.fulfilled() == []


async def test_base64_signatures_in_another_header(itep_sandbox_factory: Any) -> None:
    config = SandboxConfig(header="X-Fulfillment-Key", encoding=SignatureEncoding.BASE64)
    sandbox = itep_sandbox_factory(config)
    async with sandbox.client() as itep:
        issued = await itep.fulfill("GTX-Business")
    seen = sandbox.get(ItepSandbox).requests[-1]
    assert seen.headers["X-Fulfillment-Key"] == sign_body(seen.body, config.api_key, SignatureEncoding.BASE64)
    assert json.loads(seen.body) == {"product-code": "GTX-Business"}
    assert issued.test_id
