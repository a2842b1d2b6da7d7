"""Paging: the arithmetic of each style (pure) and one guarded paginator for every list.

Three styles, each reduced to a :class:`PagePosition`:

* :class:`OffsetPaging` (``limit``/``offset``): the next offset is this offset
  plus the records received; a short or empty page is the last.
* :class:`NextLinkPaging` (``paging.next``, ``nextUrl``): a link says there is
  more. It is a hint, not a destination: only its ``offset`` is read, checked
  against where the records end, and applied to the endpoint the caller named
  with the caller's own ``limit``. The link's host is never contacted.
* :class:`PageNumberPaging` (``page``/``limit`` with ``X-Pagination-*`` headers):
  stops on the page count and checks the headers against the records.

A :class:`Paginator` is awaitable (the first page) and async-iterable (every
item), and offers ``pages()``. It gives out no record twice and never ends
early: a server that loops, repeats records, skips them or contradicts its own
total raises :class:`~mettl_async.errors.PaginationError` before anything wrong
is given out.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Hashable, Mapping
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

import attrs
import orjson

from .checks import check_count
from .errors import MalformedResponseError, PaginationError
from .fingerprints import Fingerprints

T = TypeVar("T")
log = logging.getLogger("mettl_async.pagination")


@attrs.frozen
class PagePosition:
    """Where a page starts. ``None`` leaves the value to the server's default."""

    offset: int | None = None
    limit: int | None = None
    page: int | None = None

    def to_dict(self) -> dict[str, int | None]:
        out = {"offset": self.offset, "limit": self.limit}
        if self.page is not None:
            out["page"] = self.page
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PagePosition:
        values = {k: data.get(k) for k in ("offset", "limit", "page")}
        for name, value in values.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ValueError(f"a page position's {name} must be a non-negative integer, got {value!r}")
        return cls(**values)


def check_max_items(max_items: int | None) -> int | None:
    return None if max_items is None else check_count("max_items", max_items, low=0)


def records_at(payload: Mapping[str, Any], path: str, where: str) -> list[dict[str, Any]]:
    """The list of objects at dotted ``path``; an explicit ``null`` is an empty list.

    A missing key is an error, not an empty list: read as "no more records" it
    would end a harvest early and call it complete.
    """
    value: Any = payload
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            raise MalformedResponseError(f"{where}: the response has no {path!r}")
        value = value[key]
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(record, dict) for record in value):
        raise MalformedResponseError(f"{where}: {path!r} is not a list of objects")
    return value


def dig(payload: Mapping[str, Any], path: str) -> Any:
    """``payload["a"]["b"]`` for ``"a.b"``; ``None`` where a step is missing."""
    value: Any = payload
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


@attrs.frozen
class PageData:
    """What a paging style reads from one response."""

    records: list[dict[str, Any]]
    payload: Mapping[str, Any]
    headers: Mapping[str, str]


class Paging(Protocol):
    """A paging style: pure page arithmetic."""

    def first(self, page_size: int | None) -> PagePosition: ...

    def params(self, position: PagePosition) -> dict[str, str]: ...

    def following(self, position: PagePosition, data: PageData) -> PagePosition | None:
        """The next page's position, ``None`` after the last; raises :class:`PaginationError`
        when the response cannot be continued correctly."""
        ...

    def total(self, data: PageData) -> int | None:
        """Records in the whole list, when the server says."""
        ...

    def before(self, position: PagePosition) -> int | None:
        """Records of the list before ``position``, when it can be told."""
        ...

    def check_page_size(self, page_size: int | None) -> int | None: ...


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


@attrs.frozen
class OffsetPaging:
    """``limit``/``offset``; a short or empty page is the last."""

    default_limit: int = 20
    max_limit: int = 500
    limit_param: str = "limit"
    offset_param: str = "offset"
    #: Dotted path of the list's total in the response, where the API gives one.
    total_key: str | None = None

    def check_page_size(self, page_size: int | None) -> int | None:
        if page_size is None:
            return None
        return check_count("page_size", page_size, low=1, high=self.max_limit)

    def first(self, page_size: int | None) -> PagePosition:
        return PagePosition(offset=0, limit=page_size if page_size is not None else self.default_limit)

    def params(self, position: PagePosition) -> dict[str, str]:
        out: dict[str, str] = {}
        if position.limit is not None:
            out[self.limit_param] = str(position.limit)
        if position.offset is not None:
            out[self.offset_param] = str(position.offset)
        return out

    def following(self, position: PagePosition, data: PageData) -> PagePosition | None:
        received = len(data.records)
        limit = position.limit if position.limit is not None else self.default_limit
        if received == 0 or received < limit:
            return None
        return PagePosition(offset=(position.offset or 0) + received, limit=position.limit)

    def total(self, data: PageData) -> int | None:
        return _int_or_none(dig(data.payload, self.total_key)) if self.total_key else None

    def before(self, position: PagePosition) -> int | None:
        return position.offset or 0


def link_offset(link: str) -> tuple[int, int | None]:
    """The ``offset`` and ``limit`` a next link names (``limit`` may be absent)."""
    try:
        query = parse_qs(urlsplit(link.strip()).query)
        offset = int(query["offset"][0]) if "offset" in query else None
        limit = int(query["limit"][0]) if "limit" in query else None
    except ValueError:
        raise PaginationError(f"next link is not a URL with a numeric offset and limit: {link!r}") from None
    if offset is None:
        raise PaginationError(f"next link carries no offset to continue from: {link!r}")
    if offset < 0 or (limit is not None and limit < 0):
        raise PaginationError(f"next link has a negative offset or limit: {link!r}")
    return offset, limit


@attrs.frozen
class NextLinkPaging:
    """A link in the response says there is more; the walk continues where the records end."""

    link_key: str
    default_limit: int | None = None
    max_limit: int = 500
    total_key: str | None = None

    def check_page_size(self, page_size: int | None) -> int | None:
        if page_size is None:
            return None
        return check_count("page_size", page_size, low=1, high=self.max_limit)

    def first(self, page_size: int | None) -> PagePosition:
        return PagePosition(offset=None, limit=page_size if page_size is not None else self.default_limit)

    def params(self, position: PagePosition) -> dict[str, str]:
        return _OFFSET_PARAMS.params(position)

    def following(self, position: PagePosition, data: PageData) -> PagePosition | None:
        """The link's ``limit`` is not adopted (``limit=0`` would end the list early; another
        value would not change where the records end). Its ``offset`` must be where the
        records read so far end; a link that would skip records or read some again is
        corrected to that, with a warning."""
        link = dig(data.payload, self.link_key)
        if not data.records or not isinstance(link, str) or not link.strip():
            return None
        offset, limit = link_offset(link)
        expected = (position.offset or 0) + len(data.records)
        if offset != expected:
            log.warning(
                "next link says offset=%d after %d records; continuing from %d", offset, expected, expected
            )
        if limit is not None and position.limit is not None and limit != position.limit:
            log.warning("next link says limit=%d; keeping the limit asked for (%d)", limit, position.limit)
        return PagePosition(offset=expected, limit=position.limit)

    def total(self, data: PageData) -> int | None:
        return _int_or_none(dig(data.payload, self.total_key)) if self.total_key else None

    def before(self, position: PagePosition) -> int | None:
        return position.offset or 0


_OFFSET_PARAMS = OffsetPaging()
PAGINATION_HEADERS = (
    "X-Pagination-Item-Count",
    "X-Pagination-Page-Count",
    "X-Pagination-Page",
    "X-Pagination-Limit",
)


def page_count_agrees(items: int, pages: int, size: int) -> bool:
    """Whether ``pages`` pages of ``size`` hold ``items`` records. An empty list may count as
    0 pages or as 1 (empty) page: Rails paginators answer either."""
    return pages == -(-items // size) or (items == 0 and pages == 1)


@attrs.frozen
class PageNumberPaging:
    """``page`` (from 1) and ``limit``, with the totals in ``X-Pagination-*`` headers."""

    default_limit: int = 300
    max_limit: int = 300

    def check_page_size(self, page_size: int | None) -> int | None:
        if page_size is None:
            return None
        return check_count("page_size", page_size, low=1, high=self.max_limit)

    def first(self, page_size: int | None) -> PagePosition:
        return PagePosition(page=1, limit=page_size)

    def params(self, position: PagePosition) -> dict[str, str]:
        out = {"page": str(position.page or 1)}
        if position.limit is not None:
            out["limit"] = str(position.limit)
        return out

    def _headers(self, data: PageData) -> tuple[int | None, int | None, int | None, int | None]:
        items, pages, page, limit = (_int_or_none(data.headers.get(name)) for name in PAGINATION_HEADERS)
        return items, pages, page, limit

    def following(self, position: PagePosition, data: PageData) -> PagePosition | None:
        items, pages, page, limit = self._headers(data)
        asked = position.page or 1
        size = limit or position.limit or self.default_limit
        received = len(data.records)
        if page is not None and page != asked:
            raise PaginationError(f"asked for page {asked}, the server says it sent page {page}")
        if received > size:
            raise PaginationError(f"page {asked} holds {received} records, more than its limit of {size}")
        if items is not None:
            expected = max(0, min(size, items - (asked - 1) * size))
            if received != expected:
                raise PaginationError(
                    f"page {asked} holds {received} records, but {items} in pages of {size} "
                    f"put {expected} on it"
                )
        if pages is not None:
            if items is not None and not page_count_agrees(items, pages, size):
                raise PaginationError(f"the server says {items} records in {pages} pages of {size}")
            if asked < pages and received < size:
                # Only the last page may be short; a short page before it means records are missing.
                raise PaginationError(
                    f"page {asked} of {pages} holds {received} records, fewer than its limit of {size}"
                )
            if asked > pages and received:
                raise PaginationError(f"page {asked} holds {received} records past the {pages} pages")
            return PagePosition(page=asked + 1, limit=position.limit) if asked < pages else None
        if received == 0 or received < size:
            return None
        return PagePosition(page=asked + 1, limit=position.limit)

    def total(self, data: PageData) -> int | None:
        return self._headers(data)[0]

    def before(self, position: PagePosition) -> int | None:
        size = position.limit or self.default_limit
        return ((position.page or 1) - 1) * size


RecordKey = Callable[[Mapping[str, Any]], Hashable]


def content_fingerprint(record: Mapping[str, Any]) -> int:
    """A record by its whole content (keys in any order)."""
    try:
        data = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # integers beyond 64 bits
        data = repr(sorted(record.items())).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


@attrs.frozen
class ListEndpoint(Generic[T]):
    """A list endpoint: its path, where its records are, their model, how it pages.

    ``key`` names a record by its natural key (unique within the list) for the
    duplicate check; without one, records are compared by content.
    """

    path: str
    items_key: str
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

    def fingerprint(self, record: Mapping[str, Any]) -> int:
        return hash(self.key(record)) if self.key is not None else content_fingerprint(record)


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
        """The records as models, parsed on first access."""
        if self._items is None:
            self._items = [self.parse(r) for r in self.records]
        return self._items

    def __len__(self) -> int:
        return len(self.records)

    def truncate(self, count: int) -> None:
        """Keep the first ``count`` records and make this the last page."""
        self.records = self.records[:count]
        self._items = None if self._items is None else self._items[:count]
        self.next = None


FetchPage = Callable[[PagePosition], Awaitable[Page[T]]]


def _advances(before: PagePosition, after: PagePosition) -> bool:
    if after.page is not None or before.page is not None:
        return (after.page or 1) > (before.page or 1)
    return (after.offset or 0) > (before.offset or 0)


class WalkGuard:
    """Checks each page of one walk before it is given out: it must move forward, hold no
    record given out before, and agree with the list's total when the server gives one."""

    def __init__(self, fingerprint: Callable[[Mapping[str, Any]], int], before: int | None) -> None:
        self._fingerprint = fingerprint
        self._seen = Fingerprints()
        self._before = before
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
        add = self._seen.add
        fingerprint = self._fingerprint
        for index, record in enumerate(page.records):
            if not add(fingerprint(record)):
                raise PaginationError(
                    f"record {index + 1} of the page at {where} was already given out in this walk: the "
                    "server repeats records (it ignores paging, reorders, or the list changed); stopping "
                    f"after {self.delivered:,} records instead of repeating them"
                )
        total = self._before + self.delivered + len(page.records) if self._before is not None else None
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


def _where(position: PagePosition) -> str:
    if position.page is not None:
        return f"page={position.page}"
    return f"offset={position.offset}" if position.offset is not None else "the first page"


class Paginator(Generic[T]):
    """Every page of a list endpoint.

    ``await paginator`` gives the first :class:`Page`; ``async for item in
    paginator`` gives every item; ``paginator.pages()`` gives every page, and
    ``pages(start=…)`` resumes from a saved :class:`PagePosition`.
    """

    def __init__(
        self,
        fetch: FetchPage[T],
        start: PagePosition,
        *,
        max_items: int | None = None,
        fingerprint: Callable[[Mapping[str, Any]], int] = content_fingerprint,
        before: Callable[[PagePosition], int | None] = lambda position: None,
    ) -> None:
        self._fetch = fetch
        self.start = start
        self.max_items = check_max_items(max_items)
        self._fingerprint = fingerprint
        self._before = before

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch(self.start).__await__()

    async def pages(self, start: PagePosition | None = None) -> AsyncIterator[Page[T]]:
        """Every page from ``start`` (default: the first), each checked by a :class:`WalkGuard`
        before it is given out."""
        first = start or self.start
        guard = WalkGuard(self._fingerprint, self._before(first))
        position: PagePosition | None = first
        remaining = self.max_items
        while position is not None and remaining != 0:
            page = await self._fetch(position)
            truncated = remaining is not None and len(page.records) >= remaining
            if remaining is not None and truncated:
                page.truncate(remaining)
            guard.check(page, truncated=truncated)
            if remaining is not None:
                remaining -= len(page.records)
            guard.delivered_page(page)
            yield page
            position = page.next

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def to_list(self) -> list[T]:
        return [item async for item in self]
