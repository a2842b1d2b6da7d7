"""What the ProctorExam endpoints need of the sandbox serving them.

The endpoints (``admin``, ``exams``, ``students``, ``uploads``) take the sandbox
as a :class:`ProctorExamAccount`; only the server module imports them, so no
endpoint imports the server.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from aiohttp import web

from ..shapes import Shape
from .answers import Reply
from .config import ProctorExamSandboxConfig
from .world import World


class ProctorExamAccount(Protocol):
    """The sandbox as its endpoints see it: the account, its settings, its clock, its paging."""

    config: ProctorExamSandboxConfig
    world: World

    def moment(self) -> datetime:
        """The server's clock, in the time zone of its timestamps."""
        ...

    def page(
        self,
        request: web.Request,
        total: int,
        fetch: Callable[[int, int], list[dict[str, Any]]],
        key: str,
        shape: Shape | None,
    ) -> Reply:
        """One page of a list of ``total`` records under ``key``, with the ``X-Pagination-*``
        headers: ``fetch(offset, limit)`` gives them by field name, sent as ``shape`` writes them
        (``None``: they are records already)."""
        ...

    def exam(self, exam_id: int) -> dict[str, Any]:
        """The exam, or 404."""
        ...

    def require_superuser(self) -> None:
        """403 unless the API user is a Premium superuser."""
        ...


#: An endpoint: the sandbox and the request in, what to answer out.
Endpoint = Callable[[ProctorExamAccount, web.Request], Any]


def listing(
    sandbox: ProctorExamAccount,
    request: web.Request,
    rows: list[dict[str, Any]],
    key: str,
    shape: Shape | None,
) -> Reply:
    """One page of ``rows`` (held in full: institutes, users, exams, files)."""
    return sandbox.page(request, len(rows), lambda offset, limit: rows[offset : offset + limit], key, shape)
