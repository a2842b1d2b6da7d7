"""Decoding and building models leave the interpreter's cycle collector alone (issues 19, 20):
a library must not change process-wide state, not even for a moment."""

from __future__ import annotations

import gc
from typing import Any

import orjson

from mettl_async.core.jsoncodec import parse_json
from mettl_async.core.paginator import Page
from mettl_async.core.paging_styles import PagePosition


def body(records: int) -> bytes:
    applicants = [{"email": f"a{i}@x.com", "tests": [{"id": i}]} for i in range(records)]
    return orjson.dumps({"applicants": applicants})


BIG = body(2_000)


def test_decoding_a_body_runs_with_the_collector_as_the_caller_left_it() -> None:
    seen: list[bool] = []

    def note(phase: str, info: dict[str, Any]) -> None:
        seen.append(gc.isenabled())

    large = body(20_000)  # 40,000 containers: dozens of passes
    gc.callbacks.append(note)
    try:
        payload = parse_json(large)
    finally:
        gc.callbacks.remove(note)
    assert len(payload["applicants"]) == 20_000
    assert len(seen) > 2  # the collector ran as it always does (paused, it ran once at most)
    assert all(seen)


def test_building_a_pages_models_leaves_the_collector_on() -> None:
    records = parse_json(BIG)["applicants"]
    page = Page(records, PagePosition(offset=0), None, None, {}, {}, parse=lambda r: gc.isenabled())
    assert all(page.items)


def test_a_collector_the_caller_disabled_stays_disabled() -> None:
    gc.disable()
    try:
        records = parse_json(BIG)["applicants"]
        page = Page(records, PagePosition(offset=0), None, None, {}, {}, parse=lambda r: gc.isenabled())
        assert not any(page.items)
        assert not gc.isenabled()
    finally:
        gc.enable()
