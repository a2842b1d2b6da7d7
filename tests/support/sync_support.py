"""What the tests of the synchronous clients share: a client for a sandbox, its environment."""

from __future__ import annotations

import threading

from mettl_async.sync import CertiCheckClient
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import CertiCheckSandbox


def sync_client(sandbox: SandboxThread) -> CertiCheckClient:
    """A synchronous CertiCHECK client of ``sandbox``."""
    config = sandbox.get(CertiCheckSandbox).config
    return CertiCheckClient(
        config.public_key, config.private_key, config.subdomain, base_url=sandbox.base_url
    )


def env_for(sandbox: SandboxThread) -> dict[str, str]:
    """The environment variables that point a client without arguments at ``sandbox``."""
    config = sandbox.get(CertiCheckSandbox).config
    return {
        "METTL_PUBLIC_KEY": config.public_key,
        "METTL_PRIVATE_KEY": config.private_key,
        "METTL_SUBDOMAIN": config.subdomain,
        "METTL_BASE_URL": sandbox.base_url,
    }


def loop_threads() -> list[threading.Thread]:
    """The event loop threads of synchronous clients alive now."""
    return [t for t in threading.enumerate() if t.name.startswith("mettl-async-")]
