"""One exception hierarchy for every platform and every failure::

    MettlError
    ├── InputError              bad input, raised before anything is sent (names the field and the rule)
    ├── ConfigurationError      missing credentials or settings
    ├── PaginationError         a list cannot be walked correctly (it loops, repeats or skips records)
    ├── BatchError              a multi-call helper stopped part-way (says what was kept)
    ├── TransportError          the request or its answer was lost on the way
    │   ├── ConnectError            never reached the server (safe to repeat)
    │   │   └── TLSVerificationError    the server's certificate was refused (not retried)
    │   ├── ConnectionLostError     dropped after sending (the server may have acted)
    │   └── RequestTimeoutError     no answer in time (the server may have acted)
    └── ApiError                the server answered with an error
        ├── AuthenticationError     bad keys or signature (Mettl E401, E002; HTTP 401)
        ├── PermissionDeniedError   the key may not do this (E403, HTTP 403)
        ├── SignatureExpiredError   a reused signature or nonce; retried, re-signed
        ├── TimestampError          the request's time is outside the server's window
        ├── ValidationError         the request was malformed or a value was invalid (HTTP 400, 422)
        ├── NotFoundError           the thing named does not exist (any more)
        ├── ConflictError           already done, or the account's state forbids it
        ├── RateLimitedError        HTTP 429 or Mettl E509, with the server's Retry-After
        ├── ResponseTooLargeError   a body beyond the client's max_response_bytes (not retried)
        └── ServerError             E000, 5xx, HTML or empty bodies; transient
            └── MalformedResponseError  a 2xx body that is not what the endpoint sends

Each platform maps its own codes onto these classes (``mettl_async.mettlfamily.codes``
for both Mettl APIs). Messages never hold a credential: server text is redacted
before it reaches an exception. Nor do they hold a terminal control: ``str(error)``
writes control characters as escapes (``\x1b``, ``\r``; see :mod:`.printable`), and
``ApiError.message`` holds the server's text so written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .printable import printable
from .redaction import redact

if TYPE_CHECKING:
    from .redaction import Redactor


class MettlError(Exception):
    """Base of every error this package raises."""

    def __str__(self) -> str:
        # Messages carry server text: shown, a control character would act on the terminal.
        return printable(super().__str__())


class InputError(MettlError, ValueError):
    """A value given to the client breaks a documented rule; nothing was sent."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


class ConfigurationError(MettlError):
    """A required setting (a key, the subdomain) is missing."""


class PaginationError(MettlError):
    """A list cannot be walked correctly: the server loops, repeats or skips records, or its
    paging data contradicts the records. Nothing past the last good page was given out."""


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


class TLSVerificationError(ConnectError):
    """The server's TLS certificate failed verification. Not retried: it will fail again.
    Pass your own ``ssl.SSLContext`` to trust a private authority."""

    retryable = False


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
        message = printable(redact(message))
        super().__init__(self._text(code, http_status, message))
        self.code = code
        self.message = message
        self.http_status = http_status
        self.body = body
        self.retryable = retryable

    @staticmethod
    def _text(code: str | None, http_status: int, message: str) -> str:
        label = code or f"HTTP {http_status}"
        return f"{label}: {message}" if message else label

    def scrub(self, redactor: Redactor) -> None:
        """Remove known secret values from the message and body (servers echo requests)."""
        self.message = printable(redactor.text(self.message))
        self.body = redactor.body(self.body)
        self.args = (self._text(self.code, self.http_status, self.message),)


class AuthenticationError(ApiError):
    """The keys, subdomain or signature were not accepted."""


class PermissionDeniedError(ApiError):
    """The key is valid but not allowed to do this."""


class SignatureExpiredError(ApiError):
    """The signature (or nonce) was used before; a new attempt signs afresh."""


class TimestampError(ApiError):
    """The request's time is outside the server's window (Mettl E504: more than a day off)."""

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
    """Too many requests (HTTP 429, Mettl E509); ``retry_after`` is the server's pause in seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ResponseTooLargeError(ApiError):
    """The response body is larger than the client's ``max_response_bytes`` (decompressed, or
    as its Content-Length says); refused while it streamed in, so memory stays near the cap.
    Not retried: the same request would get the same body. ``limit`` is the cap."""

    def __init__(self, message: str, *, limit: int, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.limit = limit


class ServerError(ApiError):
    """The server failed (E000, 5xx, an HTML error page, an empty body)."""


class MalformedResponseError(ServerError):
    """A successful status with a body that is not what the endpoint sends."""
