"""The iTEP sandbox's strictness, over raw HTTP: the signature first, then compact JSON, then fields."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from mettl_async.itep.auth import sign_body
from mettl_async.testing import SandboxThread
from mettl_async.testing.itep import FULFILLMENT_PATH, Inventory, ItepSandbox
from mettl_async.testing.itep.body import whitespace_outside_strings

SEED_SAMPLE = (Path(__file__).parents[1] / "data" / "itep_seed_sample.txt").read_bytes()


async def post(
    sandbox: SandboxThread, body: bytes, *, signature: str | None = None, header: str | None = None
) -> tuple[int, Any]:
    platform = sandbox.get(ItepSandbox)
    headers = {"Content-Type": "application/json"}
    if signature != "":
        headers[header or platform.config.header] = signature or sign_body(body, platform.config.api_key)
    async with (
        aiohttp.ClientSession() as http,
        http.post(sandbox.base_url_of(platform) + FULFILLMENT_PATH, data=body, headers=headers) as response,
    ):
        return response.status, orjson.loads(await response.read())


async def test_the_documents_sample_is_refused_for_its_extra_brace(itep_sandbox: SandboxThread) -> None:
    status, answer = await post(itep_sandbox, SEED_SAMPLE)
    assert status == 400
    assert "not JSON" in answer["error"]
    assert itep_sandbox.get(ItepSandbox).inventory.fulfilled() == []


async def test_the_sample_with_one_brace_less_is_still_refused_as_pretty_json(
    itep_sandbox: SandboxThread,
) -> None:
    status, answer = await post(itep_sandbox, SEED_SAMPLE[:-1])
    assert status == 400
    assert re.match(r"whitespace at byte 16: send compact JSON", answer["error"])


async def test_the_sample_made_compact_is_fulfilled(itep_sandbox: SandboxThread) -> None:
    compact = orjson.dumps(json.loads(SEED_SAMPLE[:-1]))
    status, answer = await post(itep_sandbox, compact)
    assert status == 200
    platform = itep_sandbox.get(ItepSandbox)
    test = platform.inventory.tests[answer["TestID"]]
    assert (test.product_code, test.track, test.email) == ("STX-Academic-Plus", "RC", "tfatout2@proton.me")
    assert test.assigned_to is not None
    assert test.assigned_to["student-name"] == "Mary Poppins"
    assert platform.outbox[0].bcc == "twif_bam@yahoo.com"


@pytest.mark.parametrize(
    ("signature", "header", "reason"),
    [
        ("", None, "missing signature header X-iTEP-Signature"),
        ("0" * 64, None, "signature mismatch"),
        ("not hex at all", None, "signature mismatch"),
        (None, "X-Another-Header", "missing signature header"),
    ],
)
async def test_the_signature_is_checked_before_the_body_is_read(
    itep_sandbox: SandboxThread, signature: str | None, header: str | None, reason: str
) -> None:
    status, answer = await post(itep_sandbox, SEED_SAMPLE, signature=signature, header=header)
    assert (status, answer["error"][: len(reason)]) == (401, reason)


async def test_an_uppercase_hex_signature_is_the_same_signature(itep_sandbox: SandboxThread) -> None:
    body = b'{"product-code":"GTX-Business"}'
    key = itep_sandbox.get(ItepSandbox).config.api_key
    status, _ = await post(itep_sandbox, body, signature=sign_body(body, key).upper())
    assert status == 200


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b'["GTX-Business"]', 400, "the body must be a JSON object"),
        (b'{"product-code":"GTX-Business","Email":"a@b.co"}', 400, "unknown field 'Email'"),
        (b'{"product-code":"gtx-Business"}', 400, "product-code: must be GTX-<test type>"),
        (b'{"product-code":"STX-Business"}', 400, "email: required for STX"),
        (b'{"product-code":"GTX-Business","registration":{"Last_name":"x"}}', 400, "registration: unknown"),
        (b'{"product-code":"GTX-Business","registration":{"DOB_Year":1990}}', 400, "registration.DOB_Year"),
        (b'{"product-code":"GTX-Business","assigned-to":"Mary"}', 400, "assigned-to: must be a JSON object"),
        (b'{"product-code":"GTX-Business","sequence":"3"}', 400, "sequence: must be an integer"),
        (b'{"product-code":"GTX-TOEIC"}', 404, "no product code GTX-TOEIC"),
    ],
)
async def test_fields_are_checked(itep_sandbox: SandboxThread, body: bytes, status: int, reason: str) -> None:
    got, answer = await post(itep_sandbox, body)
    assert (got, answer["error"][: len(reason)]) == (status, reason)
    assert itep_sandbox.get(ItepSandbox).inventory.fulfilled() == []


def test_whitespace_is_found_between_tokens_only() -> None:
    assert whitespace_outside_strings(b'{"a b":"c \\" d","e":[1,2]}') is None
    assert whitespace_outside_strings(b'{"a":1, "b":2}') == 7
    assert whitespace_outside_strings(b'{"a":"\\\\" ,"b":2}') == 9


def test_inventory_ids_look_like_the_documents_and_are_unique() -> None:
    inventory = Inventory({"Academic-Plus": 300, "Business": 300}, seed=3)
    ids = list(inventory.tests)
    assert len(ids) == len(set(ids)) == 600
    assert all(re.fullmatch(r"\d{6}[A-Z]\d(AP|BU)", i) for i in ids)
    assert Inventory({"Business": 5}, seed=3).tests.keys() == Inventory({"Business": 5}, seed=3).tests.keys()
    with pytest.raises(KeyError, match="never handed out"):
        inventory.set_status(ids[0], "Complete")
