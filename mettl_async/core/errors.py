r"""One exception hierarchy for every platform and every failure::

    MettlError
    ├── InputError              bad input, raised before anything is sent (names the field and the rule)
    ├── ConfigurationError      missing credentials or settings
    ├── PaginationError         a list cannot be walked correctly (it loops, repeats or skips records)
    ├── BatchError              a multi-call helper stopped part-way (says what was kept)
    ├── TransportError          the request or its answer was lost on the way
    │   ├── ConnectError            never reached the server (safe to repeat)
    │   │   └── TLSVerificationError    the server's certificate was refused (not retried)
    │   │       └── PlainHTTPError          an https:// URL, a server that speaks plain HTTP
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

from collections.abc import Mapping, Sequence
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
    """A required setting (a key, the subdomain) is missing, or a setting cannot work.

    ``missing`` names each missing setting as ``(argument, environment variable)``, so that a
    caller (the command line) can say it in its own terms."""

    def __init__(self, message: str, *, missing: Sequence[tuple[str, str | None]] = ()) -> None:
        super().__init__(message)
        self.missing = tuple(missing)


def missing_settings(missing: Sequence[tuple[str, str | None]], what: str = "") -> ConfigurationError:
    """The error for settings given neither as arguments nor in the environment:
    ``missing private_key (argument or $METTL_PRIVATE_KEY)``; ``what`` names whose, with a space
    after it (``"iTEP "``)."""
    named = [
        f"{name} (argument or ${variable})" if variable else f"{name} (argument)"
        for name, variable in missing
    ]
    return ConfigurationError(f"missing {what}" + " and ".join(named), missing=missing)


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
    Pass your own ``ssl.SSLContext`` to trust a private authority.

    ``detail`` is what failed, without that advice (the command line gives its own)."""

    retryable = False
    #: What to do about it, in the library's terms.
    advice = "pass ssl=your SSLContext to trust a private authority"

    def __init__(self, detail: str) -> None:
        super().__init__(f"{detail}; {self.advice}" if self.advice else detail)
        self.detail = detail


class PlainHTTPError(TLSVerificationError):
    """The URL says ``https://`` but the server answered in plain text: it speaks HTTP without TLS
    (its URL is probably ``http://``). Not retried."""

    advice = ""


class ConnectionLostError(TransportError):
    """The connection dropped after the request was sent."""


class RequestTimeoutError(TransportError):
    """No complete answer arrived within the timeout."""


class ApiError(MettlError):
    """The server answered with an error.

    ``code`` is the E-code (stripped of stray whitespace) or ``None`` when the
    error is known only from the HTTP status; ``body`` is the raw response.

    The request behind it, once the client has sent it: ``method``, ``url`` (every credential
    masked), the response's ``headers``, its ``request_id`` (from a request id header, when the
    server sends one; none of the platforms' documents names one) and ``attempts`` (how many
    were made, retries included). A 404 without a code (no such path on that server) says which
    request got it.
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
        self.code = code
        self.message = printable(redact(message))
        self.http_status = http_status
        self.body = body
        self.retryable = retryable
        self.method: str | None = None
        self.url: str | None = None
        self.headers: Mapping[str, str] = {}
        self.request_id: str | None = None
        self.attempts = 1
        super().__init__(self._text())

    def _text(self) -> str:
        label = self.code or f"HTTP {self.http_status}"
        if self.code is None and self.http_status == 404 and self.url is not None:  # which path is missing
            label = f"{label} from {self.method} {self.url.split('?', 1)[0]}"
        return f"{label}: {self.message}" if self.message else label

    def scrub(self, redactor: Redactor) -> None:
        """Remove known secret values from the message and body (servers echo requests)."""
        self.message = printable(redactor.text(self.message))
        self.body = redactor.body(self.body)
        self.args = (self._text(),)

    def sent_as(self, method: str, url: str, headers: Mapping[str, str], request_id: str | None) -> None:
        """Record the request that got this answer (``url`` already masked) and its headers."""
        self.method, self.url, self.headers, self.request_id = method, printable(url), headers, request_id
        self.args = (self._text(),)


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
