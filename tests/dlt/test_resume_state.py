"""The walk's state in dlt's resource state, without dlt: where a run starts, and what each page
records."""

from __future__ import annotations

from typing import Any

import pytest

from mettl_async.core.paging_styles import PagePosition
from mettl_async.dlt.resume import Walk, advance, begin, resume_from

WALK = Walk("acme", {"status": "Published"}, 500)


def test_a_first_run_starts_at_the_first_page() -> None:
    assert resume_from({}, WALK) is None


def test_an_unfinished_walk_continues_at_its_next_page_and_a_finished_one_starts_over() -> None:
    state: dict[str, Any] = {}
    begin(state, WALK, None)
    advance(state, WALK, PagePosition(offset=500, limit=500))
    assert resume_from(state, WALK) == PagePosition(offset=500, limit=500)
    begin(state, WALK, PagePosition(offset=500, limit=500))
    assert resume_from(state, WALK) == PagePosition(offset=500, limit=500)
    advance(state, WALK, None)
    assert state["walks"]["acme"]["complete"] is True
    assert resume_from(state, WALK) is None


@pytest.mark.parametrize(
    "other",
    [
        Walk("acme", {"status": "UnPublished"}, 500),
        Walk("acme", {"status": "Published"}, 100),
        Walk("other", {"status": "Published"}, 500),
    ],
)
def test_another_walk_starts_over(other: Walk) -> None:
    state: dict[str, Any] = {}
    begin(state, WALK, None)
    advance(state, WALK, PagePosition(offset=500, limit=500))
    assert resume_from(state, other) is None
    assert resume_from(state, WALK) == PagePosition(offset=500, limit=500)


@pytest.mark.parametrize(
    "entry",
    [
        "text",
        {"filters": {"status": "Published"}, "page_size": 500, "complete": False, "next": {"offset": -1}},
        {"filters": {"status": "Published"}, "page_size": 500, "complete": False, "next": 7},
        {"filters": {"status": "Published"}, "page_size": 500, "complete": "no", "next": {"offset": 5}},
    ],
)
def test_a_state_this_source_did_not_write_starts_over(entry: Any) -> None:
    assert resume_from({"walks": {"acme": entry}}, WALK) is None
