"""Page arithmetic and the paginator, over an in-memory fetch function (the paginator's seam)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from mettl_async.errors import InputError, MalformedResponseError, PaginationError
from mettl_async.pagination import (
    DEFAULT_LIMIT,
    ListEndpoint,
    Page,
    PagePosition,
    Paginator,
    PagingStyle,
    check_max_items,
    check_page_size,
    dig,
    next_by_offset,
    next_from_link,
)

# The end of the section 5.2 sample, as the raw JSON text arrives (\u003d is "=", \u0026 is "&").
SLOT_WINDOWS_TAIL = (
    rb'{"slotWindows": [{"slotWindowId": 154}, {"slotWindowId": 153}],'
    rb' "nextUrl":"http://localhost:8092/api/v1//getAllSlotWindows?offset\u003d2\u0026limit\u003d2",'
    rb' "status":"SUCCESS"}'
)

# -- PagePosition and checks --------------------------------------------------------------


def test_position_params_leave_out_unset_values() -> None:
    assert PagePosition(offset=40, limit=20).params() == {"limit": "20", "offset": "40"}
    assert PagePosition(offset=None, limit=50).params() == {"limit": "50"}
    assert PagePosition().params() == {}


def test_position_round_trips_through_a_dict() -> None:
    position = PagePosition(offset=60, limit=30)
    assert position.to_dict() == {"offset": 60, "limit": 30}
    assert PagePosition.from_dict(position.to_dict()) == position
    assert PagePosition.from_dict({}) == PagePosition(None, None)


@pytest.mark.parametrize("size", [None, 1, 20, 500])
def test_page_size_accepted(size: int | None) -> None:
    assert check_page_size(size) == size


@pytest.mark.parametrize("size", [0, -1, 501, True, 2.5, "20"])
def test_page_size_refused(size: Any) -> None:
    with pytest.raises(InputError) as caught:
        check_page_size(size)
    assert caught.value.field == "page_size"


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


# -- next_by_offset -----------------------------------------------------------------------


def test_full_page_continues_after_the_items_received() -> None:
    assert next_by_offset(PagePosition(offset=40, limit=20), 20) == PagePosition(offset=60, limit=20)


def test_short_page_is_the_last() -> None:
    assert next_by_offset(PagePosition(offset=40, limit=20), 19) is None


def test_empty_page_is_the_last() -> None:
    assert next_by_offset(PagePosition(offset=0, limit=20), 0) is None


def test_unset_limit_means_the_documented_default() -> None:
    assert next_by_offset(PagePosition(), DEFAULT_LIMIT) == PagePosition(offset=20, limit=None)
    assert next_by_offset(PagePosition(), DEFAULT_LIMIT - 1) is None


def test_server_sending_more_than_asked_moves_by_what_arrived() -> None:
    assert next_by_offset(PagePosition(offset=0, limit=10), 12) == PagePosition(offset=12, limit=10)


# -- next_from_link -----------------------------------------------------------------------


def test_documents_next_url_after_json_decoding() -> None:
    link = orjson.loads(SLOT_WINDOWS_TAIL)["nextUrl"]
    assert link == "http://localhost:8092/api/v1//getAllSlotWindows?offset=2&limit=2"
    assert next_from_link(link, PagePosition(offset=None, limit=2), 2) == PagePosition(offset=2, limit=2)


def test_link_without_limit_keeps_the_current_one() -> None:
    assert next_from_link("/x?offset=40", PagePosition(offset=20, limit=20), 20) == PagePosition(40, 20)


@pytest.mark.parametrize("link", [None, "", "   ", 17, {"href": "x"}])
def test_no_link_means_no_next_page(link: object) -> None:
    assert next_from_link(link, PagePosition(0, 20), 20) is None


@pytest.mark.parametrize("link_offset", [20, 5])
def test_a_link_that_would_skip_or_repeat_records_continues_where_they_end(
    link_offset: int, caplog: pytest.LogCaptureFixture
) -> None:
    """A server capping pages at 10 but linking offset+limit would skip 10 records a page."""
    link = f"http://h/x?offset={link_offset}&limit=20"
    assert next_from_link(link, PagePosition(offset=0, limit=20), 10) == PagePosition(offset=10, limit=20)
    assert "continuing from 10" in caplog.text


@pytest.mark.parametrize(
    "link",
    [
        "https://next",  # section 6.1's paging.next
        "http://h/api?limit=20",
        "http://h/api?offset=&limit=20",
    ],
)
def test_link_without_offset_raises(link: str) -> None:
    with pytest.raises(PaginationError, match="no offset"):
        next_from_link(link, PagePosition(0, 20), 20)


@pytest.mark.parametrize(
    "link", ["http://h/api?offset=two&limit=2", "http://h/api?offset=2&limit=2.5", "http://[::1/x?offset=2"]
)
def test_link_with_non_numeric_values_or_no_url_raises(link: str) -> None:
    with pytest.raises(PaginationError, match="numeric offset"):
        next_from_link(link, PagePosition(0, 2), 2)


# -- ListEndpoint -------------------------------------------------------------------------

TESTS = ListEndpoint("/tests", "tests", lambda r: r["testId"], PagingStyle.OFFSET)
WINDOWS = ListEndpoint(
    "/getAllSlotWindows",
    "slotWindows",
    lambda r: r["slotWindowId"],
    PagingStyle.NEXT_LINK,
    link_key="nextUrl",
)
CANDIDATES = ListEndpoint(
    "/getSlotDetails", "slotDetails.candidateDetailsList", lambda r: r, PagingStyle.OFFSET
)


def test_first_positions() -> None:
    assert TESTS.first_position(None) == PagePosition(offset=0, limit=DEFAULT_LIMIT)
    assert TESTS.first_position(50) == PagePosition(offset=0, limit=50)
    assert WINDOWS.first_position(None) == PagePosition(offset=None, limit=None)
    assert WINDOWS.first_position(2) == PagePosition(offset=None, limit=2)


def test_offset_page() -> None:
    payload = {"status": "SUCCESS", "tests": [{"testId": 1}, {"testId": 2}]}
    page = TESTS.page(payload, PagePosition(offset=0, limit=2))
    assert page.items == [1, 2]
    assert len(page) == 2
    assert page.next == PagePosition(offset=2, limit=2)
    assert page.payload is payload


def test_link_page_reads_the_next_link() -> None:
    page = WINDOWS.page(orjson.loads(SLOT_WINDOWS_TAIL), PagePosition(offset=None, limit=2))
    assert page.items == [154, 153]
    assert page.next == PagePosition(offset=2, limit=2)


def test_empty_link_page_ends_even_with_a_link() -> None:
    payload = {"slotWindows": [], "nextUrl": "http://h/x?offset=4&limit=2"}
    assert WINDOWS.page(payload, PagePosition(2, 2)).next is None


def test_nested_items_key_and_null_lists() -> None:
    payload = {"slotDetails": {"candidateDetailsList": [{"email": "a@b.co"}]}}
    assert CANDIDATES.page(payload, PagePosition(0, 20)).records == [{"email": "a@b.co"}]
    empty = {"slotDetails": {"candidateDetailsList": None}}
    assert CANDIDATES.page(empty, PagePosition(0, 20)).records == []
    assert TESTS.page({"tests": None}, PagePosition(0, 20)).next is None


@pytest.mark.parametrize("payload", [{"status": "SUCCESS"}, {"slotDetails": None}, {"slotDetails": {}}])
def test_a_missing_list_is_malformed_not_the_end(payload: dict[str, Any]) -> None:
    """Read as "no more records", a missing key would end a harvest early and call it complete."""
    with pytest.raises(MalformedResponseError, match="has no 'slotDetails"):
        CANDIDATES.page(payload, PagePosition(0, 20))


@pytest.mark.parametrize("records", [[{"testId": 1}, None], [1, 2], ["a"]])
def test_records_that_are_not_objects_are_malformed(records: list[Any]) -> None:
    with pytest.raises(MalformedResponseError, match="not a list of objects"):
        TESTS.page({"tests": records}, PagePosition(0, 20))


def test_items_that_are_not_a_list_are_malformed() -> None:
    with pytest.raises(MalformedResponseError, match="'tests' is not a list of objects"):
        TESTS.page({"tests": {"testId": 1}}, PagePosition(0, 20))


def test_items_are_parsed_once_on_first_access() -> None:
    calls: list[Any] = []

    def parse(record: Any) -> int:
        calls.append(record)
        return int(record["testId"])

    endpoint = ListEndpoint("/tests", "tests", parse, PagingStyle.OFFSET)
    page = endpoint.page({"tests": [{"testId": 7}]}, PagePosition(0, 20))
    assert calls == []
    assert page.items == [7]
    assert page.items == [7]
    assert len(calls) == 1


# -- Paginator ----------------------------------------------------------------------------


class FakeTests:
    """An offset-paged list of ``total`` tests, served from memory; records every fetch."""

    def __init__(self, total: int) -> None:
        self.rows = [{"testId": i, "testName": f"t{i}"} for i in range(total)]
        self.fetched: list[PagePosition] = []

    async def fetch(self, position: PagePosition) -> Page[int]:
        self.fetched.append(position)
        offset, limit = position.offset or 0, position.limit or DEFAULT_LIMIT
        payload = {"status": "SUCCESS", "tests": self.rows[offset : offset + limit]}
        return TESTS.page(payload, position)


async def test_awaiting_gives_the_first_page() -> None:
    server = FakeTests(5)
    page = await Paginator(server.fetch, PagePosition(0, 2))
    assert page.items == [0, 1]
    assert page.next == PagePosition(2, 2)
    assert server.fetched == [PagePosition(0, 2)]


async def test_async_for_gives_every_item() -> None:
    server = FakeTests(5)
    items = [item async for item in Paginator(server.fetch, PagePosition(0, 2))]
    assert items == [0, 1, 2, 3, 4]
    assert server.fetched == [PagePosition(0, 2), PagePosition(2, 2), PagePosition(4, 2)]


async def test_exact_multiple_costs_one_empty_page() -> None:
    server = FakeTests(4)
    assert await Paginator(server.fetch, PagePosition(0, 2)).to_list() == [0, 1, 2, 3]
    assert server.fetched[-1] == PagePosition(4, 2)
    assert len(server.fetched) == 3


async def test_pages_resume_from_a_saved_position() -> None:
    server = FakeTests(7)
    paginator = Paginator(server.fetch, PagePosition(0, 3))
    saved = PagePosition.from_dict({"offset": 3, "limit": 3})
    pages = [page async for page in paginator.pages(start=saved)]
    assert [page.items for page in pages] == [[3, 4, 5], [6]]
    assert server.fetched[0] == PagePosition(3, 3)


@pytest.mark.parametrize(("max_items", "items", "fetches"), [(3, [0, 1, 2], 2), (4, [0, 1, 2, 3], 2)])
async def test_max_items_truncates_and_stops_fetching(max_items: int, items: list[int], fetches: int) -> None:
    server = FakeTests(100)
    paginator = Paginator(server.fetch, PagePosition(0, 2), max_items=max_items)
    assert await paginator.to_list() == items
    assert len(server.fetched) == fetches


async def test_max_items_truncated_page_has_no_next() -> None:
    server = FakeTests(100)
    pages = [page async for page in Paginator(server.fetch, PagePosition(0, 5), max_items=3).pages()]
    assert len(pages) == 1
    assert pages[0].records == server.rows[:3]
    assert pages[0].next is None


async def test_max_items_zero_fetches_nothing() -> None:
    server = FakeTests(10)
    assert await Paginator(server.fetch, PagePosition(0, 2), max_items=0).to_list() == []
    assert server.fetched == []


def test_max_items_is_checked_at_once() -> None:
    with pytest.raises(InputError):
        Paginator(FakeTests(1).fetch, PagePosition(0, 2), max_items=-1)


async def test_a_server_sending_the_same_page_again_raises_before_repeating_it() -> None:
    fetched: list[PagePosition] = []

    async def fetch(position: PagePosition) -> Page[int]:
        fetched.append(position)
        # A server that ignores paging: the same record and the same link every time.
        payload = {"slotWindows": [{"slotWindowId": 7}], "nextUrl": "http://h/x?offset=2&limit=2"}
        return WINDOWS.page(payload, position)

    pages = Paginator(fetch, PagePosition(None, 2)).pages()
    assert (await anext(pages)).items == [7]
    with pytest.raises(PaginationError, match="same 1 records again at offset=1"):
        await anext(pages)
    assert fetched == [PagePosition(None, 2), PagePosition(1, 2)]


async def test_an_offset_server_ignoring_offset_raises_instead_of_looping() -> None:
    async def fetch(position: PagePosition) -> Page[int]:
        return TESTS.page({"tests": [{"testId": i} for i in range(25)]}, position)  # always all 25

    seen: list[int] = []

    async def drain() -> None:
        async for page in Paginator(fetch, PagePosition(0, 20)).pages():
            seen.extend(page.items)

    with pytest.raises(PaginationError, match="does not page this list"):
        await drain()
    assert seen == list(range(25))  # given out once, never twice


async def test_offset_pointing_back_raises() -> None:
    async def fetch(position: PagePosition) -> Page[int]:
        page = TESTS.page({"tests": [{"testId": 1}, {"testId": 2}]}, position)
        page.next = PagePosition(0, 2)  # a page that names the first page as its successor
        return page

    given: list[int] = []

    async def drain() -> None:
        async for item in Paginator(fetch, PagePosition(0, 2)):
            given.append(item)

    with pytest.raises(PaginationError, match="pointed back"):
        await drain()
    assert given == []  # the page that points back is not given out
