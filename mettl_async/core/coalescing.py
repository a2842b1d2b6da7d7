"""Identical GETs sent once: callers asking for what is already in flight, or was answered
within the auth scheme's resolution (one second for Mettl's ``ts``), share that answer.

Two identical Mettl requests in one second would sign identically and the second
would be refused, so sharing is both cheaper and the only correct way to serve a
web backend that asks for the same thing a thousand times a second. A write (any
other method) ends the sharing of answers from before it.

Recent answers are kept up to :data:`RECENT_BYTES` of bodies, the oldest forgotten
first: a harvest's pages are never asked for twice, and keeping a second of them
would hold tens of megabytes. A request whose answer was forgotten is sent again in
the next second (the uniqueness store sees to that), so forgetting costs time, never
correctness.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .options import ClientOptions
    from .request import Request
    from .responses import Response


#: Most bytes of answer bodies kept to share within the second.
RECENT_BYTES = 1 << 20


class _Abandoned(Exception):
    """The caller sending a shared request was cancelled: the others try again."""


def coalescing_key(request: Request, options: ClientOptions | None) -> Hashable | None:
    """What identical requests have in common, or ``None`` for a request that is never shared."""
    if request.method != "GET" or not request.safe_to_repeat:
        return None
    try:
        key = (request.path, tuple(sorted(request.params.items())), request.expect, per_call(options))
        hash(key)
    except TypeError:  # a parameter value that is not hashable: not shared
        return None
    return key


def per_call(options: ClientOptions | None) -> Hashable:
    """What a call's options change about its answer's fate (calls that differ in them are not
    shared); ``None`` for the client's own options."""
    if options is None:
        return None
    headers = tuple(sorted(options.headers.items()))
    return (options.timeout, options.retry, options.max_response_bytes, headers)


class Coalescer:
    """Shares answers among identical requests; ``resolution`` seconds of recent answers."""

    def __init__(self, resolution: float, now: Callable[[], float]) -> None:
        self.resolution = resolution
        self._now = now
        # Ordered: the oldest leave first, in O(1) (a dict's front is slow to pop repeatedly).
        self._recent: OrderedDict[Hashable, Response] = OrderedDict()
        self._recent_bytes = 0
        self._recent_second: int | None = None

    def forget(self) -> None:
        """A write happened: nothing answered before it is shared any more."""
        self._recent.clear()
        self._recent_bytes = 0

    def _answered_this_second(self, key: Hashable) -> Response | None:
        if not self._recent:
            return None
        if self._recent_second != int(self._now()):
            self.forget()
            return None
        return self._recent.get(key)

    def _remember(self, key: Hashable, response: Response) -> None:
        second = int(self._now())
        if self._recent_second != second:
            self.forget()
            self._recent_second = second
        previous = self._recent.pop(key, None)
        if previous is not None:
            self._recent_bytes -= previous.size
        if response.size > RECENT_BYTES:
            return
        while self._recent_bytes + response.size > RECENT_BYTES:
            self._recent_bytes -= self._recent.popitem(last=False)[1].size
        self._recent[key] = response
        self._recent_bytes += response.size

    async def share(
        self,
        inflight: dict[Hashable, asyncio.Future[Any]],
        key: Hashable,
        call: Callable[[], Awaitable[Response]],
    ) -> tuple[Response, bool]:
        """The answer for ``key`` and whether it was shared (not sent by this caller)."""
        while True:
            recent = self._answered_this_second(key)
            if recent is not None:
                return recent, True
            waiter = inflight.get(key)
            if waiter is None:
                break
            try:
                response: Response = await asyncio.shield(waiter)
            except _Abandoned:
                continue
            return response, True
        waiter = asyncio.get_running_loop().create_future()
        inflight[key] = waiter
        try:
            response = await call()
        except BaseException as error:
            waiter.set_exception(_Abandoned() if isinstance(error, asyncio.CancelledError) else error)
            waiter.exception()  # retrieved: no "never retrieved" warning when nobody waited
            raise
        finally:
            del inflight[key]
        waiter.set_result(response)
        if self.resolution:
            self._remember(key, response)
        return response, False
