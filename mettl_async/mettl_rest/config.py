"""Where the Mettl REST API lives, which version is spoken, and the variables that say so.

Light on purpose (the standard library only): the command line reads these
names without loading aiohttp.

A base URL and an API version combine by one rule, :func:`resolve_base_url`:

* no base URL: ``https://api.mettl.com/{version}`` (``v2`` unless told);
* a base URL whose last path segment is ``v1``, ``v2`` or ``v3``: that segment
  is the version, unless ``api_version`` is given, which then replaces it
  (``--api-version v3`` with ``METTL_API_BASE_URL=…/v2`` speaks v3);
* a base URL without a version segment (``https://api.mercermettl.eu``, a
  sandbox's ``http://127.0.0.1:8080/mettl``): the version is appended.
"""

from __future__ import annotations

from urllib.parse import urlunsplit

from ..core.checks import split_http_url
from ..core.errors import ConfigurationError
from ..core.redaction import redact

ENV_API_BASE_URL = "METTL_API_BASE_URL"
ENV_API_VERSION = "METTL_API_VERSION"
API_ORIGIN = "https://api.mettl.com"
DEFAULT_API_VERSION = "v2"
DEFAULT_API_BASE_URL = f"{API_ORIGIN}/{DEFAULT_API_VERSION}"
#: The versions of the REST API, as their base URLs end.
API_VERSIONS = ("v1", "v2", "v3")


class ApiVersionError(ValueError):
    """An ``api_version`` that is not one of :data:`API_VERSIONS`."""


def check_api_version(api_version: str) -> str:
    """``"v1"``, ``"v2"`` or ``"v3"`` (``"V2"`` and ``"2"`` are read as ``"v2"``)."""
    text = api_version.strip().lower() if isinstance(api_version, str) else ""
    version = text if text.startswith("v") else f"v{text}"
    if version not in API_VERSIONS:
        raise ApiVersionError(f"api_version must be one of {', '.join(API_VERSIONS)}, got {api_version!r}")
    return version


def resolve_base_url(base_url: str | None, api_version: str | None) -> tuple[str, str]:
    """The base URL to sign and send to, and the version it speaks (see the module's rule)."""
    version = check_api_version(api_version) if api_version is not None else None
    if not base_url:
        chosen = version or DEFAULT_API_VERSION
        return f"{API_ORIGIN}/{chosen}", chosen
    parts = split_http_url(base_url.strip())
    if parts is None:
        raise ConfigurationError(f"base_url must be an http(s) URL with a host, got {redact(base_url)!r}")
    segments = parts.path.rstrip("/").split("/")
    if segments[-1].lower() in API_VERSIONS:
        found = segments[-1].lower()
        chosen = version or found
        segments[-1] = chosen
    else:
        chosen = version or DEFAULT_API_VERSION
        segments.append(chosen)
    path = "/".join(segments)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment)), chosen


__all__ = [
    "API_VERSIONS",
    "DEFAULT_API_BASE_URL",
    "DEFAULT_API_VERSION",
    "ENV_API_BASE_URL",
    "ENV_API_VERSION",
    "ApiVersionError",
    "check_api_version",
    "resolve_base_url",
]
