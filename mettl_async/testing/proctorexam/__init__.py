"""The ProctorExam API v3 sandbox: a strict server for demos and tests.

::

    with SandboxThread(ProctorExamSandbox(ProctorExamSandboxConfig(sessions=1000))) as sandbox:
        client = sandbox.client()   # token, secret key and base URL filled in
"""

from .server import PREFIX, ProctorExamSandbox, ProctorExamSandboxConfig, Reply
from .verify import ProctorExamVerifier, expected_signature
from .world import World

__all__ = [
    "PREFIX",
    "ProctorExamSandbox",
    "ProctorExamSandboxConfig",
    "ProctorExamVerifier",
    "Reply",
    "World",
    "expected_signature",
]
