"""The clients of mettl_async, synchronously: for scripts, notebooks, Django and Flask.

::

    from mettl_async.sync import CertiCheckClient

    with CertiCheckClient() as mettl:
        for result in mettl.results.all():
            print(result.email)

Same client names, arguments (but ``http``), services, method names, arguments,
models and exceptions as the async clients. A call blocks until its answer; a
list is a :class:`Paginator`: ``for item in`` it, ``.pages()``, ``.first()``,
``.to_list()``.

How it works: each synchronous client owns an async client and a private event
loop in a daemon thread (started on the first call, stopped by ``close()``, by
leaving a ``with`` block, when the client is garbage-collected or at interpreter
exit). Every call is handed to that loop with
:func:`asyncio.run_coroutine_threadsafe`, so the calling thread may run a loop of
its own (Jupyter, a thread of an async app) or call ``asyncio.run`` as often as it
likes. One client may be shared by many threads: their calls run concurrently on
its loop, under its one rate limiter and concurrency cap.

The services and clients are generated from the async sources by the repository's
``python -m tools.syncgen`` (for each platform of the registry, its client in
``_<platform>.py`` and its services in ``_<platform>_<module>.py``), so each method
has its async twin's exact signature and docstring and mypy checks every
forwarded call against it.
"""

from __future__ import annotations

from ..core.paginator import Page
from ._certicheck import CertiCheckClient
from ._itep import ItepClient
from ._mettl_rest import MettlClient
from ._proctorexam import ProctorExamClient
from .base import SyncClient, SyncService
from .paginator import Paginator

__all__ = [
    "CertiCheckClient",
    "ItepClient",
    "MettlClient",
    "Page",
    "Paginator",
    "ProctorExamClient",
    "SyncClient",
    "SyncService",
]
