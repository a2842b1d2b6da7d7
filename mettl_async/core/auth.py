"""How a platform authenticates a request: a small scheme object, pure apart from its inputs.

The session asks the scheme what must be unique about an attempt, obtains it
(a ``ts`` second nobody used for the same request, or a fresh nonce) from the
uniqueness store, and then has the scheme turn the request into its bytes::

    scheme.unique_key(request)   -> bytes | None   # Mettl: signed content apart from ts
    scheme.uses_nonce            -> bool           # ProctorExam: a nonce per attempt
    scheme.sign(request, stamp)  -> WireRequest    # pure

Each scheme also names the secrets it puts on the wire, so that no log line,
exception or file ever shows them.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable

import attrs

from .request import Request, WireRequest


@attrs.frozen
class Stamp:
    """What makes one attempt unique: the (server-corrected) time and, where used, a nonce."""

    #: Epoch seconds by the corrected clock.
    time: float
    #: Whole second claimed for the request (schemes with one-second timestamps).
    second: int | None = None
    nonce: int | None = None


@attrs.frozen
class Signed:
    """A signed request: its bytes and the secrets they hold (for redaction)."""

    wire: WireRequest
    secrets: tuple[str, ...] = attrs.field(repr=False)


class AuthScheme(abc.ABC):
    """A platform's authentication. Subclasses are small and pure."""

    #: Seconds during which an identical request would sign identically (Mettl's ``ts``
    #: has one-second resolution). Identical GETs answered within it are shared.
    resolution: float = 0.0
    #: The scheme asks for a fresh nonce per attempt.
    uses_nonce: bool = False

    def unique_key(self, request: Request, base_url: str) -> bytes | None:
        """What the signature covers apart from the time, when two attempts could collide."""
        return None

    @abc.abstractmethod
    def sign(self, request: Request, base_url: str, stamp: Stamp) -> Signed:
        """The request's bytes with credentials added."""

    @abc.abstractmethod
    def secrets(self) -> Iterable[str]:
        """Every long-lived secret of the scheme (keys, tokens), to keep out of any output."""

    @property
    def secret_names(self) -> frozenset[str]:
        """Parameter and header names whose values are secret."""
        return frozenset()
