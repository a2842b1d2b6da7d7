"""ProctorExam paging: page-number arithmetic with X-Pagination headers (pure), the sandbox's
O(page) lists, and walks over loopback that stop on the page count and carry the total."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from mettl_async import MalformedResponseError, PaginationError, ProctorExamClient
from mettl_async.core.paging_styles import PageData, PageNumberPaging, PagePosition, page_count_agrees
from mettl_async.testing import SandboxThread
from mettl_async.testing.proctorexam import ProctorExamSandboxConfig
from mettl_async.testing.proctorexam.ids import LiveIds
from mettl_async.testing.proctorexam.world import Sessions
from tests.support.examples import examples
from tests.support.loopback import Handler, serving

PAGES = PageNumberPaging()
StartSandbox = Callable[..., SandboxThread]


def data(count: int, items: int | None, pages: int | None, page: int, limit: int) -> PageData:
    headers = {"X-Pagination-Page": str(page), "X-Pagination-Limit": str(limit)}
    if items is not None:
        headers["X-Pagination-Item-Count"] = str(items)
    if pages is not None:
        headers["X-Pagination-Page-Count"] = str(pages)
    return PageData([{"id": i} for i in range(count)], {}, headers)


# -- page arithmetic (pure) --------------------------------------------------------------------


def test_an_empty_list_may_count_as_zero_pages_or_one() -> None:
    assert page_count_agrees(0, 0, 300)
    assert page_count_agrees(0, 1, 300)
    assert not page_count_agrees(0, 2, 300)
    assert PAGES.following(PagePosition(page=1), data(0, 0, 1, 1, 300)) is None
    assert PAGES.following(PagePosition(page=1), data(0, 0, 0, 1, 300)) is None


def test_a_short_page_before_the_last_raises_even_without_an_item_count() -> None:
    with pytest.raises(PaginationError, match="page 1 of 3 holds 299 records, fewer than its limit of 300"):
        PAGES.following(PagePosition(page=1), data(299, None, 3, 1, 300))


def test_records_past_the_page_count_raise() -> None:
    with pytest.raises(PaginationError, match="past the 2 pages"):
        PAGES.following(PagePosition(page=3), data(5, None, 2, 3, 300))


def test_the_page_count_ends_the_walk_without_asking_for_an_empty_page() -> None:
    assert PAGES.following(PagePosition(page=3, limit=100), data(100, 300, 3, 3, 100)) is None
    assert PAGES.following(PagePosition(page=2, limit=100), data(100, 300, 3, 2, 100)) == PagePosition(
        page=3, limit=100
    )


def test_the_server_limit_governs_the_arithmetic() -> None:
    # Asked for nothing (server default 300): the header's limit is what the records follow.
    assert PAGES.following(PagePosition(page=1), data(300, 301, 2, 1, 300)) == PagePosition(page=2)
    assert PAGES.total(data(300, 301, 2, 1, 300)) == 301


# -- the sandbox's lists in O(page) ------------------------------------------------------------


def naive(ids: LiveIds) -> list[int]:
    generated = [ids.start + k * ids.step for k in range(ids.count)]
    return [i for i in generated if i not in set(ids.deleted)] + list(ids.created)


@settings(max_examples=examples(150), deadline=None)
@given(
    start=st.integers(1, 5),
    step=st.integers(1, 4),
    count=st.integers(0, 40),
    deletions=st.lists(st.integers(0, 60), max_size=15),
    created=st.integers(0, 5),
    offset=st.integers(0, 60),
    limit=st.integers(1, 20),
)
def test_live_ids_slice_like_the_list_they_stand_for(
    start: int, step: int, count: int, deletions: list[int], created: int, offset: int, limit: int
) -> None:
    ids = LiveIds(start, step, count)
    extra = [1000 + n for n in range(created)]
    for item in extra:
        ids.add(item)
    for k in deletions:
        ids.remove(start + k * step)  # some are not in the list: a no-op
    if extra:
        ids.remove(extra[0])
    expected = naive(ids)
    assert len(ids) == len(expected)
    assert ids.slice(offset, limit) == expected[offset : offset + limit]
    assert all(item in ids for item in expected)


def test_a_million_sessions_serve_their_last_page_at_once() -> None:
    sessions = Sessions(seed=1, count=1_000_000, exams=40)
    for session_id in range(10, 400_000, 997):
        sessions.delete(session_id)
    tracemalloc.start()
    try:
        last = sessions.page(sessions.all, len(sessions.all) - 300, 300)
        of_exam = sessions.page(sessions.of_exam(7), 20_000, 300)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(last) == 300
    assert last[-1]["id"] == 1_000_000
    assert all(r["exam_id"] == 7 for r in of_exam)
    assert len(of_exam) == 300
    # Two pages of a million: no list of the ids is ever built (one would take 8 MB and more).
    # Memory, not time: a timed bound fails on a loaded machine (0.63 s against 0.5 in a soak).
    assert peak < 4_000_000, peak


# -- walks over loopback -------------------------------------------------------------------------


def page_requests(sandbox: SandboxThread, path: str) -> list[dict[str, Any]]:
    return [r.params for r in sandbox.sandbox.requests if r.raw_path.split("?")[0].endswith(path)]


@pytest.mark.parametrize(
    ("sessions", "size", "pages"), [(1000, 300, 4), (900, 300, 3), (5, 300, 1), (0, 300, 1)]
)
async def test_a_walk_stops_on_the_page_count_and_every_page_carries_the_total(
    proctorexam_sandbox_factory: StartSandbox, sessions: int, size: int, pages: int
) -> None:
    sandbox = proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=sessions))
    async with sandbox.client() as client:
        seen = [page async for page in client.student_sessions.all(page_size=size).pages()]
    assert len(seen) == pages
    assert [page.total for page in seen] == [sessions] * pages
    assert sum(len(page) for page in seen) == sessions
    assert len({r["id"] for page in seen for r in page.records}) == sessions
    asked = sorted(int(p["page"]) for p in page_requests(sandbox, "/student_sessions"))
    assert asked == list(range(1, pages + 1))  # never a page past the count (fetched ahead, in any order)


async def test_the_default_page_size_is_the_servers(proctorexam_sandbox_factory: StartSandbox) -> None:
    sandbox = proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=650))
    async with sandbox.client() as client:
        first = await client.student_sessions.all()
        assert first.total == 650
        assert len(first) == 300
        assert first.next == PagePosition(page=2)
        assert len(await client.student_sessions.all().to_list()) == 650
    assert "limit" not in page_requests(sandbox, "/student_sessions")[0]


async def test_max_items_stops_early(proctorexam_sandbox_factory: StartSandbox) -> None:
    sandbox = proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=650))
    async with sandbox.client() as client:
        got = await client.student_sessions.all(page_size=100, max_items=250).to_list()
    assert [s.id for s in got] == list(range(1, 251))
    assert len(page_requests(sandbox, "/student_sessions")) == 3


async def test_a_resumed_walk_continues_where_it_stopped(proctorexam_sandbox_factory: StartSandbox) -> None:
    sandbox = proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=700))
    async with sandbox.client() as client:
        rest = [
            p
            async for p in client.student_sessions.all(page_size=200).pages(
                start=PagePosition(page=3, limit=200)
            )
        ]
    assert [r["id"] for p in rest for r in p.records] == list(range(401, 701))


@pytest.mark.parametrize("lie", [5, -5])
async def test_headers_that_contradict_the_records_raise(
    proctorexam_sandbox_factory: StartSandbox, lie: int
) -> None:
    sandbox = proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=650, misreport_item_count=lie))
    walked: list[int] = []

    async def walk() -> None:
        async with sandbox.client() as client:
            async for page in client.student_sessions.all(page_size=300).pages():
                walked.extend(r["id"] for r in page.records)

    with pytest.raises(PaginationError):
        await walk()
    assert len(walked) < 650  # nothing past the contradiction was given out


async def test_an_exam_with_no_sessions_is_one_empty_page(proctorexam_sandbox_factory: StartSandbox) -> None:
    sandbox = proctorexam_sandbox_factory(ProctorExamSandboxConfig(sessions=3, exams=12))
    async with sandbox.client() as client:
        page = await client.student_sessions.of_exam(10)
        assert (len(page), page.total, page.next) == (0, 0, None)
        assert await client.student_sessions.of_exam(10).to_list() == []


# -- the student-session list key: no document shows a list's answer ---------------------------


def _one_page(body: dict[str, Any]) -> Handler:
    async def answer(request: web.Request) -> web.Response:
        headers = {"X-Pagination-Page": "1", "X-Pagination-Page-Count": "1", "X-Pagination-Limit": "300"}
        return web.json_response(body, headers=headers)

    return answer


@pytest.mark.parametrize("key", ["students", "student_sessions"])
@pytest.mark.parametrize("exam", [None, 7])
async def test_student_sessions_are_read_under_each_plausible_key(key: str, exam: int | None) -> None:
    """The v3 pages show no list of student sessions: ``student_sessions`` is read beside ``students``."""
    page = _one_page({key: [{"id": 1, "exam_id": 7}, {"id": 2, "exam_id": 7}]})
    async with serving(page) as url, ProctorExamClient("token", "secret", base_url=url + "/api/v3") as client:
        sessions = client.student_sessions
        walk = sessions.all() if exam is None else sessions.of_exam(exam)
        assert [s.id for s in await walk.to_list()] == [1, 2]


async def test_student_sessions_under_no_known_key_name_the_keys_there() -> None:
    page = _one_page({"sessions": [], "meta": {}})
    async with serving(page) as url, ProctorExamClient("token", "secret", base_url=url + "/api/v3") as client:
        with pytest.raises(MalformedResponseError) as caught:
            await client.student_sessions.all().to_list()
    assert caught.value.message == (
        "/student_sessions: the response has no 'students' or 'student_sessions' (it has 'meta', 'sessions')"
    )
