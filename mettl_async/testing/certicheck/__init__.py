"""The CertiCHECK v2 sandbox: a server faithful to the document, for demos and tests.

::

    with SandboxThread(CertiCheckSandbox(SandboxConfig(applicants=50))) as sandbox:
        client = sandbox.client()   # keys, subdomain and base URL filled in
"""

from .drift import Drift
from .gson import gson_json
from .server import PREFIX, CertiCheckSandbox, SandboxConfig
from .world import World, build_world

__all__ = ["PREFIX", "CertiCheckSandbox", "Drift", "SandboxConfig", "World", "build_world", "gson_json"]
