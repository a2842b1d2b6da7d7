"""ProctorExam signing: the string to sign, known answers checked against the openssl command
line, and where each parameter travels. Pure: no event loop, no socket."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest

from mettl_async.core.auth import Stamp
from mettl_async.core.errors import ConfigurationError, InputError
from mettl_async.core.request import FilePart, Request
from mettl_async.proctorexam.auth import (
    ACCEPT,
    ProctorExamCredentials,
    ProctorExamSigning,
    fill_path,
    param_text,
    signature,
    signing_string,
)
from mettl_async.proctorexam.config import resolve_base_url, tenant_url
from mettl_async.testing.proctorexam.server import parse_multipart
from mettl_async.testing.proctorexam.verify import expected_signature

KEY = "test-secret-key-0123456789"
TOKEN = "test-api-token-abcdefghij"
BASE = "https://acme.proctorexam.com/api/v3"
STAMP = Stamp(time=1527500365.052, nonce=1527500365)
SCHEME = ProctorExamSigning(ProctorExamCredentials(TOKEN, KEY))

#: (params, expected hex). The hex values were computed with ``openssl dgst -sha256 -hmac KEY``
#: over the documented string, not with this package; ``test_known_answers_agree_with_openssl``
#: recomputes them with openssl when it is installed.
KNOWN: list[tuple[dict[str, Any], str, str]] = [
    (  # the seed's example request (its printed signature 8aac70c9…88ff is a placeholder)
        {"nonce": "1527500365", "timestamp": 1527500365052, "page": 1},
        "nonce=1527500365?page=1?timestamp=1527500365052",
        "907296ac2e787e88177925e2d66908fdebbfa257a63996cb45488ff8e79e6368",
    ),
    (  # a path id is signed like any parameter
        {"id": 1, "nonce": "1527500365", "timestamp": 1527500365052},
        "id=1?nonce=1527500365?timestamp=1527500365052",
        "7ccbe8d9691dab1cbba34ed9a4d4b374a60c1a289ad4a2cef435706d755bca0b",
    ),
    (
        {"id": 1, "comanager_id": 5, "nonce": "1527500365", "timestamp": 1527500365052},
        "comanager_id=5?id=1?nonce=1527500365?timestamp=1527500365052",
        "161c69b0008cece06581cf20ca44042adf12c5b3c9a377dddb6e9c1f1c9da787",
    ),
    (  # nested values as compact JSON, in the order given
        {
            "status": "open",
            "filter": {"start_time": {"gte": "2025-02-01"}},
            "sort": [{"start_time": "desc"}, {"name": "asc"}],
            "page": 2,
            "nonce": "1700000000000123",
            "timestamp": 1700000000000,
        },
        'filter={"start_time":{"gte":"2025-02-01"}}?nonce=1700000000000123?page=2'
        '?sort=[{"start_time":"desc"},{"name":"asc"}]?status=open?timestamp=1700000000000',
        "3a2e2f35f3ba4021ce17988da6b182e6f163c9040822af11683b6fcec988f9c2",
    ),
    (  # booleans as Rails writes them; text with spaces and commas, not encoded
        {
            "name": "Psychostasia",
            "type": "record_review",
            "duration_minutes": 90,
            "for_reviewing": True,
            "upload_answers": False,
            "allow_websites": True,
            "allowed_websites": "www.proctorexam.com, docs.proctorexam.com",
            "nonce": 42,
            "timestamp": 1527500365052,
            "unset": None,
        },
        "allow_websites=true?allowed_websites=www.proctorexam.com, docs.proctorexam.com"
        "?duration_minutes=90?for_reviewing=true?name=Psychostasia?nonce=42"
        "?timestamp=1527500365052?type=record_review?upload_answers=false",
        "02cea1954f5f97ce257f08c69d85e8985a3fc1499d3f2e458a7e6231bdc29138",
    ),
]


def openssl_hmac(key: str, text: str) -> str:
    done = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", key],
        input=text.encode(),
        capture_output=True,
        check=True,
        timeout=30,
    )
    return done.stdout.decode().strip().rsplit("= ", 1)[-1]


@pytest.mark.parametrize(("params", "text", "expected"), KNOWN)
def test_known_answers(params: dict[str, Any], text: str, expected: str) -> None:
    assert signing_string(params) == text
    assert signature(KEY, params) == expected
    assert SCHEME.signature(params) == expected  # pre-keyed, same answer
    # The sandbox's own restatement, given what a server receives (nested values as JSON text).
    received = {
        k: param_text(k, v) if isinstance(v, dict | list) else v for k, v in params.items() if v is not None
    }
    assert expected_signature(KEY, received) == expected


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command line is not installed")
@pytest.mark.parametrize(("params", "text", "expected"), KNOWN)
def test_known_answers_agree_with_openssl(params: dict[str, Any], text: str, expected: str) -> None:
    assert openssl_hmac(KEY, text) == expected


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command line is not installed")
def test_non_ascii_values_are_signed_as_utf8_without_encoding() -> None:
    params = {"exam_id": 7, "name": "Zoë Ü", "email": "ada+pe@example.com", "nonce": 9, "timestamp": 1}
    assert signing_string(params) == "email=ada+pe@example.com?exam_id=7?name=Zoë Ü?nonce=9?timestamp=1"
    assert signature("sekrit", params) == "a19dd38c071d41802ceedffdabe7c4efd7b3b1edbea26d7bd003b8b3b8e98b31"
    assert openssl_hmac("sekrit", signing_string(params)) == signature("sekrit", params)


def test_the_signature_parameter_itself_is_never_signed() -> None:
    params = {"page": 1, "nonce": "1", "timestamp": 2}
    assert signing_string(params | {"signature": "abc"}) == signing_string(params)


def test_names_sort_by_code_point() -> None:
    assert signing_string({"b": 1, "B": 2, "a_b": 3, "ab": 4}) == "B=2?a_b=3?ab=4?b=1"


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "true"), (False, "false"), (0, "0"), (-3, "-3"), ("", ""), ({"a": [1, True]}, '{"a":[1,true]}')],
)
def test_value_texts(value: Any, text: str) -> None:
    assert param_text("x", value) == text


@pytest.mark.parametrize("value", [1.5, float("nan"), object(), b"bytes", {1, 2}])
def test_values_that_cannot_be_signed_alike_are_refused(value: Any) -> None:
    with pytest.raises(InputError) as caught:
        param_text("score", value)
    assert caught.value.field == "score"


# -- the scheme ----------------------------------------------------------------------------------


def sign(request: Request, stamp: Stamp = STAMP) -> Any:
    return SCHEME.sign(request, BASE, stamp)


def test_get_sends_parameters_in_the_query_and_path_ids_only_in_the_path() -> None:
    signed = sign(Request("GET", "/exams/{id}", {"id": 12, "verbose": True}))
    url = urlsplit(signed.wire.url)
    assert url.path == "/api/v3/exams/12"
    sent = dict(parse_qsl(url.query))
    assert sent == {
        "nonce": "1527500365",
        "timestamp": "1527500365052",
        "verbose": "true",
        "signature": sent["signature"],
    }
    assert list(sent)[-1] == "signature"
    # The server merges the path id into the parameters it signs.
    assert sent["signature"] == expected_signature(KEY, sent | {"id": "12"})
    assert sent["signature"] == signature(
        KEY, {"id": 12, "verbose": True, "nonce": "1527500365", "timestamp": 1527500365052}
    )
    assert signed.wire.headers["Accept"] == ACCEPT
    assert signed.wire.headers["Authorization"] == f"Token token={TOKEN}"
    assert signed.wire.body is None
    assert signed.secrets == (sent["signature"],)


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT"])
def test_writes_send_everything_signature_included_as_a_json_body(method: str) -> None:
    params = {
        "id": 3,
        "name": "Exam",
        "use_duration": False,
        "duration_minutes": 90,
        "restrictions": {"a": [1]},
    }
    signed = sign(Request(method, "/exams/{id}", params))
    assert signed.wire.url == BASE + "/exams/3"
    assert signed.wire.headers["Content-Type"] == "application/json"
    body = orjson.loads(signed.wire.body)
    assert body == {
        "duration_minutes": 90,
        "name": "Exam",
        "nonce": "1527500365",
        "restrictions": '{"a":[1]}',  # nested: sent as the JSON text that is signed
        "timestamp": 1527500365052,
        "use_duration": False,
        "signature": body["signature"],
    }
    assert body["signature"] == expected_signature(KEY, body | {"id": "3"})


def test_delete_uses_the_query() -> None:
    signed = sign(Request("DELETE", "/exams/{id}/remove_comanager", {"id": 1, "comanager_id": 5}))
    assert signed.wire.body is None
    assert urlsplit(signed.wire.url).path.endswith("/exams/1/remove_comanager")
    assert dict(parse_qsl(urlsplit(signed.wire.url).query))["comanager_id"] == "5"


def test_uploads_put_the_parameters_beside_the_file_and_never_sign_the_file() -> None:
    def upload(content: bytes) -> Any:
        part = FilePart("document", "scan.png", content, "image/png")
        return sign(Request("POST", "/exams/{exam_id}/attachments", {"exam_id": 4}, files=(part,)))

    one, two = upload(b"\x89PNG one"), upload(b"\x89PNG two, longer")
    content_type = one.wire.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    fields, files = parse_multipart(content_type, one.wire.body)
    assert set(fields) == {"nonce", "timestamp", "signature"}
    assert files == {"document": ("scan.png", "image/png", b"\x89PNG one")}
    assert fields["signature"] == expected_signature(KEY, fields | {"exam_id": "4"})
    assert (
        parse_multipart(two.wire.headers["Content-Type"], two.wire.body)[0]["signature"]
        == fields["signature"]
    )


def test_each_stamp_signs_differently() -> None:
    request = Request("GET", "/exams", {"page": 1})
    first = sign(request, Stamp(time=100.0, nonce=1))
    second = sign(request, Stamp(time=100.0, nonce=2))
    assert first.wire.url != second.wire.url
    assert first.secrets != second.secrets


def test_none_values_are_neither_sent_nor_signed() -> None:
    signed = sign(Request("PATCH", "/exams/{id}", {"id": 1, "name": "A", "end_time": None}))
    assert "end_time" not in orjson.loads(signed.wire.body)


@pytest.mark.parametrize("name", ["nonce", "timestamp", "signature"])
def test_a_request_may_not_bring_its_own_credentials(name: str) -> None:
    with pytest.raises(InputError) as caught:
        sign(Request("GET", "/exams", {name: "1"}))
    assert caught.value.field == name


def test_a_missing_path_id_is_an_input_error() -> None:
    with pytest.raises(InputError, match="exam_id: is required"):
        sign(Request("GET", "/exams/{exam_id}/attachments", {}))


def test_path_ids_are_encoded_as_path_segments() -> None:
    assert fill_path("/a/{id}/b", {"id": "x y/z"}) == ("/a/x%20y%2Fz/b", frozenset({"id"}))


def test_a_stamp_without_nonce_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="nonce"):
        sign(Request("GET", "/exams"), Stamp(time=1.0))


def test_nothing_shows_the_token_or_the_secret() -> None:
    signed = sign(Request("GET", "/exams"))
    shown = " ".join(
        [repr(SCHEME), str(SCHEME), repr(SCHEME.credentials), repr(signed), repr(signed.wire), str(signed)]
    )
    assert TOKEN not in shown
    assert KEY not in shown
    assert set(SCHEME.secrets()) == {TOKEN, KEY}
    assert "signature" in SCHEME.secret_names


def test_credentials_come_from_arguments_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROCTOREXAM_API_TOKEN", raising=False)
    monkeypatch.delenv("PROCTOREXAM_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match=r"api_token .*PROCTOREXAM_API_TOKEN.* and secret_key"):
        ProctorExamCredentials.resolve()
    monkeypatch.setenv("PROCTOREXAM_API_TOKEN", "t-from-env")
    monkeypatch.setenv("PROCTOREXAM_SECRET_KEY", "s-from-env")
    assert ProctorExamCredentials.resolve() == ProctorExamCredentials("t-from-env", "s-from-env")
    assert ProctorExamCredentials.resolve("t", "s") == ProctorExamCredentials("t", "s")


def test_base_url_from_tenant_argument_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROCTOREXAM_BASE_URL", raising=False)
    assert tenant_url("Acme") == "https://acme.proctorexam.com/api/v3"
    assert resolve_base_url("acme") == "https://acme.proctorexam.com/api/v3"
    assert resolve_base_url(base_url="http://127.0.0.1:1/x") == "http://127.0.0.1:1/x"
    with pytest.raises(ConfigurationError, match="PROCTOREXAM_BASE_URL"):
        resolve_base_url()
    monkeypatch.setenv("PROCTOREXAM_BASE_URL", "https://env.example/api/v3")
    assert resolve_base_url() == "https://env.example/api/v3"
    with pytest.raises(ConfigurationError, match="not both"):
        resolve_base_url("acme", "https://x.example")
    for bad in ("acme.com", "a/b", "", "-x"):
        with pytest.raises(ConfigurationError, match="one DNS label"):
            tenant_url(bad)
