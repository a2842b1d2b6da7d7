"""The memory of recent answers: shared within the second, bounded in bytes."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from mettl_async.core.coalescing import RECENT_BYTES, Coalescer
from mettl_async.core.session import Response


class Clock:
    def __init__(self) -> None:
        self.now = 1000.25

    def __call__(self) -> float:
        return self.now


async def ask(coalescer: Coalescer, key: Hashable, size: int, sent: list[Hashable]) -> tuple[Any, bool]:
    async def call() -> Response:
        sent.append(key)
        return Response(200, {}, {"key": key}, size=size)

    response, shared = await coalescer.share({}, key, call)
    return response.payload, shared


async def test_an_answer_is_shared_within_its_second_and_not_after() -> None:
    clock, sent = Clock(), []
    coalescer = Coalescer(1.0, clock)
    assert await ask(coalescer, "a", 100, sent) == ({"key": "a"}, False)
    assert await ask(coalescer, "a", 100, sent) == ({"key": "a"}, True)
    clock.now += 1.0
    assert await ask(coalescer, "a", 100, sent) == ({"key": "a"}, False)
    assert sent == ["a", "a"]


async def test_a_write_forgets_the_answers_before_it() -> None:
    clock, sent = Clock(), []
    coalescer = Coalescer(1.0, clock)
    await ask(coalescer, "a", 100, sent)
    coalescer.forget()
    await ask(coalescer, "a", 100, sent)
    assert sent == ["a", "a"]


async def test_a_harvest_of_large_pages_keeps_at_most_recent_bytes() -> None:
    """Before the bound, a second of 500-record pages (~100 of them) stayed in memory."""
    clock, sent = Clock(), []
    coalescer = Coalescer(1.0, clock)
    page = RECENT_BYTES // 4 + 1  # four do not fit: the oldest goes
    for offset in range(100):
        await ask(coalescer, ("page", offset), page, sent)
    kept = [key for key in (("page", offset) for offset in range(100)) if key in coalescer._recent]
    assert kept == [("page", 97), ("page", 98), ("page", 99)]
    assert coalescer._recent_bytes == 3 * page <= RECENT_BYTES
    assert await ask(coalescer, ("page", 99), page, sent) == ({"key": ("page", 99)}, True)
    assert await ask(coalescer, ("page", 0), page, sent) == ({"key": ("page", 0)}, False)


async def test_an_answer_larger_than_the_bound_is_not_kept() -> None:
    clock, sent = Clock(), []
    coalescer = Coalescer(1.0, clock)
    await ask(coalescer, "small", 10, sent)
    await ask(coalescer, "huge", RECENT_BYTES + 1, sent)
    await ask(coalescer, "huge", RECENT_BYTES + 1, sent)
    assert await ask(coalescer, "small", 10, sent) == ({"key": "small"}, True)
    assert sent == ["small", "huge", "huge"]
    assert coalescer._recent_bytes == 10


async def test_the_same_key_answered_again_is_counted_once() -> None:
    clock, sent = Clock(), []
    coalescer = Coalescer(1.0, clock)
    await ask(coalescer, "a", 300, sent)
    coalescer._remember("a", Response(200, {}, {"key": "a"}, size=500))
    assert coalescer._recent_bytes == 500
