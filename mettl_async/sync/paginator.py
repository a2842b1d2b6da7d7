"""A list endpoint, synchronously: ``for`` over its items, ``pages()``, ``first()``, ``to_list()``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from ..core.paginator import Page
from ..core.paginator import Paginator as AsyncPaginator
from ..core.paging_styles import PagePosition
from .portal import Portal

T = TypeVar("T")


async def _first_page(paginator: AsyncPaginator[T]) -> Page[T]:
    return await paginator


class Paginator(Generic[T]):
    """Every page of a list endpoint, walked on the client's event loop.

    ``for item in paginator`` gives every item; ``paginator.pages()`` every
    :class:`~mettl_async.core.paginator.Page` (``pages(start=position)`` resumes from a
    saved position); ``paginator.first()`` the first page; ``paginator.to_list()``
    every item in a list. The walk is the async :class:`~mettl_async.core.paginator.Paginator`'s:
    checked page by page, pages fetched ahead where they can be foreseen (they keep
    arriving while your loop body runs), nothing given out twice.

    Leaving a ``for`` loop early stops the walk and its fetches ahead. Closing the
    client during a walk makes the walk's next step raise
    :class:`~mettl_async.core.errors.ConfigurationError`: a walk never ends early silently.
    """

    def __init__(self, portal: Portal, paginator: AsyncPaginator[T]) -> None:
        self._portal = portal
        self._paginator = paginator

    def __repr__(self) -> str:
        return f"Paginator(start={self.start!r}, max_items={self.max_items!r})"

    @property
    def start(self) -> PagePosition:
        """Where the walk begins."""
        return self._paginator.start

    @property
    def max_items(self) -> int | None:
        """The most items the walk gives out (``None``: all)."""
        return self._paginator.max_items

    def first(self) -> Page[T]:
        """The first page (what ``await paginator`` gives in async code)."""
        return self._portal.run(_first_page, self._paginator)

    def pages(self, start: PagePosition | None = None, *, as_sent: bool = False) -> Iterator[Page[T]]:
        """Every page from ``start`` (default: the first), each checked before it is given out;
        ``as_sent``: records as the server sent them (their JSON text), as the async ``pages()``."""
        return self._portal.iterate(self._paginator.pages(start, as_sent=as_sent))

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.items

    def to_list(self) -> list[T]:
        """Every item, in a list."""
        return list(self)
