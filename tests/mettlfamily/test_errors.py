"""The exception hierarchy and the E-code table against section 7 of the CertiCHECK document."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mettl_async.core.errors import (
    ApiError,
    AuthenticationError,
    BatchError,
    ConflictError,
    ConnectError,
    ConnectionLostError,
    InputError,
    MalformedResponseError,
    MettlError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    SignatureExpiredError,
    TimestampError,
    TransportError,
    ValidationError,
)
from mettl_async.mettlfamily.codes import ERROR_CODES, REST_ERROR_CODES, error_for_code

SECTION_7 = Path(__file__).parents[1] / "data" / "certicheck_error_codes.txt"
# "E000=Some Error Occurred", "E017 = Incorrect parameters.", "E120 - Applicant is Not verified"
CODE_LINE = re.compile(r"^\s*(E\d{3})\s*[=-]\s*(.+?)\s*$", re.M)


def documented_codes() -> dict[str, str]:
    """Code -> text of every line of section 7, the markdown escapes undone."""
    text = SECTION_7.read_text()
    return {code: meaning.replace("\\_", "_") for code, meaning in CODE_LINE.findall(text)}


# -- the table against the document -------------------------------------------------------


def test_section_7_parses_to_the_expected_number_of_codes() -> None:
    codes = documented_codes()
    assert len(re.findall(r"\bE\d{3}\b", SECTION_7.read_text())) == len(codes)  # no code line missed
    assert len(codes) == 74
    assert {"E000", "E033", "E116", "E120", "E504", "E401", "E118"} <= codes.keys()


def test_every_documented_code_is_in_the_table() -> None:
    missing = sorted(documented_codes().keys() - ERROR_CODES.keys())
    assert missing == []


def test_the_table_holds_only_documented_codes_and_e403() -> None:
    assert ERROR_CODES.keys() - documented_codes().keys() == {"E403"}


def test_each_code_maps_to_an_api_error_class_and_a_bool() -> None:
    for code, rule in ERROR_CODES.items():
        assert issubclass(rule.error, ApiError), code
        assert type(rule.retryable) is bool, code


def test_each_meaning_is_the_documents_text() -> None:
    for code, meaning in documented_codes().items():
        assert ERROR_CODES[code].meaning == meaning, code


def test_only_e000_is_retryable_as_it_stands() -> None:
    assert {code for code, rule in ERROR_CODES.items() if rule.retryable} == {"E000"}


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("E000", ServerError),
        ("E001", NotFoundError),
        ("E002", AuthenticationError),
        ("E004", ValidationError),
        ("E022", NotFoundError),
        ("E025", ConflictError),
        ("E033", ConflictError),
        ("E108", AuthenticationError),
        ("E117", AuthenticationError),
        ("E401", AuthenticationError),
        ("E403", PermissionDeniedError),
        ("E504", TimestampError),
        ("E606", NotFoundError),
    ],
)
def test_code_classes(code: str, error: type[ApiError]) -> None:
    assert type(error_for_code(code, "m")) is error


def test_every_code_builds_its_class_with_its_flag() -> None:
    for code, rule in ERROR_CODES.items():
        error = error_for_code(code, "text", http_status=200, body=b"{}")
        assert type(error) is rule.error, code
        assert error.retryable is rule.retryable, code
        assert error.code == code


def test_vendored_section_7_equals_the_seed(seeds: Path) -> None:
    document = (seeds / "000_dc076e00dee2321d.txt").read_text()
    start = document.index("## 7.LIST OF ALL ERROR CODES")
    end = document.index("## 8. Security and Authentication")
    assert SECTION_7.read_text() == document[start:end]


# -- error_for_code -----------------------------------------------------------------------


@pytest.mark.parametrize("code", ["E033 ", " E033", "E033\n", "e033"])
def test_stray_whitespace_and_case_map_like_the_clean_code(code: str) -> None:
    error = error_for_code(code, "Cannot get all slot window without setting the time zone.")
    assert type(error) is ConflictError
    assert error.code == "E033"
    assert str(error) == "E033: Cannot get all slot window without setting the time zone."


def test_unknown_code_is_a_plain_api_error_keeping_everything() -> None:
    body = b'{"status":"ERROR","error":{"code":"E999","message":"New thing"}}'
    error = error_for_code("E999", "New thing", http_status=200, body=body)
    assert type(error) is ApiError
    assert error.code == "E999"
    assert error.message == "New thing"
    assert error.http_status == 200
    assert error.body == body
    assert error.retryable is False


@pytest.mark.parametrize("code", [None, "", "   "])
def test_missing_code_is_a_plain_api_error(code: str | None) -> None:
    error = error_for_code(code, "odd", http_status=502, body=b"x")
    assert type(error) is ApiError
    assert error.code is None
    assert str(error) == "HTTP 502: odd"


@pytest.mark.parametrize("message", ["Signature expired", "Error: Signature Expired.", "SIGNATURE EXPIRED"])
def test_e401_signature_expired_is_retryable(message: str) -> None:
    error = error_for_code("E401", message, http_status=200)
    assert type(error) is SignatureExpiredError
    assert error.retryable is True
    assert error.code == "E401"
    assert error.message == message


def test_e401_other_text_is_a_plain_authentication_failure() -> None:
    error = error_for_code("E401", "Authentication failed/Signature mismatch")
    assert type(error) is AuthenticationError
    assert error.retryable is False


def test_signature_expired_text_under_another_code_is_not_special() -> None:
    assert type(error_for_code("E400", "Signature expired")) is ValidationError


def test_empty_message_falls_back_to_the_documented_meaning() -> None:
    error = error_for_code("E039", "")
    assert error.message == "Provided slot window Id does not exist for your account"


def test_e504_keeps_the_server_time() -> None:
    now = datetime(2024, 5, 1, 12, tzinfo=UTC)
    error = error_for_code("E504 ", "Invalid Timestamp", headers={"Date": "Wed, 01 May 2024 12:00:00 GMT"})
    assert isinstance(error, TimestampError)
    assert error.server_time == now
    assert error.code == "E504"
    assert error_for_code("E504", "Invalid Timestamp").server_time is None  # type: ignore[attr-defined]


# -- the REST API's codes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind", "retryable"),
    [
        ("E403", PermissionDeniedError, False),
        ("E404", NotFoundError, False),
        ("E405", ValidationError, False),
        ("E408", ServerError, True),
        ("E422", SignatureExpiredError, True),
        ("E503", ServerError, True),
        ("E504", TimestampError, False),
        ("E509", RateLimitedError, True),
        ("E607", ConflictError, False),
        ("E028", ConflictError, False),
    ],
)
def test_rest_api_codes_map_onto_the_hierarchy(code: str, kind: type[ApiError], retryable: bool) -> None:
    error = error_for_code(code, "", codes=REST_ERROR_CODES, headers={"Retry-After": "3"})
    assert type(error) is kind
    assert error.retryable is retryable
    assert error.message == REST_ERROR_CODES[code].meaning


def test_e509_carries_the_servers_retry_after() -> None:
    error = error_for_code("E509", "slow down", codes=REST_ERROR_CODES, headers={"Retry-After": "7"})
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 7.0


def test_the_rest_codes_do_not_change_certichecks() -> None:
    assert type(error_for_code("E422", "")) is ApiError  # unknown to CertiCHECK: kept as sent
    # The REST API's own readings of two shared codes (docs/NOTES.md, "Mettl REST API"): E002's
    # "access key" is a schedule's key there, and E028 cannot mean a payment.
    differ = {code for code, rule in ERROR_CODES.items() if REST_ERROR_CODES[code] != rule}
    assert differ == {"E002", "E028"}
    assert ERROR_CODES["E028"].meaning == "Payment has expired"
    assert REST_ERROR_CODES["E002"].error is NotFoundError


# -- the hierarchy ------------------------------------------------------------------------


def test_hierarchy() -> None:
    assert issubclass(MalformedResponseError, ServerError)
    assert issubclass(ServerError, ApiError)
    for error in (ApiError, TransportError, InputError, BatchError):
        assert issubclass(error, MettlError)
    for error in (ConnectError, ConnectionLostError, RequestTimeoutError):
        assert issubclass(error, TransportError)
    assert issubclass(InputError, ValueError)


def test_transport_errors_say_whether_the_request_was_sent() -> None:
    assert ConnectError("x").request_sent is False
    assert ConnectionLostError("x").request_sent is True
    assert RequestTimeoutError("x").request_sent is True


def test_input_error_names_field_and_rule() -> None:
    error = InputError("page_size", "must be from 1 to 500")
    assert (error.field, error.rule) == ("page_size", "must be from 1 to 500")
    assert str(error) == "page_size: must be from 1 to 500"


def test_rate_limited_error_carries_retry_after() -> None:
    error = RateLimitedError("rate limited", retry_after=3.0, http_status=429)
    assert error.retry_after == 3.0
    assert str(error) == "HTTP 429: rate limited"


def test_batch_error_keeps_completed_and_remaining() -> None:
    error = BatchError("stopped", completed=(1, 2), remaining=(3,))
    assert error.completed == [1, 2]
    assert error.remaining == [3]
