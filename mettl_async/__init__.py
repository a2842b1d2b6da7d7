"""mettl_async: an asyncio client for the Mettl assessment platform."""

import logging

from ._version import __version__
from .certicheck import CertiCheckClient
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
    TransportError,
    ValidationError,
)
from .pagination import Page, PagePosition, Paginator
from .retry import RetryPolicy

# A library logs; the application decides where to (the CLI's --debug, or your handlers).
logging.getLogger("mettl_async").addHandler(logging.NullHandler())

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BatchError",
    "CertiCheckClient",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "ConnectionLostError",
    "InputError",
    "MalformedResponseError",
    "MettlError",
    "NotFoundError",
    "Page",
    "PagePosition",
    "PaginationError",
    "Paginator",
    "PermissionDeniedError",
    "RateLimitedError",
    "RequestTimeoutError",
    "RetryPolicy",
    "ServerError",
    "SignatureExpiredError",
    "TimestampError",
    "TransportError",
    "ValidationError",
    "__version__",
]
