"""What the CertiCHECK endpoints need of the sandbox serving them, and the lookups they share.

The endpoints (``accounts``, ``results``, ``slots``) take the sandbox as a
:class:`CertiCheckAccount`; only the server module imports them, so no endpoint
imports the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from aiohttp import web

from ..kit import SandboxError
from .config import SandboxConfig
from .params import number
from .world import ApplicantRow, World


class CertiCheckAccount(Protocol):
    """The sandbox as its endpoints see it: the account, its settings, its clock."""

    config: SandboxConfig
    world: World
    #: Applicants registered through the API (E607 counts them).
    registrations: int

    def now(self) -> float: ...

    def response(
        self, status: int, body: bytes, headers: Mapping[str, str] | None = None
    ) -> web.Response: ...


def applicant_of(world: World, email: str) -> ApplicantRow:
    """The applicant with this e-mail (not kept: read it, do not change it), or E111."""
    found = world.applicants.lookup(email)
    if found is None:
        raise SandboxError("E111", "Provided applicant id is not valid.")
    return found


def assessment_of(world: World, value: Any) -> int:
    """The id of one of the account's tests, or E001."""
    assessment_id = number(value, "E001", "Invalid Assessment Id")
    if assessment_id not in world.tests:
        raise SandboxError("E001", "Invalid Assessment Id")
    return assessment_id
