"""One guarded paginator for every list: awaitable, async-iterable, resumable, fetching ahead.

A :class:`Paginator` is awaitable (the first page) and async-iterable (every
item), and offers ``pages()``. It gives out no record twice and never ends
early: a server that loops, repeats records, skips them or contradicts its own
total raises :class:`~mettl_async.core.errors.PaginationError` before anything wrong
is given out. Where the next position can be predicted it fetches a bounded
window of pages ahead (:class:`Prefetch`); pages still come out in order,
exactly once. The page arithmetic lives in :mod:`mettl_async.core.paging_styles`.
"""

from __future__ import annotations

import asyncio
import collections
import math
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from .errors import MalformedResponseError, PaginationError
from .fingerprints import Fingerprints
from .jsoncodec import loads_exact
from .paging_styles import PageData, PagePosition, Paging, check_max_items
from .recordkeys import NaturalKey, RecordKey, content_fingerprint, record_fingerprint

T = TypeVar("T")

__all__ = [
    "ListEndpoint",
    "NaturalKey",
    "Page",
    "Paginator",
    "Prefetch",
    "RecordKey",
    "WalkGuard",
    "content_fingerprint",
]


@attrs.frozen
class ListEndpoint(Generic[T]):
    """A list endpoint: its path, where its records are, their model, how it pages.

    ``key`` names a record by its natural key (unique within the list) for the
    duplicate check; without one, records are compared by content.
    """

    path: str
    #: Where the records are: a dotted path, or several tried in order (a list whose key no
    #: document shows: see :func:`~mettl_async.core.paging_styles.records_at`).
    items_key: str | tuple[str, ...]
    parse: Callable[[Any], T]
    paging: Paging
    #: An error code that means "past the last page" when it answers a later page.
    end_code: str | None = None
    key: RecordKey | None = None

    def page(self, data: PageData, position: PagePosition) -> Page[T]:
        following = self.paging.following(position, data)
        return Page(
            records=data.records,
            position=position,
            next=following,
            total=self.paging.total(data),
            payload=data.payload,
            headers=data.headers,
            parse=self.parse,
        )

    def last_page(self, position: PagePosition) -> Page[T]:
        """An empty last page (the server said there is nothing at ``position``)."""
        return Page(
            records=[], position=position, next=None, total=None, payload={}, headers={}, parse=self.parse
        )

    def fingerprint(self, record: Any) -> int:
        """The record's natural key, hashed; its content where the key is missing (``None``
        or all ``None``) or is not a value (a list or object from a misbehaving server). A
        record kept as sent (its text) gives the same (:mod:`.recordkeys`)."""
        return record_fingerprint(self.key, record)


@attrs.define
class Page(Generic[T]):
    """One page: the records as returned, their parsed items, and the whole response."""

    records: list[Any]
    position: PagePosition
    #: Where the following page starts; ``None`` on the last page.
    next: PagePosition | None
    #: Records in the whole list, when the server says (for progress and checks).
    total: int | None
    #: The whole decoded response (``paging``, ``nextUrl``, ``slotDetails``, …).
    payload: Mapping[str, Any] = attrs.field(repr=False)
    #: The response headers (``X-Pagination-*``, a request id, rate headers).
    headers: Mapping[str, str] = attrs.field(repr=False)
    parse: Callable[[Any], T] = attrs.field(repr=False)
    _items: list[T] | None = attrs.field(default=None, init=False, repr=False)

    @property
    def items(self) -> list[T]:
        """The records as models, parsed on first access (records kept as sent decoded first)."""
        if self._items is None:
            self._items = [self.parse(r if r.__class__ is dict else decoded(r)) for r in self.records]
        return self._items

    def __len__(self) -> int:
        return len(self.records)

    def truncate(self, count: int) -> None:
        """Keep the first ``count`` records and make this the last page."""
        self.records = self.records[:count]
        self._items = None if self._items is None else self._items[:count]
        self.next = None


FetchPage = Callable[[PagePosition], Awaitable[Page[T]]]


def decoded(text: Any) -> Any:
    """A record kept as sent (its JSON text), decoded."""
    try:
        return loads_exact(text)
    except ValueError as error:
        raise MalformedResponseError(f"a record the server sent cannot be read: {error}") from None


def _advances(before: PagePosition, after: PagePosition) -> bool:
    if after.page is not None or before.page is not None:
        return (after.page or 1) > (before.page or 1)
    return (after.offset or 0) > (before.offset or 0)


class WalkGuard:
    """Checks each page of one walk before it is given out: it must move forward, hold no
    record given out before, and agree with the list's total when the server gives one."""

    def __init__(self, fingerprint: Callable[[Any], int], before: int | None) -> None:
        self._fingerprint = fingerprint
        self._seen = Fingerprints()
        #: Records of the list before where this walk started, when known.
        self.before = before
        self.delivered = 0

    def check(self, page: Page[Any], *, truncated: bool = False) -> None:
        """Raise :class:`PaginationError` unless ``page`` continues the walk correctly. A page
        cut short by ``max_items`` ends the walk on purpose: the total is not checked then."""
        where = _where(page.position)
        if page.next is not None and not _advances(page.position, page.next):
            raise PaginationError(
                f"the server pointed back at a page already fetched ({_where(page.next)}) after {where}; "
                "stopping instead of looping"
            )
        fingerprint = self._fingerprint
        repeat = self._seen.first_repeat([fingerprint(record) for record in page.records])
        if repeat is not None:
            raise PaginationError(
                f"record {repeat + 1} of the page at {where} was already given out in this walk: the "
                "server repeats records (it ignores paging, reorders, or the list changed); stopping "
                f"after {self.delivered:,} records instead of repeating them"
            )
        total = self.before + self.delivered + len(page.records) if self.before is not None else None
        if page.total is not None and total is not None:
            if total > page.total:
                raise PaginationError(
                    f"the server says the list holds {page.total:,} records but the page at {where} brings "
                    f"the count to {total:,}; stopping"
                )
            if page.next is None and not truncated and total < page.total:
                raise PaginationError(
                    f"the list ended at {where} after {total:,} records, but the server says it holds "
                    f"{page.total:,}: records are missing; stopping instead of calling it complete"
                )

    def delivered_page(self, page: Page[Any]) -> None:
        self.delivered += len(page.records)

    def close(self) -> None:
        """Forget the fingerprints (the walk is over)."""
        self._seen.close()


def _where(position: PagePosition) -> str:
    if position.page is not None:
        return f"page={position.page}"
    return f"offset={position.offset}" if position.offset is not None else "the first page"


class Prefetch(Generic[T]):
    """Pages fetched ahead of a walk, in the order the walk will need them.

    ``plan(positions)`` keeps the fetches already under way for the positions it is
    given (in that order), cancels the others and starts the missing ones; ``take``
    hands over the page at a position, from the window when it was foreseen. Pages
    fetched past the end are discarded and their errors ignored.
    """

    def __init__(self, fetch: FetchPage[T]) -> None:
        self._fetch = fetch
        self._ahead: collections.deque[tuple[PagePosition, asyncio.Task[Page[T]]]] = collections.deque()
        #: Times the server's next position was not the one foreseen.
        self.missed = 0
        #: Pages taken from the window: it grows by one with each, from 2, so that a short
        #: list wastes few requests past its end and a long one soon has the whole window.
        self.hits = 0

    def reach(self, window: int) -> int:
        """How many pages to have in flight now, given the most allowed."""
        return min(window, 2 + self.hits)

    def __len__(self) -> int:
        return len(self._ahead)

    async def take(self, position: PagePosition) -> Page[T]:
        if self._ahead and self._ahead[0][0] == position:
            _, task = self._ahead.popleft()
            self.hits += 1
            return await task
        if self._ahead:
            self.missed += 1
            await self.cancel()
        return await self._fetch(position)

    async def plan(self, positions: Iterable[PagePosition]) -> None:
        wanted = list(positions)
        kept = 0
        for (ahead, _), position in zip(self._ahead, wanted, strict=False):
            if ahead != position:
                break
            kept += 1
        if kept < len(self._ahead):
            if kept == 0 and wanted:  # the server's next page is not the one foreseen
                self.missed += 1
            stale = [self._ahead.pop() for _ in range(len(self._ahead) - kept)]
            await _discard(task for _, task in stale)
        for position in wanted[kept:]:
            self._ahead.append((position, asyncio.ensure_future(self._fetch(position))))

    async def cancel(self) -> None:
        stale = list(self._ahead)
        self._ahead.clear()
        await _discard(task for _, task in stale)


async def _discard(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel fetches nobody will read, and collect their outcomes (errors included)."""
    pending = list(tasks)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)


Window = Callable[[], int]
#: After this many wrong guesses a walk stops fetching ahead and goes page by page.
MAX_MISSES = 2


class Paginator(Generic[T]):
    """Every page of a list endpoint.

    ``await paginator`` gives the first :class:`Page`; ``async for item in
    paginator`` gives every item; ``paginator.pages()`` gives every page, and
    ``pages(start=…)`` resumes from a saved :class:`PagePosition`.

    With a ``paging`` style that can predict positions and a ``window`` above 1,
    up to ``window()`` pages are fetched concurrently ahead of the walk; each
    prediction is checked against what the server said, and a walk whose
    predictions keep failing goes on page by page.

    ``fetch_as_sent`` fetches a page with its records kept as sent, for ``pages(as_sent=True)``.
    """

    def __init__(
        self,
        fetch: FetchPage[T],
        start: PagePosition,
        *,
        max_items: int | None = None,
        fingerprint: Callable[[Any], int] = content_fingerprint,
        before: Callable[[PagePosition], int | None] = lambda position: None,
        paging: Paging | None = None,
        window: Window = lambda: 1,
        fetch_as_sent: FetchPage[T] | None = None,
    ) -> None:
        self._fetch = fetch
        self._fetch_as_sent = fetch_as_sent
        self.start = start
        self.max_items = check_max_items(max_items)
        self._fingerprint = fingerprint
        self._before = before
        self._paging = paging
        self._window = window

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch(self.start).__await__()

    async def pages(
        self, start: PagePosition | None = None, *, as_sent: bool = False
    ) -> AsyncIterator[Page[T]]:
        """Every page from ``start`` (default: the first), each checked by a :class:`WalkGuard`
        before it is given out.

        ``as_sent``: each page's ``records`` are the records as the server sent them, each its JSON
        text (a bytes-like :class:`msgspec.Raw`; ``bytes(record)``), undecoded but for what the walk
        checks (the natural key), where the list can give them so (the clients' lists can); a
        page whose body could not be sliced (nested too deeply) holds decoded records.
        ``items`` are models as ever.
        """
        first = start or self.start
        guard = WalkGuard(self._fingerprint, self._before(first))
        position: PagePosition | None = first
        remaining = self.max_items
        ahead: Prefetch[T] = Prefetch(self._fetch_as_sent if as_sent and self._fetch_as_sent else self._fetch)
        try:
            while position is not None and remaining != 0:
                page = await ahead.take(position)
                truncated = remaining is not None and len(page.records) >= remaining
                if remaining is not None and truncated:
                    page.truncate(remaining)
                guard.check(page, truncated=truncated)
                if remaining is not None:
                    remaining -= len(page.records)
                guard.delivered_page(page)
                position = page.next
                if position is not None and remaining != 0 and ahead.missed < MAX_MISSES:
                    await ahead.plan(
                        self._foresee(position, page, remaining, guard, ahead.reach(self._window()))
                    )
                yield page
        finally:
            guard.close()
            await ahead.cancel()

    def _foresee(
        self, position: PagePosition, last: Page[T], remaining: int | None, guard: WalkGuard, window: int
    ) -> list[PagePosition]:
        """``position`` and the pages predicted after it, within the window, ``max_items`` and
        the list's total."""
        step = len(last.records)
        if self._paging is None or window <= 1 or step == 0:
            return []
        limit = window
        if remaining is not None:
            limit = min(limit, math.ceil(remaining / step))
        if last.total is not None and guard.before is not None:
            limit = min(limit, math.ceil(max(0, last.total - guard.before - guard.delivered) / step))
        data = PageData(last.records, last.payload, last.headers)
        foreseen: list[PagePosition] = []
        following: PagePosition | None = position
        while following is not None and len(foreseen) < limit:
            foreseen.append(following)
            following = self._paging.predict(following, data, step)
        return foreseen

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def to_list(self) -> list[T]:
        return [item async for item in self]
