"""What the REST endpoints need of the sandbox serving them.

The endpoints (``account``, ``catalog``, ``candidates``) take the sandbox as a
:class:`MettlRestAccount`; only the server module imports them, so no endpoint
imports the server.
"""

from __future__ import annotations

import threading
from typing import Protocol

from .config import MettlRestConfig
from .world import RestWorld


class MettlRestAccount(Protocol):
    """The sandbox as its endpoints see it: the account, its settings, its clock and its lock."""

    config: MettlRestConfig
    world: RestWorld
    #: Held while the world changes or a page is read (tests may drive it from another thread).
    lock: threading.RLock
    #: Candidates registered through the API (E607 counts them).
    registrations: int

    def now(self) -> float: ...

    def complete_later(self, access_key: str, email: str) -> None:
        """Take the candidate through start, finish and grading by itself (``auto_complete``)."""
        ...
