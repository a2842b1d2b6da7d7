"""Wire decoding: status, headers and body bytes to a payload or the mapped exception."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from mettl_async.core.errors import (
    ApiError,
    AuthenticationError,
    ConflictError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    SignatureExpiredError,
    TimestampError,
    ValidationError,
)
from mettl_async.core.redaction import redact
from mettl_async.core.responses import parse_http_date, parse_retry_after, snippet
from mettl_async.mettlfamily.codes import decode_certicheck


def decode_json(status: int, headers: Mapping[str, str], body: bytes) -> Any:
    return decode_certicheck(status, headers, body, "json")


def decode_text(status: int, headers: Mapping[str, str], body: bytes) -> Any:
    return decode_certicheck(status, headers, body, "text")


NO_HEADERS: dict[str, str] = {}

# -- error envelopes inside HTTP 200 ------------------------------------------------------


def test_error_envelope_in_200_raises_the_mapped_error() -> None:
    body = (
        b'{"status": "ERROR", "error": {"code": "E104", '
        b'"message": "Sorry, time zone is already set for this account."}}'
    )
    with pytest.raises(ConflictError) as caught:
        decode_json(200, NO_HEADERS, body)
    assert caught.value.code == "E104"
    assert caught.value.message == "Sorry, time zone is already set for this account."
    assert caught.value.http_status == 200
    assert caught.value.body == body


@pytest.mark.parametrize("status", ["ERROR", "error", "Error", " ERROR "])
def test_error_status_is_read_in_any_case(status: str) -> None:
    body = f'{{"status": "{status}", "error": {{"code": "E039", "message": "gone"}}}}'.encode()
    with pytest.raises(NotFoundError) as caught:
        decode_json(200, NO_HEADERS, body)
    assert caught.value.code == "E039"


def test_e033_with_trailing_space_from_the_document() -> None:
    # Section 5.2, verbatim.
    body = (
        b'{"status":"ERROR","error":{"code":"E033 ","message":'
        b'"Cannot get all slot window without setting the time zone."}}'
    )
    with pytest.raises(ConflictError) as caught:
        decode_json(200, NO_HEADERS, body)
    assert caught.value.code == "E033"
    assert caught.value.message == "Cannot get all slot window without setting the time zone."


def test_error_object_without_status_is_still_an_error() -> None:
    with pytest.raises(ValidationError) as caught:
        decode_json(200, NO_HEADERS, b'{"error": {"code": "E016", "message": "missing"}}')
    assert caught.value.code == "E016"


def test_envelope_without_code_or_message_is_a_plain_api_error() -> None:
    with pytest.raises(ApiError) as caught:
        decode_json(200, NO_HEADERS, b'{"status": "ERROR"}')
    assert type(caught.value) is ApiError
    assert caught.value.code is None
    assert caught.value.message == ""
    assert str(caught.value) == "HTTP 200"


def test_envelope_on_a_401_keeps_its_code_and_status() -> None:
    body = b'{"status":"ERROR","error":{"code":"E401","message":"Signature expired"}}'
    with pytest.raises(SignatureExpiredError) as caught:
        decode_json(401, NO_HEADERS, body)
    assert caught.value.retryable is True
    assert caught.value.http_status == 401


def test_e504_carries_the_server_clock_from_the_date_header() -> None:
    body = b'{"status":"ERROR","error":{"code":"E504","message":"Invalid Timestamp"}}'
    headers = {"Date": "Wed, 21 Oct 2015 07:28:00 GMT"}
    with pytest.raises(TimestampError) as caught:
        decode_json(200, headers, body)
    assert caught.value.server_time == datetime(2015, 10, 21, 7, 28, tzinfo=UTC)
    assert caught.value.retryable is False


# -- success ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["SUCCESS", "Success", "success"])
def test_success_statuses(status: str) -> None:
    body = f'{{"status": "{status}", "tests": []}}'.encode()
    assert decode_json(200, NO_HEADERS, body) == {"status": status, "tests": []}


def test_success_envelope_with_null_error_is_success() -> None:
    assert decode_json(200, NO_HEADERS, b'{"status": "SUCCESS", "error": null}') == {
        "status": "SUCCESS",
        "error": None,
    }


def test_200_without_a_status_key_is_a_payload() -> None:
    # Section 4.8's sample has no "status" at all (shortened here).
    body = b'{"applicants": [{"email": "applicant1@yopmail.com"}], "applicationStatus": null}'
    assert decode_json(200, NO_HEADERS, body) == {
        "applicants": [{"email": "applicant1@yopmail.com"}],
        "applicationStatus": None,
    }


# -- 5xx and malformed 2xx ----------------------------------------------------------------

BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title>"
    b"<style>body { width: 35em; }</style></head>\r\n"
    b"<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


def test_5xx_with_html_is_a_retryable_server_error_with_readable_text() -> None:
    with pytest.raises(ServerError) as caught:
        decode_json(502, NO_HEADERS, BAD_GATEWAY_HTML)
    error = caught.value
    assert type(error) is ServerError
    assert error.retryable is True
    assert error.http_status == 502
    assert error.body == BAD_GATEWAY_HTML
    assert str(error) == "HTTP 502: Bad Gateway"  # the page's title, its status not said twice


@pytest.mark.parametrize("body", [b"", b"  \r\n"])
def test_5xx_with_empty_body(body: bytes) -> None:
    with pytest.raises(ServerError) as caught:
        decode_json(503, NO_HEADERS, body)
    assert caught.value.retryable is True
    assert str(caught.value) == "HTTP 503: server error (empty body)"


def test_5xx_with_an_e000_envelope_uses_the_code() -> None:
    body = b'{"status":"ERROR","error":{"code":"E000","message":"Some Error Occurred"}}'
    with pytest.raises(ServerError) as caught:
        decode_json(500, NO_HEADERS, body)
    assert caught.value.code == "E000"
    assert caught.value.retryable is True


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"<html><body>Welcome</body></html>", "not a JSON object"),
        (b"null", "empty (or null)"),
        (b"", "empty (or null)"),
        (b"[1, 2]", "not a JSON object"),
        (b'"a string"', "not a JSON object"),
    ],
)
def test_200_with_something_other_than_an_object_is_malformed(body: bytes, kind: str) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        decode_json(200, NO_HEADERS, body)
    assert kind in str(caught.value)
    assert caught.value.http_status == 200
    assert caught.value.body == body
    assert isinstance(caught.value, ServerError)


# -- 429 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "seconds"), [("7", 7.0), ("2.5", 2.5), (" 0 ", 0.0), ("-3", 0.0)])
def test_429_reads_retry_after_seconds(value: str, seconds: float) -> None:
    with pytest.raises(RateLimitedError) as caught:
        decode_json(429, {"Retry-After": value}, b"Too Many Requests")
    assert caught.value.retry_after == seconds
    assert caught.value.retryable is True
    assert caught.value.http_status == 429


def test_429_reads_retry_after_as_a_date_against_the_servers_clock() -> None:
    headers = {"Retry-After": "Wed, 21 Oct 2015 07:28:30 GMT", "Date": "Wed, 21 Oct 2015 07:28:00 GMT"}
    with pytest.raises(RateLimitedError) as caught:
        decode_json(429, headers, b"")
    assert caught.value.retry_after == 30.0


def test_429_without_retry_after() -> None:
    with pytest.raises(RateLimitedError) as caught:
        decode_json(429, NO_HEADERS, b"<html>slow down</html>")
    assert caught.value.retry_after is None


def test_429_wins_over_a_body_that_looks_like_success() -> None:
    with pytest.raises(RateLimitedError):
        decode_json(429, {"Retry-After": "1"}, b'{"status": "SUCCESS"}')


def test_retry_after_forms() -> None:
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None


def test_retry_after_date_in_the_past_is_zero() -> None:
    date = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", date) == 0.0


def test_retry_after_date_without_a_date_header_uses_the_local_clock() -> None:
    wait = parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT")
    assert wait is not None
    assert wait > 365 * 24 * 3600


@pytest.mark.parametrize("value", ["inf", "Infinity", "nan", "1e400"])
def test_retry_after_that_is_not_a_finite_number_is_ignored(value: str) -> None:
    assert parse_retry_after(value) is None


@pytest.mark.parametrize("value", ["\u0661\u0662", "\uff11\uff12", "\u0967\u0968", "1_2", "12e0", "0x10"])
def test_retry_after_is_ascii_digits_only(value: str) -> None:
    """Defect: Python's float() reads Arabic-Indic (and full-width, Devanagari) digits and
    underscores, so a header "\u0661\u0662" held every caller 12 s. HTTP's delta-seconds is ASCII digits."""
    assert parse_retry_after(value) is None


def test_parse_http_date() -> None:
    assert parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
    assert parse_http_date("Sun, 06 Nov 1994 08:49:37 -0000") == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
    assert parse_http_date(None) is None
    assert parse_http_date("") is None
    assert parse_http_date("yesterday") is None
    assert parse_http_date("Sun, 99 Foo 1994 99:99:99 GMT") is None


# -- other HTTP errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, ValidationError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
    ],
)
def test_4xx_maps_to_an_error_class(status: int, error: type[ApiError]) -> None:
    with pytest.raises(error) as caught:
        decode_json(status, NO_HEADERS, b"<h1>Nope</h1>")
    assert type(caught.value) is error
    assert caught.value.code is None
    assert caught.value.http_status == status
    assert caught.value.retryable is False
    assert str(caught.value) == f"HTTP {status}: Nope"


def test_other_4xx_is_a_plain_api_error() -> None:
    with pytest.raises(ApiError) as caught:
        decode_json(418, NO_HEADERS, b"")
    assert type(caught.value) is ApiError
    assert str(caught.value) == "HTTP 418: client error"


# -- hostile bodies -----------------------------------------------------------------------

HOSTILE = [
    b"\xff\xfe\x00garbage",
    b'{"status": "ERROR", "error": "oops"}',
    b'{"status": "ERROR", "error": {"code": 33, "message": ["x"]}}',
    b'{"status": "ERROR", "error": {"code": null}}',
    b'{"a":',
    b"[" * 5000,
    b"NaN",
    b'"\xed\xa0\x80"',
    b"\x00",
]


@pytest.mark.parametrize("body", HOSTILE)
@pytest.mark.parametrize("status", [200, 404, 500])
def test_hostile_bodies_end_as_an_api_error(body: bytes, status: int) -> None:
    with pytest.raises(ApiError) as caught:
        decode_json(status, NO_HEADERS, body)
    assert caught.value.body == body
    assert caught.value.http_status == status


def test_odd_status_value_in_a_200_is_a_payload() -> None:
    assert decode_json(200, NO_HEADERS, b'{"status": 5}') == {"status": 5}


# -- decode_text (loginApplicant) ---------------------------------------------------------

SSO_URL = (
    "http://nevdev.mettl.xyz/applicant/dashboard?ssoToken=3Jn%2Blu%2F25FjxMz5KR5iWqkSFvO4pzyTMtzzX7LMezrl7"
    "KaKNm%2BWXzVXfHOCv19Lw608zpK08vp954Il85IfS4zBGjQXsDPtmo2uqYkMCbXYQlqYKK%2FBYapZLrrkLRv%2BF"
)


def test_decode_text_returns_the_sso_url_of_section_4_3() -> None:
    assert decode_text(200, NO_HEADERS, SSO_URL.encode() + b"\n") == SSO_URL


def test_decode_text_accepts_the_url_as_a_json_string() -> None:
    assert decode_text(200, NO_HEADERS, f'"{SSO_URL}"'.encode()) == SSO_URL


def test_decode_text_raises_the_envelopes_error() -> None:
    body = b'{"status":"ERROR","error":{"code":"E119","message":"No Applicant found"}}'
    with pytest.raises(NotFoundError) as caught:
        decode_text(200, NO_HEADERS, body)
    assert caught.value.code == "E119"


@pytest.mark.parametrize("body", [b"", b"   ", b"null", b'""', b'{"status": "SUCCESS"}', b"42"])
def test_decode_text_refuses_what_is_not_text(body: bytes) -> None:
    with pytest.raises(MalformedResponseError):
        decode_text(200, NO_HEADERS, body)


# -- snippet and redact -------------------------------------------------------------------


def test_snippet_drops_tags_scripts_and_collapses_space() -> None:
    body = b"<p>Service\n\n  <b>down</b></p><script>var x = '<p>';</script>  now"
    assert snippet(body) == "Service down now"


def test_snippet_is_bounded() -> None:
    text = snippet(b"x" * 10_000, limit=50)
    assert len(text) == 50
    assert text == "x" * 49 + "…"


def test_snippet_survives_invalid_utf8() -> None:
    assert snippet(b"ok \xff\xfe end") == "ok \ufffd\ufffd end"


def test_redact_removes_ak_and_asgn_values() -> None:
    url = (
        "https://certification.mettl.com/api/v2/tests?ak=ab12c345-6789&limit=20"
        "&ts=1635976200&asgn=v4%2BlYYoZTdoe%3D&subdomain=acme"
    )
    assert redact(url) == (
        "https://certification.mettl.com/api/v2/tests?ak=REDACTED&limit=20"
        "&ts=1635976200&asgn=REDACTED&subdomain=acme"
    )


def test_redact_in_messages_and_any_case() -> None:
    assert redact("failed: AK=secret asgn=sig#frag") == "failed: AK=REDACTED asgn=REDACTED#frag"
    assert redact("signature=abc&private_key=xyz") == "signature=REDACTED&private_key=REDACTED"


def test_redact_leaves_lookalike_names_alone() -> None:
    assert redact("back=1&ask=2&task_ak=3") == "back=1&ask=2&task_ak=3"
