"""An output's I/O off the event loop: one sink, and the one thread that opens, writes and closes it.

A harvest fetches pages ahead while the last one is made durable (an ``fsync``, a SQLite or
PostgreSQL commit): were the write done on the event loop, every fetch would wait for it. A
webhook receiver answers other deliveries while one waits on a locked table. One thread per sink
keeps each sink, and its connection, to one thread at a time (SQLite's connections refuse any
other), and keeps its writes in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ..core.paging_styles import PagePosition
from .sink import Sink

T = TypeVar("T")


class SinkThread:
    """A sink opened (on first use, or by :meth:`open`) and used in a thread of its own.

    ``inline`` does the I/O on the calling thread instead (what writes on the loop cost:
    benchmarks/bench_warehouse.py measures it).
    """

    def __init__(self, opener: Callable[[], Sink], *, inline: bool = False) -> None:
        self._opener = opener
        self._sink: Sink | None = None
        self._inline = inline
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mettl-output")

    def _opened(self) -> Sink:
        if self._sink is None:  # opened here: a sink failing to open is tried again next time
            self._sink = self._opener()
        return self._sink

    @property
    def sink(self) -> Sink:
        """The sink, once opened."""
        if self._sink is None:
            raise RuntimeError("the sink is not open yet")
        return self._sink

    async def call(self, work: Callable[[Sink], T]) -> T:
        """``work(sink)`` in the sink's thread (the sink opened first if need be)."""
        if self._inline:
            return work(self._opened())
        return await asyncio.get_running_loop().run_in_executor(self._thread, lambda: work(self._opened()))

    async def open(self) -> Sink:
        return await self.call(lambda sink: sink)

    async def write_page(self, records: list[Any], following: PagePosition | None) -> None:
        await self.call(lambda sink: sink.write_page(records, following))

    async def land(self, record: Mapping[str, Any]) -> int:
        """Land ``record`` (durably, upserted); how many records were new."""
        return await self.call(lambda sink: sink.land([dict(record)]))

    def _close(self) -> None:
        sink, self._sink = self._sink, None
        if sink is not None:
            sink.close()

    async def aclose(self) -> None:
        """Close the sink once what was submitted is done (in its thread), then the thread."""
        try:
            if self._inline:
                self._close()
            else:
                await asyncio.get_running_loop().run_in_executor(self._thread, self._close)
        finally:
            self._thread.shutdown(wait=False)

    def close(self) -> None:
        """As :meth:`aclose`, waiting on the calling thread (the landing closes this way)."""
        try:
            self._thread.submit(self._close).result()
        finally:
            self._thread.shutdown()
