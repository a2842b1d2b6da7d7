"""Seed 000's two readings of the string to sign, and the one switch between them a client makes.

Section 8.1 lists ``subdomain`` among the mandatory parameters and section 8.2 signs
"request-parameters (including 'ak' & 'ts')": the subdomain is signed. That is the reading
the client prefers (and the one the REST seeds' vectors confirm for the parameters they
have). Section 8.2's Example 1, though, signs ``GET`` + URL + ak + limit + ts: no subdomain.
A server following the example refuses every call signed the preferred way (E401).

So, as for the white-label path's two spellings in the REST client: the preferred reading
is sent; when a client's first calls are refused for their signature, the other reading is
tried once, and kept for the client's lifetime when it is accepted (one WARNING says so). A
refusal at the signature check proves the server did not act, so even a create is sent again.
A call only ever costs one extra request, and once a reading is known to work (or
``CertiCheckClient(sign_subdomain=...)`` fixed it) none is tried again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ..core.errors import ApiError, AuthenticationError, RateLimitedError, ServerError
from ..mettlfamily.signing import MettlSigning

log = logging.getLogger("mettl_async.certicheck")

R = TypeVar("R")

#: Section 8.4's refusals up to the signature check: the client and subdomain (E002, E117,
#: E118), the timestamp (E504), the signature and its novelty (E401).
BEFORE_THE_SIGNATURE = frozenset({"E002", "E117", "E118", "E401", "E504"})


def is_signature_refusal(error: BaseException) -> bool:
    """The server recomputed the signature and it did not match (E401, not "Signature expired")."""
    return type(error) is AuthenticationError and error.code == "E401"


def proves_signature_accepted(error: BaseException | None) -> bool:
    """The answer came from past the signature check: a success (``None``), or an endpoint's own
    E-code. A 429, a 5xx or E000 may come from anywhere and proves nothing."""
    if error is None:
        return True
    return (
        isinstance(error, ApiError)
        and error.code is not None
        and error.code not in BEFORE_THE_SIGNATURE
        and not isinstance(error, RateLimitedError | ServerError)
    )


class SubdomainReading:
    """Whether a client signs ``subdomain``, and its one switch to the other reading.

    Shared by a client and its ``with_options`` views; ``fixed`` (``True``: signed, ``False``:
    sent only) turns the switch off.
    """

    def __init__(self, signing: MettlSigning, fixed: bool | None = None) -> None:
        self._signing = signing
        if fixed is not None:
            signing.sign_base_params = fixed
        self._preferred = signing.sign_base_params
        #: A call signed the current way was accepted, or the reading was fixed: no switch now.
        self.settled = fixed is not None

    async def call(self, send: Callable[[], Awaitable[R]]) -> R:
        """``send()``, and once more signed the other way if that may be what it takes."""
        signing = self._signing
        reading = signing.sign_base_params
        try:
            return await self._sent(send, reading)
        except ApiError as error:
            if not is_signature_refusal(error):
                raise
            if reading != signing.sign_base_params:  # another call switched meanwhile
                return await self._sent(send, signing.sign_base_params)
            if self.settled or reading != self._preferred:
                raise
            return await self._other_reading(send, error)

    async def _sent(self, send: Callable[[], Awaitable[R]], reading: bool) -> R:
        try:
            result = await send()
        except ApiError as error:
            self._answered(reading, error)
            raise
        self._answered(reading, None)
        return result

    def _answered(self, reading: bool, error: ApiError | None) -> None:
        """A call signed ``reading`` was answered: an answer from past the signature check
        settles the reading (and, the first time it is the other one, says so)."""
        if self.settled or reading != self._signing.sign_base_params or not proves_signature_accepted(error):
            return
        self.settled = True
        if reading != self._preferred:
            log.warning(
                "the server refused the signature with subdomain signed (section 8.1 of the CertiCHECK "
                "document) and accepted it without (as section 8.2's Example 1 signs): this client signs "
                "without subdomain from now on (CertiCheckClient(sign_subdomain=...) fixes the reading)"
            )

    async def _other_reading(self, send: Callable[[], Awaitable[R]], refused: ApiError) -> R:
        """The preferred reading was refused: one attempt signed the other way. Kept if the server
        takes it; otherwise back to the preferred one, and never tried again once the other was
        refused too (the keys, most likely: the preferred reading's refusal is raised)."""
        signing = self._signing
        signing.sign_base_params = other = not self._preferred
        try:
            return await self._sent(send, other)
        except ApiError as error:
            if not self.settled:
                signing.sign_base_params = self._preferred
                self.settled = is_signature_refusal(error)
            if is_signature_refusal(error):
                raise refused from None
            raise
        except BaseException:  # no answer (a lost connection, a cancellation): nothing learnt
            if not self.settled:
                signing.sign_base_params = self._preferred
            raise
