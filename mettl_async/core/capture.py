"""The HTTP status and headers behind a typed result, without giving up the typed result.

::

    with capture_responses() as responses:
        info = await client.account.get()          # still an AccountInfo
    print(responses[-1].status, responses[-1].headers.get("X-Request-Id"))

Every answer a service receives inside the block (in this task, and in the tasks
it starts, such as pages fetched ahead) is appended, in the order received.
List pages carry their own headers too (:attr:`mettl_async.core.paginator.Page.headers`).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .responses import Response

_CAPTURED: contextvars.ContextVar[list[Response] | None] = contextvars.ContextVar(
    "mettl_async_captured", default=None
)


@contextlib.contextmanager
def capture_responses() -> Iterator[list[Response]]:
    """Collect the :class:`~mettl_async.core.session.Response` of every call made in the block."""
    responses: list[Response] = []
    token = _CAPTURED.set(responses)
    try:
        yield responses
    finally:
        _CAPTURED.reset(token)


def captured(response: Response) -> Response:
    """Note ``response`` for an enclosing :func:`capture_responses` block, if any (cheap otherwise)."""
    into = _CAPTURED.get()
    if into is not None:
        into.append(response)
    return response
