"""Paging arithmetic: where each page starts and what follows it, for every paging style (pure).

Three styles, each reduced to a :class:`PagePosition`:

* :class:`OffsetPaging` (``limit``/``offset``): the next offset is this offset
  plus the records received; a short or empty page is the last.
* :class:`NextLinkPaging` (``paging.next``, ``nextUrl``): a link says there is
  more. It is a hint, not a destination: only its ``offset`` is read, checked
  against where the records end, and applied to the endpoint the caller named
  with the caller's own ``limit``. The link's host is never contacted.
* :class:`PageNumberPaging` (``page``/``limit`` with ``X-Pagination-*`` headers):
  stops on the page count and checks the headers against the records.

Each style can also ``predict`` the page after a position before it is asked
for, so that pages can be fetched ahead (:mod:`mettl_async.core.paginator`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import attrs
from msgspec import Raw

from .checks import check_count
from .errors import MalformedResponseError, PaginationError
from .readers import ascii_digits

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


#: Keys a "no such list" message names at most (a hostile body may have thousands).
SHOWN_KEYS = 20


def records_at(payload: Mapping[str, Any], path: str | tuple[str, ...], where: str) -> list[Any]:
    """The list of objects at dotted ``path``; an explicit ``null`` is an empty list. (Objects kept
    as sent, :class:`~mettl_async.core.jsoncodec.AsSent`, are their text: known to be objects.)

    ``path`` may be several paths, tried in order, for a list whose key no document
    shows. A missing key is an error naming the keys that were there, not an empty
    list: read as "no more records" it would end a harvest early and call it complete.
    """
    paths = (path,) if isinstance(path, str) else path
    for one in paths:
        found, value = _lookup(payload, one)
        if found:
            break
    else:
        wanted = " or ".join(repr(p) for p in paths)
        raise MalformedResponseError(f"{where}: the response has no {wanted} (it has {shown_keys(payload)})")
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(record, dict | Raw) for record in value):
        raise MalformedResponseError(f"{where}: {one!r} is not a list of objects")
    return value


def _lookup(payload: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    """Whether dotted ``path`` is in ``payload``, and its value."""
    value: Any = payload
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return False, None
        value = value[key]
    return True, value


def shown_keys(payload: Mapping[str, Any]) -> str:
    """A body's top-level keys for a message: sorted, quoted, the first :data:`SHOWN_KEYS`."""
    names = sorted(repr(key) for key in payload)
    if not names:
        return "no keys"
    more = f" and {len(names) - SHOWN_KEYS:,} more" if len(names) > SHOWN_KEYS else ""
    return ", ".join(names[:SHOWN_KEYS]) + more


def dig(payload: Mapping[str, Any], path: str) -> Any:
    """``payload["a"]["b"]`` for ``"a.b"``; ``None`` where a step is missing."""
    value: Any = payload
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


@attrs.frozen
class PageData:
    """What a paging style reads from one response."""

    records: list[Any]
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

    def predict(self, position: PagePosition, last: PageData, step: int) -> PagePosition | None:
        """The page after ``position``, guessed before it is asked for (``step``: records on a
        full page, as seen), or ``None`` when it cannot be told (the walk then stays sequential)."""
        ...


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and ascii_digits(value.strip()):
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

    def predict(self, position: PagePosition, last: PageData, step: int) -> PagePosition | None:
        return PagePosition(offset=(position.offset or 0) + step, limit=position.limit)


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

    def predict(self, position: PagePosition, last: PageData, step: int) -> PagePosition | None:
        """Where the next link will point if the server keeps pinning it to where the records end."""
        return PagePosition(offset=(position.offset or 0) + step, limit=position.limit)


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

    def predict(self, position: PagePosition, last: PageData, step: int) -> PagePosition | None:
        """The next page number, once a page's headers gave the page count."""
        pages = self._headers(last)[1]
        following = (position.page or 1) + 1
        if pages is None or following > pages:
            return None
        return PagePosition(page=following, limit=position.limit)
