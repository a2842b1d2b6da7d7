"""The iTEP sandbox: fulfillment against an inventory of test IDs, results webhooks as tests complete.

::

    with SandboxThread(ItepSandbox(SandboxConfig(webhook_url=...))) as sandbox:
        client = sandbox.client()   # key, header, encoding and URL filled in
"""

from .inventory import Inventory, TestRecord
from .server import FULFILLMENT_PATH, PREFIX, ItepSandbox, SandboxConfig, SentEmail, SentWebhook

__all__ = [
    "FULFILLMENT_PATH",
    "PREFIX",
    "Inventory",
    "ItepSandbox",
    "SandboxConfig",
    "SentEmail",
    "SentWebhook",
    "TestRecord",
]
