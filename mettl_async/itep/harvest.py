"""iTEP in the output formats: the ``itep_results`` table that results webhooks land in.

iTEP pushes results; there is no list to pull. :data:`RESULTS` is a kind so that
``mettl-async webhooks serve`` lands deliveries in the same sinks as a harvest
(one row per (TestID, Status), upserted), but this module is deliberately not
in the harvest registry: ``mettl-async harvest`` has nothing to fetch from iTEP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.errors import ConfigurationError
from ..core.paginator import Paginator
from ..core.settings import Setting
from ..harvest.kinds import HarvestKind, Row, extra_column, json_text
from .config import ENV_API_KEY, ENV_FULFILLMENT_URL, ENV_SIGNATURE_ENCODING, ENV_SIGNATURE_HEADER
from .results import KNOWN_SECTIONS, parse_result

#: What a client of this platform needs, as options and environment variables.
SETTINGS = (
    Setting("url", "--url", ENV_FULFILLMENT_URL, "iTEP fulfillment endpoint URL (no default)."),
    Setting(
        "api_key",
        "--api-key",
        ENV_API_KEY,
        "iTEP API key (prefer the environment variable: options show in process lists).",
        secret=True,
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

_SECTION_COLUMNS = tuple(
    f"{section.lower()}_{part}" for section in KNOWN_SECTIONS for part in ("level", "score")
)
RESULT_COLUMNS = (
    "test_id",
    "status",
    "stage",
    "oid",
    "test_date",
    "duration",
    "overall_level",
    "overall_score",
    "overall_cefr",
    "score_report_url",
    *_SECTION_COLUMNS,
    "other_sections",
    "extra",
)


def rows_of_result(record: Mapping[str, Any]) -> list[Row]:
    """One row per delivery: the five named sections in columns; ``other_sections`` holds, as JSON,
    any further section and every section that also sent a CEFR level (so a CSV row loses nothing).

    ``test_date`` is ISO (``2024-03-07``, sortable); the record column keeps ``TestDate`` as sent.
    """
    result = parse_result(record)
    row: Row = {
        "test_id": result.test_id,
        "status": result.status,
        "stage": result.stage.value,
        "oid": result.oid,
        "test_date": result.test_date.isoformat() if result.test_date else None,
        "duration": result.duration,
        "overall_level": result.overall_level,
        "overall_score": result.overall_score,
        "overall_cefr": result.overall_cefr,
        "score_report_url": result.score_report_url,
    }
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


def _not_pulled(client: Any, filters: Mapping[str, Any], page_size: int | None) -> Paginator[Any]:
    raise ConfigurationError(
        "iTEP results are pushed, not pulled: receive them with mettl-async webhooks serve"
    )


RESULTS = HarvestKind(
    name="itep-results",
    table="itep_results",
    columns=RESULT_COLUMNS,
    key=("test_id", "status"),
    flatten=rows_of_result,
    open=_not_pulled,
    default_page_size=None,
    help="results iTEP posts to your webhook (one row per TestID and Status)",
)

#: Nothing iTEP offers can be pulled; the results kind is reached through the webhook source.
KINDS: tuple[HarvestKind, ...] = ()
