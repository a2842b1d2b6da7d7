"""What every platform's sandbox shares: the request steps, faults, and the servers that run them.

Each platform's own sandbox lives in its folder (``mettl_async.testing.certicheck``, …)::

    from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig
    from mettl_async.testing import SandboxThread

    with SandboxThread(CertiCheckSandbox(SandboxConfig(applicants=50))) as sandbox:
        client = sandbox.client()   # keys, subdomain and base URL filled in
"""

from .clock import FakeClock
from .faults import AfterActing, Fault, FaultConfig
from .fleet import AccountsSandbox
from .kit import Behaviour, PlatformSandbox, RecordedRequest, SandboxError, UsedSignatures
from .runner import SandboxServer, SandboxThread

__all__ = [
    "AccountsSandbox",
    "AfterActing",
    "Behaviour",
    "FakeClock",
    "Fault",
    "FaultConfig",
    "PlatformSandbox",
    "RecordedRequest",
    "SandboxError",
    "SandboxServer",
    "SandboxThread",
    "UsedSignatures",
]
