"""iTEP's body signature: known answers, an independent implementation (openssl), the settings."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path

import orjson
import pytest

from mettl_async.core.auth import Stamp
from mettl_async.core.errors import ConfigurationError
from mettl_async.core.request import Placement, Request
from mettl_async.itep.auth import ItepSettings, ItepSigning, SignatureEncoding, sign_body
from mettl_async.itep.client import ItepClient, split_url
from mettl_async.itep.models import FulfillmentRequest

HEX, B64 = SignatureEncoding.HEX, SignatureEncoding.BASE64

#: The document's sample body, exactly as printed: one "}" too many at the end.
SEED_SAMPLE = (Path(__file__).parents[1] / "data" / "itep_seed_sample.txt").read_text()


def test_rfc4231_case_2() -> None:
    """HMAC-SHA256 test case 2 of RFC 4231 (key "Jefe")."""
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert sign_body(b"what do ya want for nothing?", "Jefe", HEX) == expected
    assert (
        sign_body(b"what do ya want for nothing?", "Jefe", B64)
        == base64.b64encode(bytes.fromhex(expected)).decode()
    )


def test_known_answer_of_a_fulfillment_body() -> None:
    """Computed once with `openssl dgst -sha256 -hmac itep-test-key` (hex) and `-binary | base64`."""
    body = b'{"product-code":"STX-Academic-Plus","email":"tfatout2@proton.me"}'
    assert sign_body(body, "itep-test-key", HEX) == (
        "be07907d05f46dacfc14d5d249d0ba3c04a2de4d9796f5e7e248706454c49f55"
    )
    assert sign_body(body, "itep-test-key", B64) == "vgeQfQX0baz8FNXSSdC6PASi3k2XlvXn4khwZFTEn1U="


def openssl_hmac(body: bytes, key: str) -> bytes:
    """The HMAC as the openssl command line computes it: an implementation independent of Python's."""
    output = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", key, "-binary"], input=body, capture_output=True, check=True
    ).stdout
    assert len(output) == 32
    return output


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command line is not installed")
@pytest.mark.parametrize(
    ("key", "body"),
    [
        ("itep-test-key", b"{}"),
        ("sandbox-itep-api-key", b""),
        ("k\u00e9y with spaces", '{"registration":{"Last_Name":"M\u00fcller"}}'.encode()),
        ("x" * 100, orjson.dumps(FulfillmentRequest.build("GTX-Business", track="RC").body())),
    ],
)
def test_the_signer_agrees_with_openssl(key: str, body: bytes) -> None:
    digest = openssl_hmac(body, key)
    assert sign_body(body, key, HEX) == digest.hex()
    assert sign_body(body, key, B64) == base64.b64encode(digest).decode()


def test_the_seed_sample_is_malformed_and_one_brace_fixes_it() -> None:
    with pytest.raises(json.JSONDecodeError, match="Extra data"):
        json.loads(SEED_SAMPLE)
    fixed = json.loads(SEED_SAMPLE[:-1])
    assert fixed["registration"]["Field_Of_Study"] == "Biology"


def test_the_seed_document_prints_that_sample(seeds: Path) -> None:
    text = (seeds / "003_a013b8f3599966c3.txt").read_text()
    assert SEED_SAMPLE in text


def sample_request() -> FulfillmentRequest:
    """The sample's fields (its top-level "sequence" is in no table, so not sent)."""
    fixed = json.loads(SEED_SAMPLE[:-1])
    return FulfillmentRequest.build(
        fixed["product-code"],
        email=fixed["email"],
        bcc=fixed["bcc"],
        track=fixed["track"],
        assigned_to=fixed["assigned-to"],
        registration=fixed["registration"],
    )


def test_the_signed_body_is_compact_json_equal_to_the_request_and_signed_as_sent() -> None:
    request = sample_request()
    scheme = ItepSigning("itep-test-key", "X-Custom-Sig", B64)
    signed = scheme.sign(
        Request("POST", "", request.body(), placement=Placement.JSON), "https://itep.test/api", Stamp(0.0)
    )
    body = signed.wire.body
    assert body is not None
    assert json.loads(body) == request.body()
    assert list(json.loads(body)) == ["product-code", "email", "bcc", "track", "assigned-to", "registration"]
    # What the standard library writes as compact JSON: no whitespace between tokens.
    assert body == json.dumps(request.body(), separators=(",", ":"), ensure_ascii=False).encode()
    assert signed.wire.headers["X-Custom-Sig"] == sign_body(body, "itep-test-key", B64)
    assert signed.wire.headers["Content-Type"] == "application/json"
    assert signed.wire.url == "https://itep.test/api"
    assert signed.secrets == (signed.wire.headers["X-Custom-Sig"],)


def test_a_request_that_is_not_json_is_refused() -> None:
    with pytest.raises(ValueError, match="JSON body"):
        ItepSigning("k").sign(Request("GET", "", {}), "https://itep.test", Stamp(0.0))


def test_settings_from_arguments_then_environment_then_defaults() -> None:
    env = {
        "ITEP_FULFILLMENT_URL": "https://env.test/f",
        "ITEP_API_KEY": "env-key-123",
        "ITEP_SIGNATURE_HEADER": "X-Env",
        "ITEP_SIGNATURE_ENCODING": "BASE64",
    }
    from_env = ItepSettings.resolve(environ=env)
    assert (from_env.url, from_env.api_key, from_env.header, from_env.encoding) == (
        "https://env.test/f",
        "env-key-123",
        "X-Env",
        B64,
    )
    given = ItepSettings.resolve("https://arg.test/f", "arg-key-123", "X-Arg", "hex", environ=env)
    assert (given.url, given.api_key, given.header, given.encoding) == (
        "https://arg.test/f",
        "arg-key-123",
        "X-Arg",
        HEX,
    )
    defaults = ItepSettings.resolve("https://arg.test/f", "arg-key-123", environ={})
    assert (defaults.header, defaults.encoding) == ("X-iTEP-Signature", HEX)


def test_missing_and_bad_settings_name_the_variable() -> None:
    with pytest.raises(ConfigurationError, match=r"url .*ITEP_FULFILLMENT_URL.* and api_key .*ITEP_API_KEY"):
        ItepSettings.resolve(environ={})
    with pytest.raises(ConfigurationError, match=r"hex or base64.*ITEP_SIGNATURE_ENCODING"):
        ItepSettings.resolve("https://x.test", "k", encoding="base32", environ={})
    with pytest.raises(ConfigurationError, match=r"header name.*ITEP_SIGNATURE_HEADER"):
        ItepSettings.resolve("https://x.test", "k", header="X Bad: header", environ={})
    with pytest.raises(ConfigurationError, match="http"):
        ItepClient("k", url="ftp://x.test/f", environ={})


def test_the_key_is_never_shown() -> None:
    key = "very-secret-itep-key"
    client = ItepClient(key, url="https://itep.test/fulfill", environ={})
    for shown in (repr(client), repr(client.settings), repr(client.session), repr(client.session.auth)):
        assert key not in shown
    assert key in list(client.session.auth.secrets())


def test_a_trailing_slash_of_the_configured_url_is_kept_on_the_wire() -> None:
    assert split_url("https://itep.test/api/fulfill/") == ("https://itep.test/api/fulfill", "/")
    assert split_url("https://itep.test/api/fulfill") == ("https://itep.test/api/fulfill", "")
