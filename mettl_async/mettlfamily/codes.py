"""Mettl's error codes (both APIs) and the decoder of its error envelope: pure, no I/O.

Mettl reports errors inside HTTP 200 bodies, ``{"status": "ERROR", "error":
{"code": …, "message": …}}``, with stray whitespace in codes (``"E033 "``);
proxies in front of it answer 5xx with HTML or nothing. The CertiCHECK
document's section 7 lists its codes; the REST API adds a few of its own. Each
code maps to one class of the shared hierarchy and says whether a retry can help.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from ..core.errors import (
    ApiError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    SignatureExpiredError,
    TimestampError,
    ValidationError,
)
from ..core.jsoncodec import Expect, parse_json
from ..core.responses import (
    expect_object,
    expect_text,
    parse_http_date,
    parse_retry_after,
    raise_for_status,
    rate_limited,
)


class CodeRule(NamedTuple):
    """How one E-code is treated: its exception class, whether a retry may help, its meaning."""

    error: type[ApiError]
    retryable: bool
    meaning: str


_V, _N, _C, _A, _S = ValidationError, NotFoundError, ConflictError, AuthenticationError, ServerError

#: Every code of section 7 of the CertiCHECK document (text as documented), plus
#: E403 from the v2 API. Only E000 is worth repeating as it stands: every other
#: code describes the request or the account, and the same request again cannot
#: change the answer.
#:
#: :meta hide-value:
ERROR_CODES: dict[str, CodeRule] = {
    "E000": CodeRule(_S, True, "Some Error Occurred"),
    "E001": CodeRule(_N, False, "Invalid Assessment Id"),
    "E002": CodeRule(_A, False, "Invalid Access Key"),
    "E003": CodeRule(_V, False, "Mandatory parameter (parameter_name) for registration not supplied"),
    "E004": CodeRule(_V, False, "Invalid format for parameter email id"),
    "E005": CodeRule(_C, False, "Test is in progress, cannot be deleted"),
    "E006": CodeRule(_N, False, "Report does not exist"),
    "E007": CodeRule(_N, False, "Assessment Id deleted"),
    "E008": CodeRule(_N, False, "Schedule deleted"),
    "E009": CodeRule(_V, False, "Invalid Email"),
    "E010": CodeRule(_V, False, "Request data too big"),
    "E011": CodeRule(_V, False, "Invalid Proctoring Settings"),
    "E012": CodeRule(_V, False, "Invalid Password"),
    "E013": CodeRule(_V, False, "Invalid Date Supplied"),
    "E016": CodeRule(_V, False, "Mandatory Parameter Missing"),
    "E017": CodeRule(_V, False, "Incorrect parameters."),
    "E018": CodeRule(_V, False, "Requested row size is greater than 500"),
    "E019": CodeRule(_C, False, "Cannot perform any API slot actions without setting the time zone id"),
    "E020": CodeRule(_V, False, "Incorrect format in slot creation data : %s"),
    "E021": CodeRule(_V, False, "Page size/number cannot be null or a negative number."),
    "E022": CodeRule(
        _N,
        False,
        "No candidate enrolled in the slot window (OR) Provided slot window Id does not exist "
        "for your account",
    ),
    "E023": CodeRule(_N, False, "Provided slot Id does not exist for your account"),
    "E024": CodeRule(_S, False, "Error Happened while booking slot : %s"),
    "E025": CodeRule(_C, False, "Slot has already been booked for applicant"),
    "E026": CodeRule(_V, False, "Invalid value for parameter (parameter_name)"),
    "E027": CodeRule(_C, False, "Slotting not allowed for this assessment"),
    "E028": CodeRule(_C, False, "Payment has expired"),
    "E029": CodeRule(_C, False, "Cannot rechoose slot"),
    "E030": CodeRule(_C, False, "Payment not been made for assessment"),
    "E031": CodeRule(_C, False, "Applicant Has not cleared the Pre-requisite test"),
    "E032": CodeRule(_V, False, "Incorrect Format of parameter : %s : Please refer to API documentations"),
    "E033": CodeRule(_C, False, "Time Zone cannot be null"),
    "E034": CodeRule(_V, False, "Assessment Id cannot be Null"),
    "E035": CodeRule(_V, False, "Slot Id cannot be Null or cannot have alphabets"),
    "E036": CodeRule(_V, False, "Slot window Id cannot be null or have alphabet values"),
    "E037": CodeRule(_V, False, "Slot window Id cannot have be null"),
    "E038": CodeRule(_V, False, "Page size cannot be more than 3000"),
    "E039": CodeRule(_N, False, "Provided slot window Id does not exist for your account"),
    "E040": CodeRule(_C, False, "Provided slot window Id has been deactivated"),
    "E041": CodeRule(_C, False, "Provided assessment has been unpublished"),
    "E042": CodeRule(_C, False, "applicant has already cleared the assessment"),
    "E043": CodeRule(_C, False, "applicant has not been invited for this test"),
    "E044": CodeRule(_S, False, "error occurred while release slot for candidate : %s"),
    "E101": CodeRule(_V, False, "Bad Request, request body is empty. Please provide request body."),
    "E102": CodeRule(_V, False, "Bad Request, Please provide time zone id."),
    "E103": CodeRule(_V, False, "Please provide a valid time zone id."),
    "E104": CodeRule(_C, False, "Sorry, time zone is already set for this account."),
    "E105": CodeRule(_V, False, "Bad Request, Please provide data in requested format."),
    "E106": CodeRule(
        _V,
        False,
        "sendEmailOnAssigningTest, this property is for invite only accounts, You can set it "
        "to false or can leave it blank.",
    ),
    "E107": CodeRule(
        _V,
        False,
        "For applicantDashboardViewSettings both values can not be true. Please choose any of the one.",
    ),
    "E108": CodeRule(_A, False, "Invalid client id."),
    "E109": CodeRule(_V, False, "Please provide applicant email id."),
    "E110": CodeRule(_V, False, "Please provide assessment id."),
    "E111": CodeRule(_N, False, "Provided applicant id is not valid."),
    "E112": CodeRule(_C, False, "Applicant is not registered for slot."),
    "E113": CodeRule(_N, False, "Assessment id does not belong to the client."),
    "E114": CodeRule(_C, False, "This assessment is not active."),
    "E115": CodeRule(_V, False, "Provided Timezone Id is not valid"),
    "E116": CodeRule(_V, False, "Cannot set Both Sort by Name and Sort by Publish Date to True"),
    "E117": CodeRule(_A, False, "Certification Client does not exist"),
    "E118": CodeRule(_V, False, "subdomain param is empty/null"),
    "E119": CodeRule(
        _N, False, "No Applicant found with the provided Subdomain/Applicant Email eligible for SSO"
    ),
    "E120": CodeRule(_C, False, "Applicant is Not verified"),
    "E400": CodeRule(_V, False, "Request was not well-formed/Invalid parameters supplied"),
    "E401": CodeRule(_A, False, "Authentication failed/Signature mismatch"),
    "E403": CodeRule(PermissionDeniedError, False, "API key is not allowed to access this API"),
    # Not for the retry policy: the session corrects its clock and re-signs once itself.
    "E504": CodeRule(TimestampError, False, "Invalid Timestamp"),
    "E601": CodeRule(_V, False, "Blank Applicant Email Id"),
    "E602": CodeRule(_V, False, "Invalid Applicant Email Id"),
    "E603": CodeRule(_V, False, "Duplicate Applicant Email Id"),
    "E604": CodeRule(_C, False, "Certification already allocated to the applicant"),
    "E605": CodeRule(_C, False, "Certification not allocated to the applicant, So Cannot Remove allocation"),
    "E606": CodeRule(_N, False, "Invalid testId"),
    "E607": CodeRule(_C, False, "Candidate registration limit exceeded"),
    "E608": CodeRule(_C, False, "Test allocation limit exceeded"),
}

#: Codes the REST API (api.mettl.com v1/v2/v3) answers beyond CertiCHECK's, and the two whose
#: meaning differs there. A reused signature has a code here (E422); rate limiting arrives as
#: E509 in an envelope.
#:
#: :meta hide-value:
REST_ERROR_CODES: dict[str, CodeRule] = ERROR_CODES | {
    # The REST API's "access key" is a schedule's key (the API key is the "public key"):
    # an unknown schedule, not a failed authentication.
    "E002": CodeRule(_N, False, "Invalid Access Key (no schedule has this access key)"),
    # CertiCHECK's "Payment has expired" cannot apply (the REST API has no payments); its REST
    # meaning is not documented. The server's own message is shown; a state the same request
    # cannot change, so not retried.
    "E028": CodeRule(_C, False, "Refused in the schedule's or account's current state"),
    "E404": CodeRule(_N, False, "Requested resource not found"),
    "E405": CodeRule(_V, False, "Method not allowed"),
    "E408": CodeRule(_S, True, "Request timed out"),
    "E422": CodeRule(SignatureExpiredError, True, "Signature expired"),
    "E503": CodeRule(_S, True, "Service unavailable"),
    "E509": CodeRule(RateLimitedError, True, "Rate limit exceeded"),
}

#: CertiCHECK gives no code for a reused signature (section 8.4 C): it names the
#: error "Signature expired". It is recognised by that text on an E401.
SIGNATURE_EXPIRED_TEXT = "signature expired"


def error_for_code(
    code: str | None,
    message: str,
    *,
    codes: Mapping[str, CodeRule] = ERROR_CODES,
    http_status: int = 200,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
) -> ApiError:
    """The exception for an error envelope ``{"code": code, "message": message}``.

    The code is stripped of stray whitespace (the document shows ``"E033 "``);
    an unknown or missing code gives a plain, non-retryable :class:`ApiError`
    that keeps the code, message, status and body.
    """
    clean = code.strip().upper() if isinstance(code, str) and code.strip() else None
    common: dict[str, Any] = {"code": clean, "http_status": http_status, "body": body}
    if clean == "E401" and SIGNATURE_EXPIRED_TEXT in message.lower():
        return SignatureExpiredError(message, retryable=True, **common)
    rule = codes.get(clean) if clean else None
    if rule is None:
        return ApiError(message, **common)
    text = message or rule.meaning
    headers = headers or {}
    if rule.error is TimestampError:
        return TimestampError(text, server_time=parse_http_date(headers.get("Date")), **common)
    if rule.error is RateLimitedError:
        retry_after = parse_retry_after(headers.get("Retry-After"), headers.get("Date"))
        return RateLimitedError(text, retry_after=retry_after, retryable=True, **common)
    return rule.error(text, retryable=rule.retryable, **common)


def is_error_envelope(payload: Mapping[str, Any]) -> bool:
    status = payload.get("status")
    return (isinstance(status, str) and status.strip().upper() == "ERROR") or isinstance(
        payload.get("error"), dict
    )


def envelope_error(
    payload: Mapping[str, Any],
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    codes: Mapping[str, CodeRule] = ERROR_CODES,
) -> ApiError:
    error = payload.get("error")
    error = error if isinstance(error, dict) else {}
    code, message = error.get("code"), error.get("message")
    return error_for_code(
        code if isinstance(code, str) else None,
        message if isinstance(message, str) else "",
        codes=codes,
        http_status=status,
        body=body,
        headers=headers,
    )


Decoder = Callable[[int, Mapping[str, str], bytes, Expect], Any]


def envelope_decoder(codes: Mapping[str, CodeRule]) -> Decoder:
    """A decoder for a Mettl API whose codes are ``codes``."""

    def decode(status: int, headers: Mapping[str, str], body: bytes, expect: Expect) -> Any:
        """The payload of a successful response (a JSON object, or text), or raise its error."""
        if status == 429:
            raise rate_limited(status, headers, body)
        payload = parse_json(body, expect)
        if isinstance(payload, dict) and is_error_envelope(payload):
            raise envelope_error(payload, status, headers, body, codes)
        raise_for_status(status, headers, body)
        if expect == "text":
            return expect_text(payload, status, body)
        return expect_object(payload, status, body)

    return decode


decode_certicheck = envelope_decoder(ERROR_CODES)
decode_rest = envelope_decoder(REST_ERROR_CODES)
