"""ProctorExam's error answers to the shared hierarchy: pure decoding, no event loop."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
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
from mettl_async.core.retry import is_retryable
from mettl_async.proctorexam.codes import decode, error_details

DATE = "Mon, 02 Mar 2026 10:00:00 GMT"


def body(payload: Any) -> bytes:
    return orjson.dumps(payload)


def fail(status: int, payload: Any, headers: dict[str, str] | None = None) -> ApiError:
    raw = payload if isinstance(payload, bytes) else body(payload)
    with pytest.raises(ApiError) as caught:
        decode(status, headers or {}, raw, "json")
    return caught.value


def test_success_is_the_json_object() -> None:
    assert decode(200, {}, b'{"exam": {"id": 1}}', "json") == {"exam": {"id": 1}}
    assert decode(201, {}, b'{"institute": {}}', "json") == {"institute": {}}


def test_an_empty_success_is_an_empty_object() -> None:
    assert decode(204, {}, b"", "json") == {}


@pytest.mark.parametrize("raw", [b"<html>ok</html>", b"[1, 2]", b'"text"'])
def test_a_success_that_is_not_an_object_is_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedResponseError):
        decode(200, {}, raw, "json")


def test_403_is_permission_denied_with_the_documented_text() -> None:
    error = fail(403, {"error": "You are not authorized to access this page."})
    assert type(error) is PermissionDeniedError
    assert str(error) == "HTTP 403: You are not authorized to access this page."
    assert error.http_status == 403
    assert not is_retryable(error, safe_to_repeat=True)


def test_404_is_not_found() -> None:
    error = fail(404, {"error": "Couldn't find Exam with 'id'=99"})
    assert type(error) is NotFoundError
    assert "Couldn't find Exam with 'id'=99" in str(error)


def test_422_parameter_missing_names_the_parameter() -> None:
    error = fail(422, {"error": "param is missing or the value is empty: name", "code": "param_missing"})
    assert type(error) is ValidationError
    assert error.code == "param_missing"
    assert error_details(orjson.loads(error.body))[1] == "name"
    assert "name" in str(error)


def test_422_quoted_parameter_as_the_document_prints_it() -> None:
    message, param, _ = error_details({"error": "Param is missing or the value is empty: 'comanager_id'"})
    assert param == "comanager_id"
    assert message is not None


def test_422_rails_model_errors_name_each_field() -> None:
    error = fail(422, {"errors": {"email": ["has already been taken"], "name": ["can't be blank"]}})
    assert type(error) is ValidationError
    assert str(error) == "HTTP 422: email: has already been taken; name: can't be blank"


def test_422_explicit_param_is_put_in_front_when_the_text_lacks_it() -> None:
    error = fail(422, {"error": "Invalid parameters.", "param": "proctor_id"})
    assert str(error) == "HTTP 422: proctor_id: Invalid parameters."


def test_422_list_of_errors() -> None:
    assert str(fail(422, {"errors": ["Email is invalid", "Name can't be blank"]})).endswith(
        "Email is invalid; Name can't be blank"
    )


def test_401_is_authentication() -> None:
    error = fail(401, {"error": "HTTP Token: Access denied.", "code": "invalid_token"})
    assert type(error) is AuthenticationError
    assert not is_retryable(error, safe_to_repeat=True)


@pytest.mark.parametrize(
    "payload",
    [
        {"error": "Nonce has already been used", "code": "nonce_reused"},
        {"error": "nonce already used"},  # no code: recognised by its text
        {"message": "The nonce was seen before (repeated)"},
    ],
)
@pytest.mark.parametrize("status", [401, 403])
def test_a_reused_nonce_is_retried_with_a_fresh_one(status: int, payload: dict[str, str]) -> None:
    error = fail(status, payload)
    assert type(error) is SignatureExpiredError
    assert error.retryable
    assert is_retryable(error, safe_to_repeat=False)  # the server did not act


@pytest.mark.parametrize(
    "payload",
    [
        {"error": "Timestamp is outside the accepted window", "code": "timestamp_out_of_range"},
        {"error": "timestamp expired"},
    ],
)
def test_a_stale_timestamp_carries_the_servers_time(payload: dict[str, str]) -> None:
    error = fail(401, payload, {"Date": DATE})
    assert type(error) is TimestampError
    assert error.server_time == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def test_a_stale_timestamp_without_a_date_has_no_server_time() -> None:
    error = fail(401, {"code": "timestamp_out_of_range", "error": "x"})
    assert isinstance(error, TimestampError)
    assert error.server_time is None


def test_409_is_a_conflict_and_400_a_validation_error() -> None:
    assert type(fail(409, {"error": "already closed"})) is ConflictError
    assert type(fail(400, {"error": "the body is not valid JSON"})) is ValidationError


def test_429_waits_as_the_server_says() -> None:
    error = fail(429, b"", {"Retry-After": "3"})
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 3.0


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_a_retryable_server_error(status: int) -> None:
    error = fail(status, b"<html><h1>502 Bad Gateway</h1></html>")
    assert isinstance(error, ServerError)
    assert error.retryable


def test_an_error_without_json_keeps_a_readable_excerpt() -> None:
    error = fail(404, b"<html><body>Not Found</body></html>")
    assert type(error) is NotFoundError
    assert "Not Found" in str(error)


def test_error_texts_never_show_credentials_the_server_echoes() -> None:
    payload = {
        "error": "bad request signature=abcdef0123456789 token=tok-1234567",
        "comanager": {"api_token": "jq560vN9KZdAdFtOYH5xXw", "secret_key": "NNAK4kQK3hveFpuuRMeC"},
    }
    error = fail(422, payload)
    for secret in ("abcdef0123456789", "tok-1234567"):
        assert secret not in str(error)
    assert "jq560vN9KZdAdFtOYH5xXw" not in str(error)
