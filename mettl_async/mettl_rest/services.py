"""The account, assessment and schedule endpoints, one thin service per group.

Placement: GETs and DELETEs carry their parameters in the query; uploads put
``ak``, ``ts``, their JSON parameters and ``asgn`` in the query with the files
in a multipart body (Update White Label, seed 002); every other POST sends its
parameters as an ``application/x-www-form-urlencoded`` body, as Create
Assessment's page shows. File parts are never signed.

Safe to repeat after a failure that may have reached the server: every GET,
and the POSTs that set absolute values (white label, logo, assessment
settings, schedule edits). Creations and registrations are sent again only
when the server provably did not act (no connection, 429/E509, E504, E422).
"""

from __future__ import annotations

import builtins
import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.checks import check_count, check_id, check_instance, check_one_of
from ..core.errors import ApiError, InputError, MalformedResponseError, NotFoundError
from ..core.options import ClientOptions
from ..core.paginator import Paginator
from ..core.paging_styles import PagePosition
from ..core.records import compact_json, parse
from ..core.request import FilePart, Placement, Request, encode_path_segment
from ..core.service import Service
from ..core.session import Session
from .lists import ASSESSMENTS, SCHEDULES
from .models import AccountInfo, Assessment, CreatedSchedule, Pbt, Schedule
from .specs import AssessmentSettings, AssessmentSpec, ScheduleSpec, WhiteLabel
from .uploads import COVER, FAVICON, LOGO, Upload, check_support_numbers, image_part

log = logging.getLogger("mettl_async.mettl")

ASSESSMENT_SORTS = ("createdAt", "testTaken", "name")
SORT_ORDERS = ("asc", "desc")
#: Update White Label's path: the signature of seed 002 was made over the two-L spelling, the
#: page prints the one-L spelling. Two Ls are tried first; see :class:`WhiteLabelRoute`.
WHITE_LABEL_PATHS = ("/account/update-white-labelling", "/account/update-white-labeling")
_ACCESS_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def check_access_key(value: object) -> str:
    """A schedule's access key: letters, digits, ``-`` and ``_``."""
    if not isinstance(value, str) or not _ACCESS_KEY.fullmatch(value):
        raise InputError(
            "access_key", f"must be a schedule's access key (letters, digits, '-', '_'), got {value!r}"
        )
    return value


def check_sort(sort: str | None, sort_order: str | None, sorts: Sequence[str]) -> dict[str, str]:
    """The ``sort`` and ``sort_order`` parameters, checked; only those given are sent."""
    params: dict[str, str] = {}
    if sort is not None:
        params["sort"] = check_one_of("sort", sort, sorts)
    if sort_order is not None:
        params["sort_order"] = check_one_of("sort_order", sort_order, SORT_ORDERS)
    return params


def starting_at(paginator: Paginator[Any], offset: int, page_size: int | None) -> Paginator[Any]:
    """``paginator`` starting ``offset`` records into its list."""
    if check_count("offset", offset, low=0):
        paginator.start = PagePosition(offset=offset, limit=page_size)
    return paginator


def is_no_such_endpoint(error: ApiError) -> bool:
    """The server says the path does not exist (E404, or HTTP 404 without a code): nothing was done."""
    return isinstance(error, NotFoundError) and (
        error.code == "E404" or (error.code is None and error.http_status == 404)
    )


class WhiteLabelRoute:
    """Which spelling of Update White Label's path a client sends, remembered once one works.

    ``path`` fixes the path (no fallback). Otherwise the two-L spelling is sent
    first; a "no such endpoint" answer to a POST means nothing was done, so the
    other spelling is tried, and the one that works is used from then on.
    """

    def __init__(self, path: str | None = None) -> None:
        if path is not None and (not isinstance(path, str) or not path.startswith("/")):
            raise InputError("white_label_path", f"must be a path starting with '/', got {path!r}")
        self.fixed = path is not None
        self.working: str | None = path

    def order(self) -> list[str]:
        if self.fixed and self.working is not None:
            return [self.working]
        first = self.working or WHITE_LABEL_PATHS[0]
        return [first, *(p for p in WHITE_LABEL_PATHS if p != first)]

    def worked(self, path: str) -> None:
        if not self.fixed:
            self.working = path


def _object(payload: Mapping[str, Any], key: str, where: str) -> Any:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise MalformedResponseError(f"{where}: the response has no {key!r} object")
    return value


class AccountService(Service):
    """Account info, white label, logo and pre-built tests (PBTs)."""

    def __init__(
        self, session: Session, options: ClientOptions | None = None, *, white_label: WhiteLabelRoute
    ) -> None:
        super().__init__(session, options)
        self._white_label = white_label

    async def get(self) -> AccountInfo:
        """The account, its white label, compliance settings and registration fields (GET /account)."""
        payload = await self._get("/account")
        return parse(AccountInfo, _object(payload, "accountInfo", "/account"))

    async def update_white_label(
        self,
        white_label: WhiteLabel | None = None,
        *,
        support_numbers: Sequence[str] | None = None,
        favicon: Upload | None = None,
        cover: Upload | None = None,
    ) -> str:
        """Update colours, custom test URL, support numbers (at most 2), favicon (png/ico, at most
        10 KB) and cover image (jpeg/png/gif, at most 2 MB). Returns the path that worked.

        ``wl`` is always sent (``{}`` when only images or numbers change): the page
        calls it mandatory. Images are checked on their bytes before anything is sent.
        """
        if white_label is not None:
            check_instance("white_label", white_label, WhiteLabel)
        params = {"wl": compact_json(white_label.to_wire() if white_label else {}, "white_label")}
        if support_numbers is not None:
            params["sn"] = compact_json(check_support_numbers(support_numbers), "support_numbers")
        files: list[FilePart] = []
        if favicon is not None:
            files.append(image_part(FAVICON, favicon))
        if cover is not None:
            files.append(image_part(COVER, cover))
        if params["wl"] == "{}" and "sn" not in params and not files:
            raise InputError("white_label", "nothing to update: give colours, a URL, numbers or images")
        missing: NotFoundError | None = None
        for path in self._white_label.order():
            request = Request(
                "POST", path, params, placement=Placement.QUERY, files=tuple(files), safe_to_repeat=True
            )
            try:
                await self._call(request)
            except NotFoundError as error:
                if self._white_label.fixed or not is_no_such_endpoint(error):
                    raise
                log.warning("POST %s: no such endpoint; trying the other spelling", path)
                missing = error
                continue
            self._white_label.worked(path)
            return path
        assert missing is not None
        raise missing

    async def upload_logo(self, logo: Upload) -> None:
        """Replace the account's logo (jpeg/jpg, png or gif, at most 100 KB; POST /account/upload-logo)."""
        part = image_part(LOGO, logo)
        request = Request(
            "POST", "/account/upload-logo", {}, placement=Placement.QUERY, files=(part,), safe_to_repeat=True
        )
        await self._call(request)

    async def pbts(self) -> builtins.list[Pbt]:
        """Mettl's pre-built tests the account may add (GET /pbts)."""
        payload = await self._get("/pbts")
        items = payload.get("pbts")
        if not isinstance(items, list):
            raise MalformedResponseError("/pbts: the response has no 'pbts' list")
        return [parse(Pbt, item) for item in items]

    async def add_pbts(self, pbt_ids: Sequence[int]) -> None:
        """Add pre-built tests to the account's assessments by their ids (POST /pbts)."""
        if isinstance(pbt_ids, str | bytes) or not isinstance(pbt_ids, Sequence) or not pbt_ids:
            raise InputError("pbt_ids", f"must be a non-empty list of PBT ids, got {pbt_ids!r}")
        ids = [int(check_id(f"pbt_ids[{i}]", value)) for i, value in enumerate(pbt_ids)]
        if len(set(ids)) != len(ids):
            raise InputError("pbt_ids", "names a PBT twice")
        await self._post("/pbts", {"pbts": compact_json(ids, "pbt_ids")})


class AssessmentsService(Service):
    """The account's assessments."""

    def list(
        self,
        *,
        sort: str | None = None,
        sort_order: str | None = None,
        offset: int = 0,
        page_size: int | None = None,
        max_items: int | None = None,
    ) -> Paginator[Assessment]:
        """Every assessment, ``page_size`` (1 to 100; server default 20) per request, sorted by
        ``createdAt``, ``testTaken`` or ``name``, ``asc`` or ``desc`` (GET /assessments)."""
        params = check_sort(sort, sort_order, ASSESSMENT_SORTS)
        paginator = self._paginate(ASSESSMENTS, params, page_size=page_size, max_items=max_items)
        return starting_at(paginator, offset, page_size)

    async def get(self, assessment_id: int) -> Assessment:
        """One assessment with its sections and registration fields (GET /assessments/{id})."""
        path = f"/assessments/{check_id('assessment_id', assessment_id)}"
        payload = await self._get(path)
        return parse(Assessment, _object(payload, "assessment", path))

    async def create(self, spec: AssessmentSpec) -> int:
        """Create an assessment; returns its ``assessmentId`` (POST /assessments)."""
        check_instance("spec", spec, AssessmentSpec)
        payload = await self._post("/assessments", {"assessments": compact_json(spec.to_wire(), "spec")})
        found = payload.get("assessmentId")
        if found is None and isinstance(payload.get("assessment"), dict):
            found = payload["assessment"].get("assessmentId", payload["assessment"].get("id"))
        if isinstance(found, bool) or not isinstance(found, int):
            raise MalformedResponseError("/assessments: the response names no assessmentId")
        return found

    async def edit_settings(self, assessment_id: int, settings: AssessmentSettings) -> None:
        """Change an assessment's settings; those left ``None`` are kept (POST /assessments/{id}/edit)."""
        check_instance("settings", settings, AssessmentSettings)
        path = f"/assessments/{check_id('assessment_id', assessment_id)}/edit"
        await self._post(path, {"as": compact_json(settings.to_wire(), "settings")}, safe=True)


class SchedulesService(Service):
    """Schedules (test links): list, read, create, edit."""

    def all(self, *, page_size: int | None = None, max_items: int | None = None) -> Paginator[Schedule]:
        """Every schedule of the account, ``page_size`` (1 to 100) per request (GET /schedules)."""
        return self._paginate(SCHEDULES, page_size=page_size, max_items=max_items)

    async def of_assessment(
        self, assessment_id: int, filter: Mapping[str, Any] | None = None
    ) -> builtins.list[Schedule]:
        """The schedules of one assessment, narrowed by ``filter`` (sent as the ``filter`` JSON,
        e.g. ``{"status": "Active"}``; GET /assessments/{id}/schedules)."""
        path = f"/assessments/{check_id('assessment_id', assessment_id)}/schedules"
        params: dict[str, str] = {}
        if filter is not None:
            if not isinstance(filter, Mapping) or not filter:
                raise InputError("filter", f"must be a non-empty mapping, got {filter!r}")
            params["filter"] = compact_json(dict(filter), "filter")
        payload = await self._get(path, params)
        items = payload.get("schedules")
        if not isinstance(items, list):
            raise MalformedResponseError(f"{path}: the response has no 'schedules' list")
        return [parse(Schedule, item) for item in items]

    async def get(self, access_key: str) -> Schedule:
        """One schedule by its access key (GET /schedules/{key})."""
        path = f"/schedules/{encode_path_segment(check_access_key(access_key))}"
        payload = await self._get(path)
        return parse(Schedule, _object(payload, "schedule", path))

    async def create(self, assessment_id: int, spec: ScheduleSpec) -> CreatedSchedule:
        """Create a schedule of an assessment; the answer holds its access key and URL
        (POST /assessments/{id}/schedules)."""
        check_instance("spec", spec, ScheduleSpec)
        if spec.name is None:
            raise InputError("name", "is required to create a schedule")
        path = f"/assessments/{check_id('assessment_id', assessment_id)}/schedules"
        payload = await self._post(path, {"sc": compact_json(spec.to_wire(), "spec")})
        return parse(CreatedSchedule, _object(payload, "createdSchedule", path))

    async def edit(self, access_key: str, spec: ScheduleSpec) -> None:
        """Change the properties set in ``spec`` (POST /schedules/{key}/edit)."""
        check_instance("spec", spec, ScheduleSpec)
        path = f"/schedules/{encode_path_segment(check_access_key(access_key))}/edit"
        await self._post(path, {"sc": compact_json(spec.to_wire(), "spec")}, safe=True)


__all__ = [
    "ASSESSMENT_SORTS",
    "SORT_ORDERS",
    "WHITE_LABEL_PATHS",
    "AccountService",
    "AssessmentsService",
    "SchedulesService",
    "WhiteLabelRoute",
    "check_access_key",
    "check_sort",
    "is_no_such_endpoint",
]
