"""mettl_async: an asyncio client for the assessment platforms around Mettl.

Errors are imported at once; clients and the machinery they use on first use,
so that importing the package (and ``mettl-async --version``) stays cheap.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .core.errors import (
    ApiError,
    AuthenticationError,
    BatchError,
    ConfigurationError,
    ConflictError,
    ConnectError,
    ConnectionLostError,
    InputError,
    MalformedResponseError,
    MettlError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    RateLimitedError,
    RequestTimeoutError,
    ResponseTooLargeError,
    ServerError,
    SignatureExpiredError,
    TimestampError,
    TLSVerificationError,
    TransportError,
    ValidationError,
)

if TYPE_CHECKING:
    from .certicheck import CertiCheckClient
    from .core.capture import capture_responses
    from .core.options import ClientOptions, Timeout
    from .core.paginator import Page, Paginator
    from .core.paging_styles import PagePosition
    from .core.ratelimit import RateLimiter
    from .core.responses import Response
    from .core.retry import RetryPolicy
    from .core.telemetry import SessionEvents, SessionStats
    from .itep import ItepClient
    from .mettl_rest import MettlClient
    from .proctorexam import ProctorExamClient

_LAZY = {
    "capture_responses": ".core.capture",
    "CertiCheckClient": ".certicheck",
    "MettlClient": ".mettl_rest",
    "ProctorExamClient": ".proctorexam",
    "ItepClient": ".itep",
    "Page": ".core.paginator",
    "PagePosition": ".core.paging_styles",
    "Paginator": ".core.paginator",
    "RateLimiter": ".core.ratelimit",
    "RetryPolicy": ".core.retry",
    "ClientOptions": ".core.options",
    "Timeout": ".core.options",
    "Response": ".core.responses",
    "SessionEvents": ".core.telemetry",
    "SessionStats": ".core.telemetry",
}

# A library logs; the application decides where to (the CLI's --debug, or your handlers).
logging.getLogger("mettl_async").addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ApiError",
    "AuthenticationError",
    "BatchError",
    "CertiCheckClient",
    "ClientOptions",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "ConnectionLostError",
    "InputError",
    "ItepClient",
    "MalformedResponseError",
    "MettlClient",
    "MettlError",
    "NotFoundError",
    "Page",
    "PagePosition",
    "PaginationError",
    "Paginator",
    "PermissionDeniedError",
    "ProctorExamClient",
    "RateLimitedError",
    "RateLimiter",
    "RequestTimeoutError",
    "Response",
    "ResponseTooLargeError",
    "RetryPolicy",
    "ServerError",
    "SessionEvents",
    "SessionStats",
    "SignatureExpiredError",
    "TLSVerificationError",
    "Timeout",
    "TimestampError",
    "TransportError",
    "ValidationError",
    "__version__",
    "capture_responses",
]
