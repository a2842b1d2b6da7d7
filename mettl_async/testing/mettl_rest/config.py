"""How one sandbox REST account is set up and how its server behaves."""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

from ..faults import AfterActing, FaultConfig, after_acting


@attrs.frozen
class MettlRestConfig:
    """One sandbox REST account and how its server behaves. The keys are CertiCHECK's sandbox
    keys, so one pair of ``export`` lines serves both sandboxes."""

    public_key: str = "sandbox-public-key"
    private_key: str = attrs.field(default="sandbox-private-key", repr=False)
    assessments: int = 6
    schedules_per_assessment: int = 2
    #: Candidates in the account (half of them in the first schedule).
    candidates: int = 120
    seed: int = 1
    faults: FaultConfig = attrs.field(factory=FaultConfig)
    #: Writes (registrations, allocations, bookings…) that act and then drop the connection: a
    #: count (the next N), or :class:`~mettl_async.testing.faults.AfterActing` (a seeded share).
    drop_after_acting: AfterActing = attrs.field(factory=AfterActing, converter=after_acting)
    #: Server-side limit in requests per second; above it the server answers E509.
    rate: float | None = None
    burst: int | None = None
    #: Registrations accepted before E607; ``None`` for no limit.
    registration_limit: int | None = None
    #: Whether the account may use Update White Label (E403 otherwise: "only authorized accounts").
    white_label_allowed: bool = True
    #: The one spelling of Update White Label's path this server has (the other answers E404);
    #: two Ls, as seed 002's signature was made. Set the one-L spelling to meet the fallback.
    white_label_path: str = "/account/update-white-labelling"
    #: Seconds between a registration and the candidate's start, finish and grading; ``None``: never.
    auto_complete: float | None = None
    #: Attempts per webhook when the receiver fails (5xx) or cannot be reached.
    webhook_attempts: int = 3
    webhook_timeout: float = 5.0
    #: The server's clock (epoch seconds); skew it to exercise E504.
    clock: Callable[[], float] = time.time
