"""What every resource service shares: calls and paginators over one session.

A service only names endpoints, their parameters and their models; how a
request is authenticated, limited, sent, decoded and retried is the session's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from .capture import captured
from .errors import ApiError
from .jsoncodec import AsSent, Expect
from .options import ClientOptions
from .paginator import ListEndpoint, Page, Paginator
from .paging_styles import PageData, PagePosition, records_at
from .request import FilePart, Placement, Request
from .responses import Response
from .session import Session

T = TypeVar("T")


class Service:
    """A group of endpoints of one platform."""

    def __init__(self, session: Session, options: ClientOptions | None = None) -> None:
        self._session = session
        self._options = options

    async def _send(self, request: Request) -> Response:
        return captured(await self._session.request(request, self._options))

    async def _call(self, request: Request) -> Any:
        return (await self._send(request)).payload

    async def _get(self, path: str, params: Mapping[str, Any] | None = None, *, safe: bool = True) -> Any:
        return await self._call(Request("GET", path, params or {}, safe_to_repeat=safe))

    async def _post(
        self,
        path: str,
        params: Mapping[str, Any],
        *,
        safe: bool = False,
        text: bool = False,
        placement: Placement = Placement.FORM,
        files: tuple[FilePart, ...] = (),
    ) -> Any:
        request = Request(
            "POST",
            path,
            params,
            placement=placement,
            files=files,
            safe_to_repeat=safe,
            expect="text" if text else "json",
        )
        return await self._call(request)

    def _paginate(
        self,
        endpoint: ListEndpoint[T],
        params: Mapping[str, Any] | None = None,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[T]:
        fixed = dict(params or {})
        paging = endpoint.paging

        async def fetch(position: PagePosition, expect: Expect = "json") -> Page[T]:
            params = fixed | paging.params(position)
            request = Request("GET", endpoint.path, params, safe_to_repeat=True, expect=expect)
            try:
                response = await self._send(request)
            except ApiError as error:
                # Some endpoints say "nothing here" with an error past their last page.
                if endpoint.end_code and error.code == endpoint.end_code and paging.before(position):
                    return endpoint.last_page(position)
                raise
            payload = response.payload
            data = PageData(records_at(payload, endpoint.items_key, endpoint.path), payload, response.headers)
            return endpoint.page(data, position)

        as_sent = AsSent((endpoint.items_key,) if isinstance(endpoint.items_key, str) else endpoint.items_key)
        start = paging.first(paging.check_page_size(page_size))
        return Paginator(
            fetch,
            start,
            fetch_as_sent=lambda position: fetch(position, as_sent),
            max_items=max_items,
            fingerprint=endpoint.fingerprint,
            before=paging.before,
            paging=paging,
            window=lambda: self._session.prefetch_window(self._options),
        )
