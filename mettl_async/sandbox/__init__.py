"""A sandbox CertiCHECK server, faithful to the document, for demos and tests.

::

    with SandboxThread(SandboxConfig(applicants=50)) as sandbox:
        client = sandbox.client()   # keys, subdomain and base URL filled in
"""

from .faults import Fault, FaultConfig
from .server import (
    RecordedRequest,
    Sandbox,
    SandboxConfig,
    SandboxServer,
    SandboxThread,
    client_for,
    expected_signature,
)

__all__ = [
    "Fault",
    "FaultConfig",
    "RecordedRequest",
    "Sandbox",
    "SandboxConfig",
    "SandboxServer",
    "SandboxThread",
    "client_for",
    "expected_signature",
]
