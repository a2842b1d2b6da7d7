"""An event loop in a daemon thread of its own, and calls into it from any other thread.

A synchronous client owns one :class:`Portal`. Its thread starts on the first
call and stops on :meth:`Portal.close`; a later call starts a new one. Every
coroutine of the client runs there, so the caller's thread may have a running
loop of its own (Jupyter, a thread of an async web app) or none (a script),
and ``asyncio.run`` calls in the caller never touch the client's loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, ParamSpec, TypeVar

from ..core.errors import ConfigurationError
from ..core.perloop import FORKED

T = TypeVar("T")
P = ParamSpec("P")

log = logging.getLogger("mettl_async.sync")

#: Seconds :meth:`Portal.close` waits for the client to close its connections and for the thread.
CLOSE_TIMEOUT = 10.0


class _Running:
    """One run of the portal's thread: its loop, and the future that ends it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pid = os.getpid()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop: asyncio.Future[None] | None = None
        self.ready = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._serve, name=name, daemon=True)

    def _serve(self) -> None:
        try:
            # asyncio.Runner's close cancels what is left, finalizes async generators (the
            # session's loop guards close their connections then) and closes the loop.
            with asyncio.Runner() as runner:
                runner.run(self._until_stopped())
        except BaseException as error:  # pragma: no cover - reported to the caller waiting on ready
            self.error = error
            self.ready.set()

    async def _until_stopped(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.stop = self.loop.create_future()
        self.ready.set()
        await self.stop


class Portal:
    """Runs coroutines on a private event loop in a daemon thread, for callers in any thread."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._running: _Running | None = None
        #: Counts the thread's runs, so that a walk started before a close knows it was cut.
        self.generation = 0
        #: Tasks started on the loop from its own thread, kept until they end.
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        state = "running" if self._running is not None else "stopped"
        return f"Portal({self.name!r}, {state})"

    def _current(self) -> _Running:
        """The running thread, started when there is none (or when it is a parent's, after a fork)."""
        with self._lock:
            running = self._running
            if running is not None and running.pid != os.getpid():
                FORKED.append(running)  # the parent's loop and thread: not this process's to touch
                running = self._running = None
            if running is None:
                running = _Running(f"mettl-async-{self.name}")
                running.thread.start()
                running.ready.wait()
                if running.error is not None:  # pragma: no cover - the loop could not start
                    raise running.error
                self._running = running
                self.generation += 1
            return running

    def loop(self) -> asyncio.AbstractEventLoop:
        """The private event loop (started if need be)."""
        loop = self._current().loop
        assert loop is not None
        return loop

    def in_thread(self) -> bool:
        """Whether the calling thread is the portal's own."""
        running = self._running
        return running is not None and running.thread is threading.current_thread()

    def run(self, function: Callable[P, Coroutine[Any, Any, T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``await function(*args, **kwargs)`` on the private loop; its result or its exception."""
        return self.wait(function(*args, **kwargs))

    def wait(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the private loop and wait for its outcome."""
        if self.in_thread():
            coroutine.close()
            raise ConfigurationError(
                f"a synchronous {self.name} was called from its own event loop (from a callback "
                "it runs, such as a trace config): that call would wait for itself forever; use "
                "the async client there"
            )
        try:
            # The task runs in a copy of this thread's context (call_soon_threadsafe copies it),
            # so context variables such as capture_responses() see the calls made here.
            future = asyncio.run_coroutine_threadsafe(coroutine, self.loop())
        except BaseException:
            coroutine.close()
            raise
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            raise ConfigurationError(
                f"the {self.name} was closed while this call was waiting for its answer"
            ) from None
        except BaseException:
            # Ctrl-C (or another exception thrown into this thread): stop the call too.
            future.cancel()
            raise

    def iterate(self, iterator: AsyncIterator[T]) -> Iterator[T]:
        """The items of ``iterator`` (driven on the private loop), one round trip per item.

        Leaving early closes ``iterator`` on the loop. An iteration cut by a
        :meth:`close` raises instead of ending as if it were complete.
        """
        self._current()
        generation = self.generation
        finished = False
        try:
            while True:
                if self.generation != generation or self._running is None:
                    raise ConfigurationError(
                        f"the {self.name} was closed during this iteration, which is not complete: "
                        "start it again"
                    )
                try:
                    item = self.wait(anext_of(iterator))
                except StopAsyncIteration:
                    finished = True
                    return
                yield item
        finally:
            if not finished:
                self._close_iterator(iterator, generation)

    def _close_iterator(self, iterator: AsyncIterator[Any], generation: int) -> None:
        close: Callable[[], Coroutine[Any, Any, None]] | None = getattr(iterator, "aclose", None)
        running = self._running
        if close is None or running is None or self.generation != generation:
            return  # its loop is gone: asyncio.Runner finalized it there
        if self.in_thread():  # garbage-collected in the loop's own thread: it cannot wait here
            assert running.loop is not None
            self._start(running.loop, close())
            return
        try:
            self.wait(close())
        except Exception as error:  # an error while leaving a walk early is not the caller's
            log.debug("closing an abandoned iteration failed: %s", error)

    def close(self, finish: Callable[[], Coroutine[Any, Any, None]] | None = None) -> None:
        """Run ``finish()`` on the loop (closing the client's connections), then stop the thread.

        Safe to call more than once, from any thread, at interpreter exit, and in a
        forked child (where the thread does not exist: nothing is done there).
        """
        with self._lock:
            running, self._running = self._running, None
        if running is None:
            return
        if running.pid != os.getpid():
            FORKED.append(running)
            return
        loop, stop = running.loop, running.stop
        assert loop is not None
        assert stop is not None
        if running.thread is threading.current_thread():
            # Called from the loop itself (a finalizer run there): finish, then stop, later.
            async def finish_then_stop() -> None:
                try:
                    if finish is not None:
                        await finish()
                finally:
                    if not stop.done():
                        stop.set_result(None)

            self._start(loop, finish_then_stop())
            return
        if finish is not None:
            try:
                asyncio.run_coroutine_threadsafe(finish(), loop).result(CLOSE_TIMEOUT)
            except Exception as error:
                log.warning("closing the %s's connections failed: %s", self.name, error)
        loop.call_soon_threadsafe(_settle, stop)
        running.thread.join(CLOSE_TIMEOUT)
        if running.thread.is_alive():  # pragma: no cover - a callback blocks the loop
            log.warning("the %s's event loop thread did not stop within %ss", self.name, CLOSE_TIMEOUT)

    def _start(self, loop: asyncio.AbstractEventLoop, work: Coroutine[Any, Any, None]) -> None:
        task = loop.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _settle(stop: asyncio.Future[None]) -> None:
    if not stop.done():
        stop.set_result(None)


async def anext_of(iterator: AsyncIterator[T]) -> T:
    """The next item of ``iterator`` (a coroutine, for :func:`asyncio.run_coroutine_threadsafe`)."""
    return await iterator.__anext__()
