"""What the sandbox posts when a test moves on: iTEP's results webhook, a form with one field ``data``.

Scores are drawn from a generator seeded by the test ID, so a test reports the
same results on every run. Levels go from 0 to 6; ``Overall_cefr`` follows the
level (0 below A1, 1 A1 … 6 C2).
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any
from urllib.parse import urlencode

from ...core.request import compact_json
from ...itep.results import DATA_KEYS, DATE_PARTS, KNOWN_SECTIONS, section_key
from .inventory import TestRecord

CEFR_BY_LEVEL = ("Pre-A1", "A1", "A2", "B1", "B2", "C1", "C2")
#: The newer vocabulary of iTEP's pages; the older one says "Started", "Completed", "Technical Difficulty".
FINISHED, COMPLETE = "Finished", "Complete"
#: The fields of :class:`~mettl_async.itep.results.ItepResult` the sandbox never sends: the document
#: lists no overall score (and no section's CEFR level) among the results.
UNSENT = ("overall_score",)


def result_data(
    test: TestRecord, status: str, taken_on: date, seed: int = 1, graded: bool = True
) -> dict[str, Any]:
    """The ``data`` object for ``test`` at ``status``; scores only when ``graded``. Its keys are the
    ones :mod:`mettl_async.itep.results` reads (``DATA_KEYS``, ``DATE_PARTS``, ``section_key``)."""
    rng = random.Random(f"{seed}:{test.test_id}")
    minutes = rng.randrange(45, 120)
    key = DATA_KEYS
    month, day, year = DATE_PARTS
    data: dict[str, Any] = {
        key["oid"]: test.oid,
        key["test_id"]: test.test_id,
        key["duration"]: f"{minutes // 60:02d}:{minutes % 60:02d}:{rng.randrange(60):02d}",
        key["test_date"]: f"{taken_on.month}/{taken_on.day}/{taken_on.year}",
        month: str(taken_on.month),
        day: str(taken_on.day),
        year: str(taken_on.year),
        key["score_report_url"]: f"https://itep-sandbox.invalid/score-report/{test.test_id}",
        key["status"]: status,
    }
    if not graded:
        data.update({key["overall_level"]: "", key["overall_cefr"]: "", key["score_report_url"]: ""})
        return data
    scores = [round(rng.uniform(1.0, 6.0), 1) for _ in KNOWN_SECTIONS]
    overall = min(6, round(sum(scores) / len(scores)))
    data[key["overall_level"]] = overall
    data[key["overall_cefr"]] = CEFR_BY_LEVEL[overall]
    for section, score in zip(KNOWN_SECTIONS, scores, strict=True):
        data[section_key(section, "level")] = int(score)
        data[section_key(section, "score")] = score
    return data


def form_body(data: dict[str, Any]) -> bytes:
    """The webhook's body: ``data=<compact JSON>``, form-encoded."""
    return urlencode({"data": compact_json(data)}).encode("ascii")
