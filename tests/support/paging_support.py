"""Paging shared by the pagination tests (tests/core/test_paging_styles.py, test_paginator.py and
test_prefetch.py): the offset and next-link styles, a list endpoint over them, and page data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mettl_async.core.paginator import ListEndpoint
from mettl_async.core.paging_styles import NextLinkPaging, OffsetPaging, PageData

OFFSET = OffsetPaging(default_limit=20, max_limit=500)
LINKS = NextLinkPaging("nextUrl")


def data(records: list[dict[str, Any]], payload: Mapping[str, Any] | None = None, **headers: str) -> PageData:
    return PageData(records, payload or {}, {k.replace("_", "-"): v for k, v in headers.items()})


TESTS = ListEndpoint("/tests", "tests", lambda r: int(r["testId"]), OFFSET)
