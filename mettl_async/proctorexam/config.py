"""Where ProctorExam lives and which environment variables configure it."""

from __future__ import annotations

import os
import re

from ..core.errors import ConfigurationError

ENV_BASE_URL = "PROCTOREXAM_BASE_URL"
ENV_API_TOKEN = "PROCTOREXAM_API_TOKEN"  # noqa: S105 - a variable name, not a secret
ENV_SECRET_KEY = "PROCTOREXAM_SECRET_KEY"  # noqa: S105 - a variable name, not a secret
#: The API of one tenant (customer environment): ``https://{tenant}.proctorexam.com/api/v3``.
TENANT_URL = "https://{tenant}.proctorexam.com/api/v3"
_TENANT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def tenant_url(tenant: str) -> str:
    """The base URL of a tenant; the tenant must be one DNS label (``acme``, not ``acme.com``)."""
    if not isinstance(tenant, str) or not _TENANT.fullmatch(tenant):
        raise ConfigurationError(
            f"tenant must be one DNS label such as 'acme' (from acme.proctorexam.com), got {tenant!r}"
        )
    return TENANT_URL.format(tenant=tenant.lower())


def resolve_base_url(tenant: str | None = None, base_url: str | None = None) -> str:
    """The API base URL: ``base_url`` or ``tenant`` given as arguments, else ``$PROCTOREXAM_BASE_URL``."""
    if tenant and base_url:
        raise ConfigurationError("give tenant or base_url, not both")
    if base_url:
        return base_url
    if tenant:
        return tenant_url(tenant)
    from_env = os.environ.get(ENV_BASE_URL)
    if from_env:
        return from_env
    raise ConfigurationError(
        f"missing the ProctorExam API address: tenant= or base_url= (argument), or ${ENV_BASE_URL} "
        "(e.g. https://acme.proctorexam.com/api/v3), or --proctorexam-tenant or --proctorexam-base-url "
        "on the command line",
        missing=[("base_url", ENV_BASE_URL)],
    )
