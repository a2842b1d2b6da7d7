"""The REST API's lists: where their records are, how they page, what names a record.

* assessments and schedules: ``limit`` (1 to 100, 20 by default) and ``offset``,
  with a ``paging.next`` link while there is more.
* a schedule's candidates: ``offset`` paging with next links the server builds
  from the first request's optional parameters. The link is a hint: only its
  offset is read; the client re-sends its own parameters, signed afresh.
* a candidate's results across the account: ``limit``/``offset`` in v3 only;
  v1 and v2 answer the whole list at once (:class:`WholeList`). Without links,
  a short page is the last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from ..core.errors import InputError
from ..core.jsoncodec import ABSENT, members_first, members_reader
from ..core.paginator import ListEndpoint, NaturalKey, Page
from ..core.paging_styles import NextLinkPaging, OffsetPaging, PageData, PagePosition
from ..core.records import parser
from .models import Assessment, Schedule
from .results import CandidateResult

T = TypeVar("T")

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


@attrs.frozen
class WholeList:
    """A list answered in one response: no paging parameter is sent, there is no next page."""

    #: Why a page size cannot be asked for, for the message.
    reason: str = "this list is not paged"

    def check_page_size(self, page_size: int | None) -> int | None:
        if page_size is not None:
            raise InputError("page_size", self.reason)
        return None

    def first(self, page_size: int | None) -> PagePosition:
        return PagePosition(offset=0)

    def params(self, position: PagePosition) -> dict[str, str]:
        return {}

    def following(self, position: PagePosition, data: PageData) -> PagePosition | None:
        return None

    def total(self, data: PageData) -> int | None:
        return None

    def before(self, position: PagePosition) -> int | None:
        return 0


@attrs.frozen
class StampedListEndpoint(ListEndpoint[T]):
    """A list whose records are completed with values the request named (a schedule's access
    key is in the URL, not in each record). A value the server sends itself is kept."""

    stamp: Mapping[str, Any] = attrs.field(factory=dict)
    _present: Callable[[Any], tuple[Any, ...]] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_present", members_reader(tuple(self.stamp)))

    def page(self, data: PageData, position: PagePosition) -> Page[T]:
        if self.stamp:
            data = attrs.evolve(data, records=[self._stamped(record) for record in data.records])
        return super().page(data, position)

    def _stamped(self, record: Any) -> Any:
        if isinstance(record, dict):
            return record if all(k in record for k in self.stamp) else {**self.stamp, **record}
        try:  # a record kept as sent: the members it lacks written before its own
            present = self._present(record)
        except ValueError:  # a value there that cannot be read: there, then
            return record
        missing = {k: v for (k, v), sent in zip(self.stamp.items(), present, strict=True) if sent is ABSENT}
        return members_first(record, missing) if missing else record


def _folded(access_key: Any, email: Any) -> tuple[Any, Any]:
    return access_key, email.strip().lower() if isinstance(email, str) else email


#: A result is one candidate (by e-mail, case-folded) in one schedule.
result_key = NaturalKey(("accessKey", "email"), _folded)


#: Assessments and schedules: ``paging.next`` says there is more; the server's default limit is 20.
LIST_PAGING = NextLinkPaging("paging.next", max_limit=MAX_LIMIT)
ASSESSMENTS = ListEndpoint(
    "/assessments", "assessments", parser(Assessment), LIST_PAGING, key=NaturalKey(("id",))
)
SCHEDULES = ListEndpoint(
    "/schedules", "schedules", parser(Schedule), LIST_PAGING, key=NaturalKey(("accessKey",))
)
#: Paged by the server's next links; a page size is sent only when asked for.
SCHEDULE_RESULTS_PAGING = NextLinkPaging("paging.next", max_limit=MAX_LIMIT)
CANDIDATE_RESULTS_V3 = OffsetPaging(default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT)


def schedule_results(path: str, access_key: str) -> StampedListEndpoint[CandidateResult]:
    return StampedListEndpoint(
        path,
        "candidates",
        parser(CandidateResult),
        SCHEDULE_RESULTS_PAGING,
        key=result_key,
        stamp={"accessKey": access_key},
    )


#: GET /candidates/{email}: no document shows its answer. ``candidates``, as a schedule's
#: results answer, or ``results``.
CANDIDATE_RESULTS_KEYS = ("candidates", "results")


def candidate_results(path: str, api_version: str) -> ListEndpoint[CandidateResult]:
    paging: Any = (
        CANDIDATE_RESULTS_V3
        if api_version == "v3"
        else WholeList(f"a candidate's results are paged only in API v3 (this client speaks {api_version})")
    )
    return ListEndpoint(path, CANDIDATE_RESULTS_KEYS, parser(CandidateResult), paging, key=result_key)


__all__ = [
    "ASSESSMENTS",
    "CANDIDATE_RESULTS_KEYS",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "SCHEDULES",
    "StampedListEndpoint",
    "WholeList",
    "candidate_results",
    "result_key",
    "schedule_results",
]
