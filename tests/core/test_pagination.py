"""Page arithmetic of each style (pure) and the guarded paginator over in-memory servers."""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Mapping
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mettl_async.core.errors import InputError, MalformedResponseError, MettlError, PaginationError
from mettl_async.core.fingerprints import SET_LIMIT, Fingerprints
from mettl_async.core.paginator import ListEndpoint, Page, Paginator, content_fingerprint
from mettl_async.core.paging_styles import (
    NextLinkPaging,
    OffsetPaging,
    PageData,
    PageNumberPaging,
    PagePosition,
    check_max_items,
    dig,
    records_at,
)
from tests.support.examples import examples

# The end of the section 5.2 sample, as the raw JSON text arrives (\u003d is "=", \u0026 is "&").
SLOT_WINDOWS_TAIL = (
    rb'{"slotWindows": [{"slotWindowId": 154}, {"slotWindowId": 153}],'
    rb' "nextUrl":"http://localhost:8092/api/v1//getAllSlotWindows?offset\u003d2\u0026limit\u003d2",'
    rb' "status":"SUCCESS"}'
)
OFFSET = OffsetPaging(default_limit=20, max_limit=500)
LINKS = NextLinkPaging("nextUrl")
PAGES = PageNumberPaging()


def data(records: list[dict[str, Any]], payload: Mapping[str, Any] | None = None, **headers: str) -> PageData:
    return PageData(records, payload or {}, {k.replace("_", "-"): v for k, v in headers.items()})


def n(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"id": i} for i in range(start, start + count)]


# -- positions and checks -------------------------------------------------------------------


def test_offset_params_leave_out_unset_values() -> None:
    assert OFFSET.params(PagePosition(offset=40, limit=20)) == {"limit": "20", "offset": "40"}
    assert OFFSET.params(PagePosition(offset=None, limit=50)) == {"limit": "50"}
    assert OFFSET.params(PagePosition()) == {}
    assert PAGES.params(PagePosition(page=3, limit=100)) == {"page": "3", "limit": "100"}
    assert PAGES.params(PagePosition(page=1)) == {"page": "1"}


def test_position_round_trips_through_a_dict() -> None:
    for position in (PagePosition(offset=60, limit=30), PagePosition(page=4, limit=300)):
        assert PagePosition.from_dict(position.to_dict()) == position
    assert PagePosition.from_dict({}) == PagePosition(None, None)


@pytest.mark.parametrize("bad", [{"offset": -1}, {"limit": "20"}, {"page": True}, {"offset": 1.5}])
def test_a_corrupt_saved_position_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="non-negative integer"):
        PagePosition.from_dict(bad)


@pytest.mark.parametrize("size", [None, 1, 20, 500])
def test_page_size_accepted(size: int | None) -> None:
    assert OFFSET.check_page_size(size) == size


@pytest.mark.parametrize("size", [0, -1, 501, True, 2.5, "20"])
def test_page_size_refused(size: Any) -> None:
    with pytest.raises(InputError) as caught:
        OFFSET.check_page_size(size)
    assert caught.value.field == "page_size"
    assert "from 1 to 500" in caught.value.rule


def test_page_number_paging_allows_up_to_300() -> None:
    assert PAGES.check_page_size(300) == 300
    with pytest.raises(InputError, match="from 1 to 300"):
        PAGES.check_page_size(301)


def test_max_items_checks() -> None:
    assert check_max_items(None) is None
    assert check_max_items(0) == 0
    for bad in (-1, True, 1.5):
        with pytest.raises(InputError) as caught:
            check_max_items(bad)  # type: ignore[arg-type]
        assert caught.value.field == "max_items"


def test_dig_follows_dotted_paths() -> None:
    payload = {"paging": {"next": "u"}, "slotDetails": None, "x": 1}
    assert dig(payload, "paging.next") == "u"
    assert dig(payload, "paging.previous") is None
    assert dig(payload, "slotDetails.candidateDetailsList") is None
    assert dig(payload, "x.y") is None


def test_nested_items_key_and_null_lists() -> None:
    payload = {"slotDetails": {"candidateDetailsList": [{"email": "a@b.co"}]}}
    assert records_at(payload, "slotDetails.candidateDetailsList", "w") == [{"email": "a@b.co"}]
    assert (
        records_at({"slotDetails": {"candidateDetailsList": None}}, "slotDetails.candidateDetailsList", "w")
        == []
    )


@pytest.mark.parametrize("payload", [{"status": "SUCCESS"}, {"slotDetails": None}, {"slotDetails": {}}])
def test_a_missing_list_is_malformed_not_the_end(payload: dict[str, Any]) -> None:
    """Read as "no more records", a missing key would end a harvest early and call it complete."""
    with pytest.raises(MalformedResponseError, match="has no 'slotDetails"):
        records_at(payload, "slotDetails.candidateDetailsList", "/getSlotDetails")


@pytest.mark.parametrize("records", [[{"testId": 1}, None], [1, 2], ["a"], {"testId": 1}])
def test_records_that_are_not_objects_are_malformed(records: Any) -> None:
    with pytest.raises(MalformedResponseError, match="not a list of objects"):
        records_at({"tests": records}, "tests", "/tests")


# -- offset paging ----------------------------------------------------------------------------


def test_full_page_continues_after_the_records_received() -> None:
    assert OFFSET.following(PagePosition(offset=40, limit=20), data(n(20))) == PagePosition(
        offset=60, limit=20
    )


def test_short_or_empty_page_is_the_last() -> None:
    assert OFFSET.following(PagePosition(offset=40, limit=20), data(n(19))) is None
    assert OFFSET.following(PagePosition(offset=0, limit=20), data([])) is None


def test_unset_limit_means_the_documented_default() -> None:
    assert OFFSET.following(PagePosition(), data(n(20))) == PagePosition(offset=20, limit=None)
    assert OFFSET.following(PagePosition(), data(n(19))) is None


def test_server_sending_more_than_asked_moves_by_what_arrived() -> None:
    assert OFFSET.following(PagePosition(offset=0, limit=10), data(n(12))) == PagePosition(
        offset=12, limit=10
    )


# -- next links -------------------------------------------------------------------------------


def test_documents_next_url_after_json_decoding() -> None:
    payload = orjson.loads(SLOT_WINDOWS_TAIL)
    assert payload["nextUrl"] == "http://localhost:8092/api/v1//getAllSlotWindows?offset=2&limit=2"
    got = LINKS.following(PagePosition(offset=None, limit=2), data(payload["slotWindows"], payload))
    assert got == PagePosition(offset=2, limit=2)


@pytest.mark.parametrize("link", [None, "", "   ", 17, {"href": "x"}])
def test_no_link_means_no_next_page(link: object) -> None:
    assert LINKS.following(PagePosition(0, 20), data(n(20), {"nextUrl": link})) is None


def test_an_empty_page_ends_even_with_a_link() -> None:
    assert LINKS.following(PagePosition(2, 2), data([], {"nextUrl": "http://h/x?offset=4&limit=2"})) is None


@pytest.mark.parametrize("link_offset", [20, 5])
def test_a_link_that_would_skip_or_repeat_records_continues_where_they_end(
    link_offset: int, caplog: pytest.LogCaptureFixture
) -> None:
    """A server capping pages at 10 but linking offset+limit would skip 10 records a page."""
    payload = {"nextUrl": f"http://h/x?offset={link_offset}&limit=20"}
    assert LINKS.following(PagePosition(offset=0, limit=20), data(n(10), payload)) == PagePosition(10, 20)
    assert "continuing from 10" in caplog.text


@pytest.mark.parametrize(("link_limit", "asked"), [(0, 20), (0, None), (5, 20), (500, 20), (3, None)])
def test_a_link_limit_is_never_adopted(link_limit: int, asked: int | None) -> None:
    """Defect: a next link with limit=0 ended the list after its first page (20 of 250 records)."""
    payload = {"nextUrl": f"http://h/x?offset=20&limit={link_limit}"}
    assert LINKS.following(PagePosition(offset=0, limit=asked), data(n(20), payload)) == PagePosition(
        20, asked
    )


@pytest.mark.parametrize(
    "link",
    ["https://next", "http://h/api?limit=20", "http://h/api?offset=&limit=20"],  # 6.1's placeholder
)
def test_link_without_offset_raises(link: str) -> None:
    with pytest.raises(PaginationError, match="no offset"):
        LINKS.following(PagePosition(0, 20), data(n(20), {"nextUrl": link}))


@pytest.mark.parametrize(
    "link",
    [
        "http://h/api?offset=two&limit=2",
        "http://h/api?offset=2&limit=2.5",
        "http://[::1/x?offset=2",
        "/x?offset=-2",
    ],
)
def test_link_with_non_numeric_or_negative_values_raises(link: str) -> None:
    with pytest.raises(PaginationError, match=r"numeric offset|negative"):
        LINKS.following(PagePosition(0, 2), data(n(2), {"nextUrl": link}))


# -- page numbers and X-Pagination headers ------------------------------------------------------


def headers(items: int, pages: int, page: int, limit: int) -> dict[str, str]:
    return {
        "X_Pagination_Item_Count": str(items),
        "X_Pagination_Page_Count": str(pages),
        "X_Pagination_Page": str(page),
        "X_Pagination_Limit": str(limit),
    }


def test_page_count_stops_the_walk_and_gives_the_total() -> None:
    first = data(n(300), **headers(650, 3, 1, 300))
    assert PAGES.following(PagePosition(page=1), first) == PagePosition(page=2)
    assert PAGES.total(first) == 650
    last = data(n(50), **headers(650, 3, 3, 300))
    assert PAGES.following(PagePosition(page=3), last) is None


def test_an_exact_multiple_stops_on_the_count_without_an_empty_page() -> None:
    assert PAGES.following(PagePosition(page=2, limit=10), data(n(10), **headers(20, 2, 2, 10))) is None


@pytest.mark.parametrize(
    ("asked", "records", "hdrs", "message"),
    [
        (2, n(10), headers(650, 3, 2, 300), "holds 10 records, but 650"),  # short page mid-list
        (1, n(300), headers(650, 3, 2, 300), "server says it sent page 2"),
        (1, n(300), headers(650, 4, 1, 300), "650 records in 4 pages"),
        (1, n(301), headers(650, 3, 1, 300), "more than its limit"),
    ],
)
def test_headers_that_contradict_the_records_raise(
    asked: int, records: list[Any], hdrs: dict[str, str], message: str
) -> None:
    with pytest.raises(PaginationError, match=message):
        PAGES.following(PagePosition(page=asked), data(records, **hdrs))


def test_without_headers_a_short_page_is_the_last() -> None:
    assert PAGES.following(PagePosition(page=1, limit=5), data(n(5))) == PagePosition(page=2, limit=5)
    assert PAGES.following(PagePosition(page=2, limit=5), data(n(4))) is None


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


TESTS = ListEndpoint("/tests", "tests", lambda r: int(r["testId"]), OFFSET)
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


# -- hostile pages: every paging style's arithmetic answers, or raises the library's own error --

PAGINGS = [
    OffsetPaging(default_limit=20, max_limit=500),
    OffsetPaging(total_key="total"),
    NextLinkPaging("paging.next", max_limit=500),
    NextLinkPaging("nextUrl", max_limit=500),
    PageNumberPaging(default_limit=300, max_limit=300),
]
_LINKS = st.sampled_from(
    [
        "http://h/x?offset=20&limit=20",
        "http://h/x?offset=99999999999999999999999&limit=1",
        "http://h/x?offset=-1",
        "?offset=1e5&limit=2",
        "http://[::1/x?offset=2",
        "http://h/x?offset=2&offset=3&limit=0",
        "http://h:99999999/x?offset=1",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.text(max_size=20),
    _LINKS,
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["next", "paging", "nextUrl", "total", "x"]), inner, max_size=3),
    ),
    max_leaves=6,
)
_HEADERS = st.dictionaries(
    st.sampled_from(
        ["X-Pagination-Item-Count", "X-Pagination-Page-Count", "X-Pagination-Page", "X-Pagination-Limit"]
    ),
    st.one_of(st.text(max_size=25), st.sampled_from(["1", "0", "-1", "300", "9" * 40, "1e3", " 2 ", "١٢"])),
    max_size=4,
)
_POSITIONS = st.builds(
    PagePosition,
    st.one_of(st.none(), st.integers(0, 10**6)),
    st.one_of(st.none(), st.integers(1, 500)),
    st.one_of(st.none(), st.integers(1, 10**6)),
)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=list(HealthCheck))
@given(
    paging=st.sampled_from(PAGINGS),
    position=_POSITIONS,
    payload=st.dictionaries(st.sampled_from(["paging", "nextUrl", "total", "x"]), _VALUES, max_size=3),
    headers=_HEADERS,
    size=st.integers(0, 600),
)
def test_hostile_pages_get_answers_or_the_librarys_own_errors(
    paging: Any, position: PagePosition, payload: dict[str, Any], headers: dict[str, str], size: int
) -> None:
    page = PageData([{"i": i} for i in range(size)], payload, headers)
    steps = (
        lambda: paging.following(position, page),
        lambda: paging.total(page),
        lambda: paging.before(position),
        lambda: paging.predict(position, page, max(size, 1)),
        lambda: paging.params(position),
    )
    for step in steps:
        with contextlib.suppress(MettlError):  # any other exception fails the test
            step()
