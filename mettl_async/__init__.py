"""mettl_async: an asyncio client for the assessment platforms around Mettl.

Errors are imported at once; clients and the machinery they use on first use,
so that importing the package (and ``mettl-async --version``) stays cheap.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
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
    ServerError,
    SignatureExpiredError,
    TimestampError,
    TLSVerificationError,
    TransportError,
    ValidationError,
)

if TYPE_CHECKING:
    from .capture import capture_responses
    from .certicheck import CertiCheckClient
    from .itep import ItepClient
    from .mettl import MettlClient
    from .pagination import Page, Paginator
    from .paging import PagePosition
    from .proctorexam import ProctorExamClient
    from .ratelimit import RateLimiter
    from .retry import RetryPolicy
    from .session import CallOptions, Response
    from .telemetry import SessionEvents, SessionStats

_LAZY = {
    "capture_responses": ".capture",
    "CertiCheckClient": ".certicheck",
    "MettlClient": ".mettl",
    "ProctorExamClient": ".proctorexam",
    "ItepClient": ".itep",
    "Page": ".pagination",
    "PagePosition": ".paging",
    "Paginator": ".pagination",
    "RateLimiter": ".ratelimit",
    "RetryPolicy": ".retry",
    "CallOptions": ".session",
    "Response": ".session",
    "SessionEvents": ".telemetry",
    "SessionStats": ".telemetry",
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
    "CallOptions",
    "CertiCheckClient",
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
    "RetryPolicy",
    "ServerError",
    "SessionEvents",
    "SessionStats",
    "SignatureExpiredError",
    "TLSVerificationError",
    "TimestampError",
    "TransportError",
    "ValidationError",
    "__version__",
    "capture_responses",
]
