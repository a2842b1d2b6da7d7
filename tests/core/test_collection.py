"""Decoding pauses the cycle collector and always gives it back as it found it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import orjson
import pytest

from mettl_async.core.gcpause import collector_paused
from mettl_async.core.jsoncodec import parse_json
from mettl_async.core.paginator import Page
from mettl_async.core.paging_styles import PagePosition

BIG = orjson.dumps({"applicants": [{"email": f"a{i}@x.com", "tests": [{"id": i}]} for i in range(20_000)]})


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generations of the collections run while the test runs."""
    ran: list[int] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            ran.append(info["generation"])

    gc.collect()
    gc.callbacks.append(note)
    try:
        yield ran
    finally:
        gc.callbacks.remove(note)


def test_decoding_a_large_body_runs_one_collection_at_most(collections: list[int]) -> None:
    """At most the one owed when the collector resumes (with it running: about 60)."""
    payload = parse_json(BIG)
    assert len(payload["applicants"]) == 20_000
    assert len(collections) <= 1
    assert gc.isenabled()


def test_building_a_pages_models_runs_one_collection_at_most(collections: list[int]) -> None:
    records = parse_json(BIG)["applicants"]
    collections.clear()
    page = Page(records, PagePosition(offset=0), None, None, {}, {}, parse=lambda r: {"copy": dict(r)})
    assert len(page.items) == 20_000
    assert len(collections) <= 1
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        parse_json(BIG)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_inside_gives_the_collector_back() -> None:
    with pytest.raises(KeyError), collector_paused():
        raise KeyError("x")
    assert gc.isenabled()
