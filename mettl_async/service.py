"""What every resource service shares: signed calls and paginators over one session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from .errors import ApiError, InputError
from .pagination import ListEndpoint, Page, PagePosition, Paginator, check_page_size
from .session import Session

T = TypeVar("T")


class Service:
    """A group of endpoints. Subclasses name each endpoint, its parameters and its model."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def _get(self, path: str, params: Mapping[str, str] | None = None, *, safe: bool = True) -> Any:
        return await self._session.request("GET", path, params, safe_to_repeat=safe)

    async def _post(
        self, path: str, params: Mapping[str, str], *, safe: bool = False, text: bool = False
    ) -> Any:
        return await self._session.request("POST", path, params, safe_to_repeat=safe, text=text)

    def _paginate(
        self,
        endpoint: ListEndpoint[T],
        params: Mapping[str, str] | None = None,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[T]:
        fixed = dict(params or {})

        async def fetch(position: PagePosition) -> Page[T]:
            try:
                payload = await self._get(endpoint.path, fixed | position.params())
            except ApiError as error:
                # Some endpoints say "nothing here" with an error past their last page.
                if endpoint.end_code and error.code == endpoint.end_code and position.offset:
                    return endpoint.last_page(position)
                raise
            return endpoint.page(payload, position)

        start = endpoint.first_position(check_page_size(page_size))
        return Paginator(fetch, start, max_items=max_items)


def check_id(name: str, value: object) -> str:
    """A positive integer id, as the text sent; :class:`InputError` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(name, f"must be a positive integer id, got {value!r}")
    return str(value)


def check_text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(name, f"is required and must be non-blank text, got {value!r}")
    return value
