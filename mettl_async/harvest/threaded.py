"""An output's I/O off the event loop: one sink, and the one thread that opens, writes and closes it.

A harvest fetches pages ahead while the last one is written and made durable (an ``fsync``, a
SQLite or PostgreSQL commit): were the write done on the event loop, every fetch would wait for
it. A webhook receiver answers other deliveries while one waits on a locked table. One thread
per sink keeps each sink, and its connection, to one thread at a time (SQLite's connections
refuse any other), and keeps its writes in order.

Pages are made durable in groups (:meth:`SinkThread.write_page`): at most ``commit_interval``
seconds after the first page not yet durable was written (a run's first page at once, see
:meth:`.Sink.write_page`), however the walk is going (waiting on
a 429's pause included: the timer, not the next page, decides), at the last page, and when the
output closes. A kill loses at most that interval's pages, which ``--resume`` fetches again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from ..core.paging_styles import PagePosition
from .sink import Sink

T = TypeVar("T")

#: Seconds a written page waits at most to be made durable (``--commit-interval``).
COMMIT_INTERVAL = 0.25


class SinkThread:
    """A sink opened (on first use, or by :meth:`open`) and used in a thread of its own.

    ``inline`` does the I/O on the calling thread instead (what writes on the loop cost:
    benchmarks/bench_warehouse.py measures it). ``commit_interval`` (seconds; 0: every page) and
    ``sleep`` (what waits it out) pace the group commit.
    """

    def __init__(
        self,
        opener: Callable[[], Sink],
        *,
        inline: bool = False,
        commit_interval: float = COMMIT_INTERVAL,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._opener = opener
        self._sink: Sink | None = None
        self._inline = inline
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mettl-output")
        self._interval = commit_interval
        self._sleep = sleep
        #: The commit to come, once a page waits for one.
        self._timer: asyncio.Task[None] | None = None

    def _opened(self) -> Sink:
        if self._sink is None:  # opened here: a sink failing to open is tried again next time
            self._sink = self._opener()
            self._sink.grouped = self._interval > 0
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
        """Write a page; it is made durable with those around it (see the module), the last page
        at once."""
        await self.call(lambda sink: sink.write_page(records, following))
        if following is None:
            await self.commit()
        elif self._timer is None and self._interval > 0:
            self._timer = asyncio.ensure_future(self._commit_later())

    async def _commit_later(self) -> None:
        await self._sleep(self._interval)
        self._timer = None  # a page written from here on waits for the next commit
        # A commit that fails is told by the next page or commit, which the sink then refuses
        # (the walk may be waiting on a pause meanwhile; no task's error is left unread).
        with contextlib.suppress(Exception):
            await self.call(lambda sink: sink.commit())

    async def commit(self) -> None:
        """Make every page written so far durable, now."""
        await self._stop_timer()
        await self.call(lambda sink: sink.commit())

    async def _stop_timer(self) -> None:
        """Cancel the commit to come and wait for it to end. Only the timer's own cancellation
        is expected here: the caller's (Ctrl-C while it waits) still reaches the caller."""
        timer, self._timer = self._timer, None
        if timer is None:
            return
        caller = asyncio.current_task()
        asked = caller.cancelling() if caller is not None else 0  # a Ctrl-C already on its way counts once
        timer.cancel()
        try:
            await timer
        except asyncio.CancelledError:
            if caller is not None and caller.cancelling() > asked:  # cancelled while it waited
                raise

    async def land(self, record: Mapping[str, Any]) -> int:
        """Land ``record`` (durably, upserted); how many records were new."""
        return await self.call(lambda sink: sink.land([dict(record)]))

    def _close(self) -> None:
        sink, self._sink = self._sink, None
        if sink is not None:
            sink.close()

    async def aclose(self) -> None:
        """Close the sink once what was submitted is done (in its thread), then the thread. Closing
        commits what was written (unless a commit failed: what it lost stays lost)."""
        cancelled: asyncio.CancelledError | None = None
        try:
            try:
                await self._stop_timer()
            except asyncio.CancelledError as error:  # Ctrl-C meanwhile: close first, then go on with it
                cancelled = error
            if self._inline:
                self._close()
            else:
                await asyncio.get_running_loop().run_in_executor(self._thread, self._close)
        finally:
            self._thread.shutdown(wait=False)
        if cancelled is not None:
            raise cancelled

    def close(self) -> None:
        """As :meth:`aclose`, waiting on the calling thread (the landing closes this way)."""
        try:
            self._thread.submit(self._close).result()
        finally:
            self._thread.shutdown()
