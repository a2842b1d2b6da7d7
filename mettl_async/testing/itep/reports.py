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
from ...itep.results import KNOWN_SECTIONS
from .inventory import TestRecord

CEFR_BY_LEVEL = ("Pre-A1", "A1", "A2", "B1", "B2", "C1", "C2")
#: The newer vocabulary of iTEP's pages; the older one says "Started", "Completed", "Technical Difficulty".
FINISHED, COMPLETE = "Finished", "Complete"


def result_data(
    test: TestRecord, status: str, taken_on: date, seed: int = 1, graded: bool = True
) -> dict[str, Any]:
    """The ``data`` object for ``test`` at ``status``; scores only when ``graded``."""
    rng = random.Random(f"{seed}:{test.test_id}")
    minutes = rng.randrange(45, 120)
    data: dict[str, Any] = {
        "OID": test.oid,
        "TestID": test.test_id,
        "Duration": f"{minutes // 60:02d}:{minutes % 60:02d}:{rng.randrange(60):02d}",
        "TestDate": f"{taken_on.month}/{taken_on.day}/{taken_on.year}",
        "TestMonth": str(taken_on.month),
        "TestDay": str(taken_on.day),
        "TestYear": str(taken_on.year),
        "score_report_url": f"https://itep-sandbox.invalid/score-report/{test.test_id}",
        "Status": status,
    }
    if not graded:
        data.update({"Overall_Level": "", "Overall_cefr": "", "score_report_url": ""})
        return data
    scores = [round(rng.uniform(1.0, 6.0), 1) for _ in KNOWN_SECTIONS]
    overall = min(6, round(sum(scores) / len(scores)))
    data["Overall_Level"] = overall
    data["Overall_cefr"] = CEFR_BY_LEVEL[overall]
    for section, score in zip(KNOWN_SECTIONS, scores, strict=True):
        data[f"{section}_Level"] = int(score)
        data[f"{section}_Score"] = score
    return data


def form_body(data: dict[str, Any]) -> bytes:
    """The webhook's body: ``data=<compact JSON>``, form-encoded."""
    return urlencode({"data": compact_json(data)}).encode("ascii")
