"""iTEP in the output formats: the ``itep_results`` table that results webhooks land in.

iTEP pushes results; there is no list to pull. :data:`RESULTS` is a kind so that
``mettl-async webhooks serve`` lands deliveries in the same sinks as a harvest
(one row per (TestID, Status), upserted), but this module is deliberately not
in the harvest registry: ``mettl-async harvest`` has nothing to fetch from iTEP.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

import attrs

from ..core.account import ACCOUNT
from ..core.errors import ConfigurationError
from ..core.paginator import Paginator
from ..core.settings import Setting
from ..harvest.cells import Misfit, companion, read_cell
from ..harvest.columns import Split, column_type
from ..harvest.kinds import HarvestKind, Row, extra_column, json_text
from .config import ENV_API_KEY, ENV_FULFILLMENT_URL, ENV_SIGNATURE_ENCODING, ENV_SIGNATURE_HEADER
from .results import KNOWN_SECTIONS, ItepResult, parse_result

#: What a client of this platform needs, as options and environment variables.
SETTINGS = (
    ACCOUNT,
    Setting(
        "url", "--url", ENV_FULFILLMENT_URL, "iTEP fulfillment endpoint URL (no default).", required=True
    ),
    Setting(
        "api_key",
        "--api-key",
        ENV_API_KEY,
        "iTEP API key (prefer the environment variable: options show in process lists).",
        secret=True,
        required=True,
    ),
    Setting(
        "signature_header",
        "--signature-header",
        ENV_SIGNATURE_HEADER,
        "Header carrying the body signature [default: X-iTEP-Signature].",
    ),
    Setting(
        "signature_encoding",
        "--signature-encoding",
        ENV_SIGNATURE_ENCODING,
        "hex or base64 [default: hex].",
    ),
)

#: The parsed result's own fields that are columns (its sections are spread below).
_FIELDS = tuple(
    f.name for f in attrs.fields(attrs.resolve_types(ItepResult)) if f.name not in ("sections", "raw")
)
_SECTIONS = tuple(f"{section.lower()}_{part}" for section in KNOWN_SECTIONS for part in ("level", "score"))
_TYPES = {
    **{f.name: column_type(f.type) for f in attrs.fields(ItepResult) if f.name in _FIELDS},
    "stage": "text",
    **{name: "integer" if name.endswith("_level") else "number" for name in _SECTIONS},
    "other_sections": "json",
    "extra": "json",
}


class ResultRows:
    """One row per delivery, from the parsed :class:`ItepResult`: its fields, the five named
    sections in columns; ``other_sections`` holds, as JSON, any further section and every section
    that also sent a CEFR level (so a CSV row loses nothing). ``test_date`` is ISO
    (``2024-03-07``, sortable); the record column keeps ``TestDate`` as sent."""

    names = (*_FIELDS, *_SECTIONS, "other_sections", "extra")
    types = _TYPES
    children = None
    readers: Mapping[str, Any] = MappingProxyType({})  # every field read by its type's reader
    label = "result"
    element = None  # a row per result: no list is exploded

    def rows(self, record: Mapping[str, Any]) -> list[Row]:
        result = parse_result(record)
        row: Row = {name: _cell(getattr(result, name)) for name in _FIELDS}
        for section in KNOWN_SECTIONS:
            found = result.sections.get(section)
            row[f"{section.lower()}_level"] = found.level if found else None
            row[f"{section.lower()}_score"] = found.score if found else None
        others = {
            name: {"level": s.level, "score": s.score, "cefr": s.cefr}
            for name, s in result.sections.items()
            if name not in KNOWN_SECTIONS or s.cefr is not None
        }
        row["other_sections"] = json_text(others) if others else None
        row["extra"] = extra_column({"result": result.extra})
        return [row]

    def split(self, record: Mapping[str, Any]) -> Split:
        """The row, each value read into its column's type (``extra``: the result's unnamed keys,
        and any value that did not fit, by its column's name)."""
        (flat,) = self.rows(record)
        row: Row = {}
        misfits: list[tuple[str, str]] = []
        unfit: dict[str, Any] = {}
        for name in self.names[:-1]:
            cell = read_cell(_TYPES[name], flat[name])
            if cell.value.__class__ is Misfit:
                row[name], unfit[name] = None, flat[name]
                misfits.append((name, cell.value.reason))
            else:
                row[name] = cell.value
            if _TYPES[name] == "timestamp":
                row[companion(name)] = cell.text
        result = parse_result(record)
        row["extra"] = extra_column({"result": result.extra | unfit})
        return Split(row, [], {name: flat[name] for name in self.names[:-1]}, tuple(misfits))


def _cell(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    return value.isoformat() if isinstance(value, date) else value


def _not_pulled(client: Any, filters: Mapping[str, Any], page_size: int | None) -> Paginator[Any]:
    raise ConfigurationError(
        "iTEP results are pushed, not pulled: receive them with mettl-async webhooks serve"
    )


RESULTS = HarvestKind.declared(
    ResultRows(),
    name="itep-results",
    table="itep_results",
    key=("test_id", "status"),
    open=_not_pulled,
    default_page_size=None,
    help="results iTEP posts to your webhook (one row per TestID and Status)",
)
#: The columns of the results table.
RESULT_COLUMNS = RESULTS.columns
#: One row per delivery (see :class:`ResultRows`).
rows_of_result = RESULTS.flatten

#: Nothing iTEP offers can be pulled; the results kind is reached through the webhook source.
KINDS: tuple[HarvestKind, ...] = ()
