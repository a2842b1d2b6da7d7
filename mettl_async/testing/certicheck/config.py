"""How one sandbox CertiCHECK account is set up and how its server behaves."""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

from ..faults import AfterActing, FaultConfig, after_acting


@attrs.frozen
class SandboxConfig:
    """One sandbox CertiCHECK account and how its server behaves."""

    public_key: str = "sandbox-public-key"
    private_key: str = attrs.field(default="sandbox-private-key", repr=False)
    subdomain: str = "sandbox"
    applicants: int = 200
    seed: int = 1
    #: Whether the account's time zone is already set (slot endpoints need it).
    timezone_set: bool = True
    invite_only: bool = True
    faults: FaultConfig = attrs.field(factory=FaultConfig)
    #: Writes (registrations, allocations, bookings…) that act and then drop the connection: a
    #: count (the next N), or :class:`~mettl_async.testing.faults.AfterActing` (a seeded share).
    drop_after_acting: AfterActing = attrs.field(factory=AfterActing, converter=after_acting)
    #: Server-side limit in requests per second; above it the server answers 429.
    rate: float | None = None
    #: Requests accepted at once before the rate applies (default: one second's worth).
    burst: int | None = None
    #: Page size of the results endpoints when the request names none.
    results_page_size: int = 20
    #: "No of Slots per page is fixed as 10" (getAllSlotWindows).
    slot_windows_per_page: int = 10
    #: Registrations allowed before E607; ``None`` for no limit.
    registration_limit: int | None = None
    #: The server's clock (epoch seconds); skew it to exercise E504.
    clock: Callable[[], float] = time.time
    #: Whether ``subdomain`` is in the string to sign, as section 8.1 lists it among the
    #: mandatory parameters; ``False``: as section 8.2's Example 1 builds the string (without
    #: it, although it is still sent). Both readings of the document, to test the client's switch.
    signs_subdomain: bool = True
