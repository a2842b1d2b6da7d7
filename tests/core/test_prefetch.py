"""Fetching ahead: pages in order, exactly once, stopped at the end, cancelled with the walk."""

from __future__ import annotations

import random
from typing import Any

import pytest

from mettl_async.core.errors import MalformedResponseError
from mettl_async.core.paginator import ListEndpoint, Page, Paginator
from mettl_async.core.paging_styles import PagePosition
from tests.support.paging_support import LINKS, OFFSET, TESTS, data


class SlowList:
    """An offset list whose fetches take a random while; records in-flight counts and fetches."""

    def __init__(self, size: int, *, fail_past_end: bool = False, sizes: list[int] | None = None) -> None:
        self.rows = [{"testId": i} for i in range(size)]
        self.fetched: list[int] = []
        self.in_flight = 0
        self.peak = 0
        self.fail_past_end = fail_past_end
        self.sizes = sizes  # page sizes the server really uses (it may ignore the limit)
        self.rng = random.Random(size)

    async def fetch(self, position: PagePosition) -> Page[int]:
        import asyncio

        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        offset = position.offset or 0
        self.fetched.append(offset)  # asked for (it may be cancelled before it answers)
        try:
            await asyncio.sleep(self.rng.uniform(0.0, 0.01))
            if self.fail_past_end and offset >= len(self.rows):
                raise MalformedResponseError("past the end")
            if self.sizes is None:
                rows = self.rows[offset : offset + (position.limit or 20)]
                return TESTS.page(data(rows), position)
            # A server that sends fewer records than asked, not always as many, with next links.
            rows = self.rows[offset : offset + self.sizes[offset % len(self.sizes)]]
            more = offset + len(rows) < len(self.rows)
            payload = {"tests": rows, "nextUrl": f"/t?offset={offset + len(rows)}" if more else None}
            return LINKED.page(data(rows, payload), position)
        finally:
            self.in_flight -= 1

    def paginator(self, window: int, **options: Any) -> Paginator[int]:
        return Paginator(
            self.fetch,
            PagePosition(0, 10),
            fingerprint=TESTS.fingerprint,
            before=OFFSET.before,
            paging=OFFSET,
            window=lambda: window,
            **options,
        )


async def test_pages_fetched_ahead_come_out_in_order_exactly_once() -> None:
    server = SlowList(1000)
    items = await server.paginator(8).to_list()
    assert items == list(range(1000))
    assert server.peak > 1  # pages really were in flight together
    assert len(server.fetched) == len(set(server.fetched))  # no page asked for twice


async def test_speculation_past_the_end_is_discarded_and_its_errors_ignored() -> None:
    server = SlowList(95, fail_past_end=True)
    assert await server.paginator(8).to_list() == list(range(95))
    assert max(server.fetched) >= 100  # it did guess past the end


async def test_a_window_of_one_walks_page_by_page() -> None:
    server = SlowList(95)
    assert await server.paginator(1).to_list() == list(range(95))
    assert server.peak == 1
    assert server.fetched == list(range(0, 100, 10))  # exactly the pages, none ahead


async def test_max_items_bounds_the_speculation() -> None:
    server = SlowList(1000)
    assert await server.paginator(16, max_items=25).to_list() == list(range(25))
    assert max(server.fetched) <= 20


LINKED = ListEndpoint("/t", "tests", lambda r: int(r["testId"]), LINKS)


async def test_wrong_predictions_fall_back_to_page_by_page() -> None:
    """A server that sends fewer records than asked, and not always as many: guesses miss."""
    server = SlowList(300, sizes=[7, 10, 3, 9, 1])
    paginator = Paginator(
        server.fetch, PagePosition(0, 10), fingerprint=LINKED.fingerprint, paging=LINKS, window=lambda: 8
    )
    assert await paginator.to_list() == list(range(300))
    pages = len(set(server.fetched))
    assert len(server.fetched) - pages <= 2 * 8  # two windows of missed guesses, then page by page


async def test_cancelling_a_walk_cancels_the_window() -> None:
    import asyncio

    server = SlowList(10_000)
    given: list[int] = []

    async def walk() -> None:
        async for item in server.paginator(8):
            given.append(item)
            if len(given) == 55:
                await asyncio.sleep(10)

    task = asyncio.create_task(walk())
    for _ in range(10_000):
        if len(given) >= 55:
            break
        await asyncio.sleep(0.001)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.02)
    assert server.in_flight == 0
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert not [t for t in others if "fetch" in repr(t.get_coro())]
