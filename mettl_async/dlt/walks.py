"""The async walks of one dlt source, run on an event loop of the library's own, in a thread.

dlt's resources here are plain generators, and each page comes from the async
:class:`~mettl_async.core.paginator.Paginator` through the synchronous facade's
:class:`~mettl_async.sync.portal.Portal`: the loop and its connections belong to the
library, which closes them when the last walk of the source ends (and starts them again if
another begins), whatever dlt does with its own threads and loop. Pages fetched ahead keep
arriving while dlt normalises the previous one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from ..core.client import BaseClient
from ..core.errors import ConfigurationError
from ..core.paginator import Page, Paginator
from ..core.paging_styles import PagePosition
from ..sync.portal import Portal


class Walks:
    """The pages of every kind of one source, walked on one private loop (one client: one
    rate budget for the account). ``owned``: the client was made for the source, and is closed
    with the loop."""

    def __init__(self, client: BaseClient, *, owned: bool) -> None:
        if client.options.http is not None:
            raise ConfigurationError(
                "options.http: an aiohttp session belongs to its caller's event loop, and the dlt "
                "source walks on a loop of its own; leave it out"
            )
        self.client = client
        self._owned = owned
        self._portal = Portal(f"dlt source {client.account_name}")
        self._lock = threading.Lock()
        self._walking = 0

    def pages(self, paginator: Paginator[Any], start: PagePosition | None) -> Iterator[Page[Any]]:
        """Every page from ``start`` (``None``: the first), each checked by the paginator's guard."""
        with self._lock:
            self._walking += 1
        try:
            yield from self._portal.iterate(paginator.pages(start))
        finally:
            with self._lock:
                self._walking -= 1
                if self._walking == 0:
                    self._portal.close(self.client.close if self._owned else None)
