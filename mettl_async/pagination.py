"""Paging: the arithmetic (pure) and one paginator type for every list endpoint.

Mettl pages three ways, and each reduces to a :class:`PagePosition` (offset, limit):

* ``limit``/``offset`` (tests, enrolled applicants, slot details): the next
  offset is this offset plus the items received; a short or empty page is the
  last. The enrolled-applicants endpoint answers E022 past its last page.
* ``paging.next`` (results) and ``nextUrl`` (slot windows): a link to the next
  page. Only its ``limit`` and ``offset`` are taken; they are applied to the
  endpoint the caller named and signed afresh. The link's host is never
  contacted (the document's own sample points at ``localhost:8092/api/v1/``).

A :class:`Paginator` is awaitable (the first page) and async-iterable (every
item), and offers ``pages()`` with each page's records and metadata. Because a
page is fetched from its position alone, pages can later be fetched ahead
concurrently for offset endpoints, whose positions are known in advance.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, urlsplit

import attrs

from .errors import InputError, MalformedResponseError, PaginationError

T = TypeVar("T")
log = logging.getLogger("mettl_async.pagination")

#: The documented bounds and default of ``limit``.
MAX_LIMIT = 500
DEFAULT_LIMIT = 20


class PagingStyle(enum.Enum):
    OFFSET = "offset"
    NEXT_LINK = "next_link"


@attrs.frozen
class PagePosition:
    """Where a page starts. ``None`` leaves the value to the server's default."""

    offset: int | None = None
    limit: int | None = None

    def params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.limit is not None:
            out["limit"] = str(self.limit)
        if self.offset is not None:
            out["offset"] = str(self.offset)
        return out

    def to_dict(self) -> dict[str, int | None]:
        return {"offset": self.offset, "limit": self.limit}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PagePosition:
        return cls(offset=data.get("offset"), limit=data.get("limit"))


def check_page_size(page_size: int | None) -> int | None:
    """A page size the API accepts, or :class:`InputError` naming the rule."""
    if page_size is None:
        return None
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_LIMIT:
        raise InputError(
            "page_size", f"must be an integer from 1 to {MAX_LIMIT} (the API's limit), got {page_size!r}"
        )
    return page_size


def check_max_items(max_items: int | None) -> int | None:
    if max_items is not None and (
        isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0
    ):
        raise InputError("max_items", f"must be a non-negative integer, got {max_items!r}")
    return max_items


def next_by_offset(position: PagePosition, received: int) -> PagePosition | None:
    """The page after one of ``received`` items, or ``None`` when that page was the last."""
    limit = position.limit if position.limit is not None else DEFAULT_LIMIT
    if received == 0 or received < limit:
        return None
    return PagePosition(offset=(position.offset or 0) + received, limit=position.limit)


def next_from_link(link: object, position: PagePosition, received: int) -> PagePosition | None:
    """The page a next link names, or ``None`` when there is no link.

    Its ``limit`` is taken as given. Its ``offset`` must be where the records
    read so far end (``offset + received``, as the document's sample builds it);
    a link that would skip records or read some again is corrected to that, so a
    server that counts pages differently cannot make a harvest lose or repeat one.
    """
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        query = parse_qs(urlsplit(link.strip()).query)
        offset = int(query["offset"][0]) if "offset" in query else None
        limit = int(query["limit"][0]) if "limit" in query else position.limit
    except ValueError:
        raise PaginationError(f"next link is not a URL with a numeric offset and limit: {link!r}") from None
    if offset is None:
        raise PaginationError(f"next link carries no offset to continue from: {link!r}")
    if offset < 0 or (limit is not None and limit < 0):
        raise PaginationError(f"next link has a negative offset or limit: {link!r}")
    expected = (position.offset or 0) + received
    if offset != expected:
        log.warning(
            "next link says offset=%d after %d records; continuing from %d", offset, expected, expected
        )
    return PagePosition(offset=expected, limit=limit)


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
class ListEndpoint(Generic[T]):
    """A list endpoint: its path, where its items are, their model, how it pages."""

    path: str
    items_key: str
    parse: Callable[[Any], T]
    style: PagingStyle
    #: Dotted path of the next link in the response (NEXT_LINK style).
    link_key: str | None = None
    #: An error code that means "past the last page" when it answers a later page.
    end_code: str | None = None

    def first_position(self, page_size: int | None) -> PagePosition:
        if self.style is PagingStyle.OFFSET:
            return PagePosition(offset=0, limit=page_size if page_size is not None else DEFAULT_LIMIT)
        return PagePosition(offset=None, limit=page_size)

    def page(self, payload: dict[str, Any], position: PagePosition) -> Page[T]:
        """The page a decoded response holds, with the position of the next one."""
        records = records_at(payload, self.items_key, self.path)
        if self.style is PagingStyle.OFFSET:
            following = next_by_offset(position, len(records))
        else:
            link = dig(payload, self.link_key) if self.link_key else None
            following = next_from_link(link, position, len(records)) if records else None
        return Page(records=records, position=position, next=following, payload=payload, parse=self.parse)

    def last_page(self, position: PagePosition) -> Page[T]:
        """An empty last page (the server said there is nothing at ``position``)."""
        return Page(records=[], position=position, next=None, payload={}, parse=self.parse)


@attrs.define
class Page(Generic[T]):
    """One page: the records as returned, their parsed items, and the whole response."""

    records: list[Any]
    position: PagePosition
    #: Where the following page starts; ``None`` on the last page.
    next: PagePosition | None
    #: The whole decoded response (``paging``, ``nextUrl``, ``slotDetails``, …).
    payload: dict[str, Any] = attrs.field(repr=False)
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


class Paginator(Generic[T]):
    """Every page of a list endpoint.

    ``await paginator`` gives the first :class:`Page`; ``async for item in
    paginator`` gives every item; ``paginator.pages()`` gives every page, and
    ``pages(start=…)`` resumes from a saved :class:`PagePosition`.
    """

    def __init__(self, fetch: FetchPage[T], start: PagePosition, *, max_items: int | None = None) -> None:
        self._fetch = fetch
        self.start = start
        self.max_items = check_max_items(max_items)

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch(self.start).__await__()

    async def pages(self, start: PagePosition | None = None) -> AsyncIterator[Page[T]]:
        """Every page from ``start`` (default: the first). A page is checked before it is
        given out: a server that points back at a fetched page, or sends the same records
        for two offsets (it ignores paging), raises :class:`PaginationError` instead of
        looping or repeating records."""
        position: PagePosition | None = start or self.start
        seen: set[PagePosition] = set()
        previous: list[Any] = []
        remaining = self.max_items
        while position is not None and remaining != 0:
            seen.add(position)
            page = await self._fetch(position)
            if page.next is not None and page.next in seen:
                raise PaginationError(
                    f"the server pointed back at a page already fetched (offset={page.next.offset}, "
                    f"limit={page.next.limit}) after offset={position.offset}; stopping instead of looping"
                )
            if page.records and page.records == previous:
                raise PaginationError(
                    f"the server sent the same {len(previous)} records again at offset={position.offset}: "
                    "it does not page this list; stopping instead of repeating them"
                )
            previous = page.records
            if remaining is not None:
                if len(page.records) >= remaining:
                    page.truncate(remaining)
                remaining -= len(page.records)
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
