"""Page arithmetic of each paging style, pure: positions and checks, offsets, next links, page numbers
with X-Pagination headers, and hostile pages that get an answer or the library's own error."""

from __future__ import annotations

import contextlib
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mettl_async.core.errors import InputError, MalformedResponseError, MettlError, PaginationError
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
from tests.support.paging_support import LINKS, OFFSET, data

# The end of the section 5.2 sample, as the raw JSON text arrives (\u003d is "=", \u0026 is "&").
SLOT_WINDOWS_TAIL = (
    rb'{"slotWindows": [{"slotWindowId": 154}, {"slotWindowId": 153}],'
    rb' "nextUrl":"http://localhost:8092/api/v1//getAllSlotWindows?offset\u003d2\u0026limit\u003d2",'
    rb' "status":"SUCCESS"}'
)
PAGES = PageNumberPaging()


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


SUPERSCRIPT_TWO, ARABIC_INDIC_TWELVE = "\u00b2", "\u0661\u0662"


@pytest.mark.parametrize(
    ("count", "read"),
    [
        ("12", 12),
        (" 12 ", 12),
        (SUPERSCRIPT_TWO, None),
        (ARABIC_INDIC_TWELVE, None),
        ("1" + SUPERSCRIPT_TWO, None),
    ],
)
def test_a_count_header_is_read_in_ascii_digits_only(count: str, read: int | None) -> None:
    """Defect (found by the property above in CI): ``'²'.isdigit()`` holds and ``int('²')``
    raised ValueError out of the walk; ``'١٢'`` was read as 12. Anything but ASCII digits is no
    count."""
    page = PageData([{"i": 1}], {}, {"X-Pagination-Item-Count": count})
    assert PAGES.total(page) == read
