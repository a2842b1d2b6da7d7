"""One exception hierarchy for every failure, and the table of Mettl E-codes.

MettlError
├── InputError              bad input, raised before anything is sent
├── ConfigurationError      missing credentials or settings
├── PaginationError         a server sent the same next page twice
├── BatchError              a multi-call helper stopped part-way (says what was kept)
├── TransportError          the request or its answer was lost on the way
│   ├── ConnectError            never reached the server (safe to repeat)
│   ├── ConnectionLostError     dropped after sending (the server may have acted)
│   └── RequestTimeoutError     no answer in time (the server may have acted)
└── ApiError                the server answered with an error
    ├── AuthenticationError     E401, E002, E108, E117, HTTP 401
    ├── PermissionDeniedError   E403, HTTP 403
    ├── SignatureExpiredError   a reused signature ("Signature expired"); retryable
    ├── TimestampError          E504; the client corrects its clock and re-signs once
    ├── ValidationError         the request was malformed or a value was invalid
    ├── NotFoundError           the thing named does not exist (any more)
    ├── ConflictError           already done, or the account's state forbids it
    ├── RateLimitedError        HTTP 429, with the server's Retry-After
    └── ServerError             E000, 5xx, HTML or empty bodies; transient
        └── MalformedResponseError  a 2xx body that is not what the endpoint sends
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple


class MettlError(Exception):
    """Base of every error this package raises."""


class InputError(MettlError, ValueError):
    """A value given to the client breaks a documented rule; nothing was sent."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class ConfigurationError(MettlError):
    """A required setting (a key, the subdomain) is missing."""


class PaginationError(MettlError):
    """The server pointed back at a page already fetched: following it would never end."""


class BatchError(MettlError):
    """A helper that makes several calls stopped part-way.

    ``completed`` holds the results of the calls that succeeded, ``remaining`` the
    input that was not (or may not have been) processed, ``__cause__`` the failure.
    """

    def __init__(self, message: str, completed: Sequence[Any], remaining: Sequence[Any]) -> None:
        super().__init__(message)
        self.completed = list(completed)
        self.remaining = list(remaining)


class TransportError(MettlError):
    """The request or its response was lost between client and server."""

    #: Whether the server may have received (and acted on) the request.
    request_sent: bool = True
    retryable = True


class ConnectError(TransportError):
    """No connection could be made; the server never saw the request."""

    request_sent = False


class ConnectionLostError(TransportError):
    """The connection dropped after the request was sent."""


class RequestTimeoutError(TransportError):
    """No complete answer arrived within the timeout."""


class ApiError(MettlError):
    """The server answered with an error.

    ``code`` is the E-code (stripped of stray whitespace) or ``None`` when the
    error is known only from the HTTP status; ``body`` is the raw response.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        http_status: int = 200,
        body: bytes = b"",
        retryable: bool = False,
    ) -> None:
        label = code or f"HTTP {http_status}"
        super().__init__(f"{label}: {message}" if message else label)
        self.code = code
        self.message = message
        self.http_status = http_status
        self.body = body
        self.retryable = retryable


class AuthenticationError(ApiError):
    """The keys, subdomain or signature were not accepted."""


class PermissionDeniedError(ApiError):
    """The key is valid but not allowed to do this."""


class SignatureExpiredError(ApiError):
    """The signature was used before (signatures are single-use); re-signing fixes it."""


class TimestampError(ApiError):
    """``ts`` is more than a day away from the server's clock (E504)."""

    def __init__(self, message: str, *, server_time: datetime | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        #: The server's clock, read from the response ``Date`` header when present.
        self.server_time = server_time


class ValidationError(ApiError):
    """The request was malformed or a parameter value was rejected."""


class NotFoundError(ApiError):
    """The assessment, slot, applicant or window named does not exist (any more)."""


class ConflictError(ApiError):
    """Already done, or the account's current state does not allow it."""


class RateLimitedError(ApiError):
    """HTTP 429; ``retry_after`` is the server's requested pause in seconds, if given."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(ApiError):
    """The server failed (E000, 5xx, an HTML error page, an empty body)."""


class MalformedResponseError(ServerError):
    """A successful status with a body that is not what the endpoint sends."""


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

#: The document gives no code for a reused signature (section 8.4 C): it names the
#: error "Signature expired". It is recognised by that text on an E401.
SIGNATURE_EXPIRED_TEXT = "signature expired"


def error_for_code(
    code: str | None,
    message: str,
    *,
    http_status: int = 200,
    body: bytes = b"",
    server_time: datetime | None = None,
) -> ApiError:
    """The exception for an error envelope ``{"code": code, "message": message}``.

    The code is stripped of stray whitespace (the document shows ``"E033 "``);
    an unknown or missing code gives a plain, non-retryable :class:`ApiError`.
    """
    clean = code.strip().upper() if isinstance(code, str) and code.strip() else None
    common: dict[str, Any] = {"code": clean, "http_status": http_status, "body": body}
    if clean == "E401" and SIGNATURE_EXPIRED_TEXT in message.lower():
        return SignatureExpiredError(message, retryable=True, **common)
    rule = ERROR_CODES.get(clean) if clean else None
    if rule is None:
        return ApiError(message, **common)
    if rule.error is TimestampError:
        return TimestampError(message or rule.meaning, server_time=server_time, **common)
    return rule.error(message or rule.meaning, retryable=rule.retryable, **common)
