"""The guarded paginator over in-memory servers: the first page, every item, resuming, max_items,
hostile servers that repeat, skip or contradict themselves, and the fingerprints that tell records apart."""

from __future__ import annotations

import os
import random
from typing import Any

import pytest

from mettl_async.core.errors import InputError, PaginationError
from mettl_async.core.fingerprints import SET_LIMIT, Fingerprints
from mettl_async.core.paginator import ListEndpoint, Page, Paginator, content_fingerprint
from mettl_async.core.paging_styles import OffsetPaging, PagePosition
from tests.support.paging_support import LINKS, OFFSET, TESTS, data

# -- the paginator ------------------------------------------------------------------------------


class FakeList:
    """A list of ``total`` records served from memory by an endpoint; records every fetch."""

    def __init__(self, size: int, endpoint: ListEndpoint[int], **payload: Any) -> None:
        self.rows = [{"testId": i, "testName": f"t{i}"} for i in range(size)]
        self.endpoint = endpoint
        self.payload = payload
        self.fetched: list[PagePosition] = []

    async def fetch(self, position: PagePosition) -> Page[int]:
        self.fetched.append(position)
        offset, limit = position.offset or 0, position.limit or 20
        records = self.rows[offset : offset + limit]
        return self.endpoint.page(data(records, {"tests": records, **self.payload}), position)

    def paginator(self, start: PagePosition, **options: Any) -> Paginator[int]:
        return Paginator(
            self.fetch,
            start,
            fingerprint=self.endpoint.fingerprint,
            before=self.endpoint.paging.before,
            **options,
        )


TESTS_WITH_TOTAL = ListEndpoint(
    "/tests", "tests", lambda r: int(r["testId"]), OffsetPaging(total_key="total")
)


async def test_awaiting_gives_the_first_page() -> None:
    server = FakeList(5, TESTS)
    page = await server.paginator(PagePosition(0, 2))
    assert page.items == [0, 1]
    assert page.next == PagePosition(2, 2)
    assert server.fetched == [PagePosition(0, 2)]


async def test_async_for_gives_every_item() -> None:
    server = FakeList(5, TESTS)
    assert [item async for item in server.paginator(PagePosition(0, 2))] == [0, 1, 2, 3, 4]
    assert server.fetched == [PagePosition(0, 2), PagePosition(2, 2), PagePosition(4, 2)]


async def test_exact_multiple_costs_one_empty_page() -> None:
    server = FakeList(4, TESTS)
    assert await server.paginator(PagePosition(0, 2)).to_list() == [0, 1, 2, 3]
    assert server.fetched[-1] == PagePosition(4, 2)


async def test_pages_resume_from_a_saved_position() -> None:
    server = FakeList(7, TESTS)
    pages = [page async for page in server.paginator(PagePosition(0, 3)).pages(start=PagePosition(3, 3))]
    assert [page.items for page in pages] == [[3, 4, 5], [6]]


def test_items_are_parsed_once_on_first_access() -> None:
    calls: list[Any] = []

    def parse(record: Any) -> int:
        calls.append(record)
        return int(record["testId"])

    page = ListEndpoint("/t", "tests", parse, OFFSET).page(data([{"testId": 7}]), PagePosition(0, 20))
    assert calls == []
    assert page.items == [7]
    assert page.items == [7]
    assert len(calls) == 1


@pytest.mark.parametrize(("max_items", "items", "fetches"), [(3, [0, 1, 2], 2), (4, [0, 1, 2, 3], 2)])
async def test_max_items_truncates_and_stops_fetching(max_items: int, items: list[int], fetches: int) -> None:
    server = FakeList(100, TESTS)
    assert await server.paginator(PagePosition(0, 2), max_items=max_items).to_list() == items
    assert len(server.fetched) == fetches


async def test_max_items_truncated_page_has_no_next_and_skips_the_total_check() -> None:
    server = FakeList(100, TESTS_WITH_TOTAL, total=100)
    pages = [page async for page in server.paginator(PagePosition(0, 5), max_items=3).pages()]
    assert len(pages) == 1
    assert pages[0].records == server.rows[:3]
    assert pages[0].next is None


async def test_max_items_zero_fetches_nothing() -> None:
    server = FakeList(10, TESTS)
    assert await server.paginator(PagePosition(0, 2), max_items=0).to_list() == []
    assert server.fetched == []


def test_max_items_is_checked_at_once() -> None:
    with pytest.raises(InputError):
        FakeList(1, TESTS).paginator(PagePosition(0, 2), max_items=-1)


# -- hostile servers ------------------------------------------------------------------------


async def drain(paginator: Paginator[Any]) -> tuple[list[Any], PaginationError | None]:
    """Everything given out before the walk stopped, and why it stopped."""
    given: list[Any] = []
    try:
        async for page in paginator.pages():
            given.extend(page.records)
    except PaginationError as error:
        return given, error
    return given, None


async def test_a_server_repeating_a_page_and_link_raises_before_repeating_it() -> None:
    async def fetch(position: PagePosition) -> Page[int]:
        payload = {"slotWindows": [{"slotWindowId": 7}], "nextUrl": "http://h/x?offset=2&limit=2"}
        return WINDOWS.page(data(payload["slotWindows"], payload), position)

    given, error = await drain(Paginator(fetch, PagePosition(None, 2), fingerprint=WINDOWS.fingerprint))
    assert given == [{"slotWindowId": 7}]
    assert error is not None
    assert "already given out" in str(error)


WINDOWS = ListEndpoint("/w", "slotWindows", lambda r: r, LINKS, key=lambda r: r.get("slotWindowId"))


async def test_an_offset_server_ignoring_offset_raises_instead_of_repeating() -> None:
    async def fetch(position: PagePosition) -> Page[int]:
        rows = [{"testId": i} for i in range(25)]
        return TESTS.page(data(rows), position)  # always all 25

    given, error = await drain(Paginator(fetch, PagePosition(0, 20), fingerprint=TESTS.fingerprint))
    assert len(given) == 25  # given out once, never twice
    assert error is not None


async def test_a_server_ignoring_paging_and_reordering_gives_nothing_twice() -> None:
    """Defect: list equality missed reordered repeats (72,020 lines of 20 distinct records)."""
    rng = random.Random(5)
    rows = [{"id": i, "v": f"r{i}"} for i in range(20)]

    async def fetch(position: PagePosition) -> Page[Any]:
        shuffled = rows[:]
        rng.shuffle(shuffled)
        payload = {"items": shuffled, "nextUrl": f"http://h/x?offset={(position.offset or 0) + 20}"}
        return ListEndpoint("/x", "items", lambda r: r, LINKS).page(data(shuffled, payload), position)

    given, error = await drain(Paginator(fetch, PagePosition(None, 20)))
    assert sorted(r["id"] for r in given) == list(range(20))
    assert error is not None
    assert "already given out" in str(error)


async def test_overlapping_pages_stop_before_the_overlap() -> None:
    async def fetch(position: PagePosition) -> Page[Any]:
        start = max(0, (position.offset or 0) - 3)  # each page repeats the previous page's last 3
        rows = [{"id": i} for i in range(start, start + 10)]
        return ListEndpoint("/x", "items", lambda r: r, OFFSET).page(data(rows), position)

    given, error = await drain(Paginator(fetch, PagePosition(0, 10)))
    assert [r["id"] for r in given] == list(range(10))
    assert error is not None


async def test_offset_pointing_back_raises_and_the_page_is_not_given_out() -> None:
    async def fetch(position: PagePosition) -> Page[int]:
        page = TESTS.page(data([{"testId": 1}, {"testId": 2}]), position)
        page.next = PagePosition(0, 2)
        return page

    given, error = await drain(Paginator(fetch, PagePosition(0, 2), fingerprint=TESTS.fingerprint))
    assert given == []
    assert error is not None
    assert "pointed back" in str(error)


async def test_a_list_ending_short_of_its_total_is_not_complete() -> None:
    server = FakeList(45, TESTS_WITH_TOTAL, total=60)
    given, error = await drain(server.paginator(PagePosition(0, 20)))
    assert len(given) == 40  # the last page is refused: records are missing
    assert error is not None
    assert "records are missing" in str(error)


async def test_a_total_smaller_than_the_records_raises() -> None:
    server = FakeList(45, TESTS_WITH_TOTAL, total=30)
    given, error = await drain(server.paginator(PagePosition(0, 20)))
    assert len(given) == 20
    assert error is not None
    assert "holds 30 records" in str(error)


async def test_a_total_that_agrees_passes_even_when_resumed() -> None:
    server = FakeList(45, TESTS_WITH_TOTAL, total=45)
    pages = [p async for p in server.paginator(PagePosition(0, 20)).pages(start=PagePosition(20, 20))]
    assert sum(len(p) for p in pages) == 25


def test_natural_keys_and_content_fingerprints() -> None:
    assert content_fingerprint({"a": 1, "b": 2}) == content_fingerprint({"b": 2, "a": 1})
    assert content_fingerprint({"a": 1}) != content_fingerprint({"a": 2})
    assert content_fingerprint({"big": 10**30}) != content_fingerprint({"big": 10**30 + 1})
    assert WINDOWS.fingerprint({"slotWindowId": 5, "x": 1}) == WINDOWS.fingerprint(
        {"slotWindowId": 5, "x": 2}
    )


def test_a_record_too_deep_for_orjson_is_still_fingerprinted_by_content() -> None:
    deep: Any = []
    for _ in range(1000):
        deep = [deep]
    assert content_fingerprint({"a": deep}) == content_fingerprint({"a": deep})
    assert content_fingerprint({"a": deep}) != content_fingerprint({"a": [deep]})
    assert content_fingerprint({"a": 10**30, "b": [1]}) != content_fingerprint({"a": 10**30, "b": [True]})
    assert content_fingerprint({"a": 10**30, "b": ["x", "y"]}) != content_fingerprint(
        {"a": 10**30, "b": ["xy"]}
    )


KEYED = ListEndpoint("/tests", "tests", lambda r: r, OFFSET, key=lambda r: (r.get("testId"), r.get("status")))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ({"id": 10**29, "t": -1}, {"id": 10**29, "t": -2}),  # hash(-1) == hash(-2)
        ({"id": 2**64 + 7}, {"id": 2**64 + 7 + (2**61 - 1)}),  # numbers hash modulo 2**61 - 1
        ({"id": 10**29, "t": 1}, {"id": 10**29, "t": True}),
        ({"id": 10**29, "t": 1}, {"id": 10**29, "t": 1.0}),
    ],
)
def test_content_fingerprints_tell_numbers_apart_beyond_64_bits(one: Any, other: Any) -> None:
    assert content_fingerprint(one) != content_fingerprint(other)
    assert content_fingerprint(one) == content_fingerprint(dict(reversed(one.items())))


def test_natural_keys_that_are_numbers_are_told_apart() -> None:
    assert KEYED.fingerprint({"testId": -1, "status": "A"}) != KEYED.fingerprint(
        {"testId": -2, "status": "A"}
    )
    assert WINDOWS.fingerprint({"slotWindowId": 1}) != WINDOWS.fingerprint({"slotWindowId": 2**61})


@pytest.mark.parametrize("odd", [[1], {"id": 1}, None])
def test_a_key_that_is_not_a_value_compares_records_by_content(odd: Any) -> None:
    one, other = {"testId": odd, "status": None, "n": 1}, {"testId": odd, "status": None, "n": 2}
    assert KEYED.fingerprint(one) != KEYED.fingerprint(other)
    assert KEYED.fingerprint(one) == KEYED.fingerprint(dict(one))
    assert KEYED.fingerprint({"testId": 1, "n": 1}) == KEYED.fingerprint({"testId": 1, "n": 2})
    assert WINDOWS.fingerprint({"n": 1}) != WINDOWS.fingerprint({"n": 2})  # no key at all


async def test_records_with_odd_keys_walk_through_without_a_foreign_error() -> None:
    deep: Any = []
    for _ in range(1000):
        deep = [deep]
    records = [{"testId": [i], "status": None, "deep": deep} for i in range(3)] + [{"testId": [0]}]

    async def fetch(position: PagePosition) -> Page[Any]:
        offset, limit = position.offset or 0, position.limit or 20
        return KEYED.page(data(records[offset : offset + limit]), position)

    given, error = await drain(Paginator(fetch, PagePosition(0, 2), fingerprint=KEYED.fingerprint))
    assert error is None
    assert given == records
    given, error = await drain(Paginator(fetch, PagePosition(0, 2), fingerprint=TESTS.fingerprint))
    assert (error, given) == (None, records)  # by content only


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_fingerprints_remember_values_exactly_in_memory_that_stays_flat() -> None:
    """Past the set, memory does not grow with the list (the old open-addressing table grew by
    16 bytes a record and doubled at once: 2 MB to 4 MB between these two points)."""
    seen = Fingerprints()
    pages = iter(range(0, 2**62, 7919 * 500))
    for _ in range(300):  # 150,000 values: past the set
        start = next(pages)
        assert seen.first_repeat(range(start, start + 7919 * 500, 7919)) is None
    before = resident_mb()
    for _ in range(500):  # 250,000 more, in pages as a walk adds them
        start = next(pages)
        assert seen.first_repeat(range(start, start + 7919 * 500, 7919)) is None
    grown = resident_mb() - before
    assert len(seen) == 400_000
    assert not seen.add(0)
    assert not seen.add(7919 * 499)
    assert seen.add(-1)
    assert not seen.add(-1)
    assert grown < 1.5, f"{grown:.1f} MB for 250,000 fingerprints"
    seen.close()
    assert len(seen) == 0
    assert seen.add(0)


@pytest.mark.parametrize("start", [0, SET_LIMIT - 300])  # in the set; across the move to the table
def test_a_page_repeating_a_fingerprint_names_the_first_repeat(start: int) -> None:
    seen = Fingerprints()
    seen.first_repeat(list(range(-start // 2, start - start // 2)))  # negative values too
    assert seen.first_repeat([10**18 + i for i in range(500)]) is None
    assert seen.first_repeat([2**63 - 1, -(2**63), 7 * 10**17]) is None
    assert len(seen) == start + 503
    assert seen.first_repeat([1, 2, 10**18 + 499, 3]) == (2 if start == 0 else 0)  # 1 was seen unless start=0
    fresh = [5 * 10**17 + i for i in range(10)]
    assert seen.first_repeat([*fresh, fresh[3]]) == 10  # a repeat within the page
    assert seen.first_repeat([-(2**63)]) == 0
