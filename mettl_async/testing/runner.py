"""Running sandboxes: on a loopback port of the running loop, or in a thread of their own.

One server hosts any number of platform sandboxes, each under its own path
prefix (``/api/v2`` for CertiCHECK, ``/v2`` for the Mettl REST API, …), so a
demo or a test needs one port for every platform.
"""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType
from typing import Any, TypeVar

from aiohttp import web

from .kit import PlatformSandbox

P = TypeVar("P", bound=PlatformSandbox)


class SandboxServer:
    """Platform sandboxes on one loopback port of the running event loop (``async with``)."""

    def __init__(
        self, *platforms: PlatformSandbox, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0
    ) -> None:
        if not platforms:
            raise ValueError("a sandbox server needs at least one platform sandbox")
        if not latency >= 0:
            raise ValueError(f"latency must be >= 0 seconds, got {latency!r}")
        self.platforms = platforms
        self.host = host
        self.port = port
        #: Seconds every answer is held back, as a far-away server's would be (benchmarks).
        self.latency = latency
        self._runner: web.AppRunner | None = None

    @property
    def sandbox(self) -> PlatformSandbox:
        """The first (often the only) platform sandbox."""
        return self.platforms[0]

    def get(self, kind: type[P]) -> P:
        """The hosted sandbox of type ``kind``."""
        for platform in self.platforms:
            if isinstance(platform, kind):
                return platform
        raise LookupError(f"this server hosts no {kind.__name__}")

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def base_url_of(self, platform: PlatformSandbox) -> str:
        return self.origin + platform.prefix

    def exports(self) -> dict[str, str]:
        """The environment variables that point the command and the clients at every platform
        hosted here (their demo credentials, for these sandboxes only)."""
        variables: dict[str, str] = {}
        for platform in self.platforms:
            variables |= platform.exports(self.base_url_of(platform))
        return variables

    @property
    def base_url(self) -> str:
        """The first platform's base URL."""
        return self.base_url_of(self.sandbox)

    def client(self, **kwargs: Any) -> Any:
        """A client of the first platform, its keys and base URL filled in."""
        return self.sandbox.client(self.base_url, **kwargs)

    def client_of(self, platform: PlatformSandbox, **kwargs: Any) -> Any:
        return platform.client(self.base_url_of(platform), **kwargs)

    def app(self) -> web.Application:
        root = web.Application(middlewares=[self._delay] if self.latency else [])
        for platform in self.platforms:
            root.add_subapp(platform.prefix, platform.app())
        return root

    @web.middleware
    async def _delay(self, request: web.Request, handler: Any) -> web.StreamResponse:
        await asyncio.sleep(self.latency)
        response: web.StreamResponse = await handler(request)
        return response

    async def start(self) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await self._runner.cleanup()
            self._runner = None
            raise OSError(
                error.errno, f"cannot listen on {self.host}:{self.port}: {error.strerror}"
            ) from None
        self.port = self._runner.addresses[0][1]
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


class SandboxThread:
    """A :class:`SandboxServer` in a thread of its own (``with``), for tests on any loop or none."""

    def __init__(
        self, *platforms: PlatformSandbox, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0
    ) -> None:
        self.server = SandboxServer(*platforms, host=host, port=port, latency=latency)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def sandbox(self) -> PlatformSandbox:
        return self.server.sandbox

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def get(self, kind: type[P]) -> P:
        return self.server.get(kind)

    def base_url_of(self, platform: PlatformSandbox) -> str:
        return self.server.base_url_of(platform)

    def exports(self) -> dict[str, str]:
        return self.server.exports()

    def client(self, **kwargs: Any) -> Any:
        return self.server.client(**kwargs)

    def client_of(self, platform: PlatformSandbox, **kwargs: Any) -> Any:
        return self.server.client_of(platform, **kwargs)

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self.server.start())
        except BaseException as error:  # reported to the starting thread
            self._error = error
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self.server.stop())
        loop.close()

    def start(self) -> str:
        self._thread = threading.Thread(target=self._run, name="mettl-sandbox", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self.base_url

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()

    def __enter__(self) -> SandboxThread:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
