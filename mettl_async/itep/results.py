"""iTEP's results webhook payload as a typed result: a pure parser, no I/O.

The ``data`` field of iTEP's form post is a JSON object: ``OID``, ``TestID``,
``Duration``, ``TestDate`` (M/D/YYYY), ``TestMonth``/``TestDay``/``TestYear``,
``score_report_url``, ``Overall_Level`` (0 to 6), ``Overall_cefr``, ``Status``,
and ``<Section>_Level`` / ``<Section>_Score`` per section (Grammar, Listening,
Reading, Writing, Speaking, …; any section name is read).

Readings taken where iTEP's pages are silent:

* numbers may arrive as JSON numbers or as numeric text (``"4"``), and an empty
  string means "not given" (a test not yet graded has no levels);
* every level (overall and per section) is an integer from 0 to 6;
* ``TestDate`` is month first; when ``TestMonth``/``TestDay``/``TestYear`` are sent
  too they must agree with it (a disagreement would mean a day/month mix-up);
* ``Status`` has two vocabularies across revisions of iTEP's pages, listed in the
  same order (Ready, Started/Incomplete, Finished, Review, Technical
  Difficulty/Problem, Invalidated, Completed/Complete, Disabled); both map to one
  :class:`Stage`. An unknown status is kept as sent, with ``Stage.UNKNOWN``.

A payload that breaks a rule raises :class:`~mettl_async.webhooks.WebhookRejected`
(HTTP 400) naming the field.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import attrs

from ..webhooks.receiver import WebhookRejected
from .models import TEST_ID


class Stage(enum.Enum):
    """What a status means, whichever revision of iTEP's vocabulary sent it."""

    READY = "ready"  #: Ready: available, not yet taken
    IN_PROGRESS = "in-progress"  #: Started (older pages) / Incomplete (newer pages)
    FINISHED = "finished"  #: Finished: taken, waiting to be graded
    REVIEW = "review"  #: Review: held for review
    PROBLEM = "problem"  #: Technical Difficulty (older) / Problem (newer)
    INVALIDATED = "invalidated"  #: Invalidated
    COMPLETE = "complete"  #: Completed (older) / Complete (newer): graded and reported
    DISABLED = "disabled"  #: Disabled
    UNKNOWN = "unknown"  #: a status neither vocabulary lists (kept as sent)


#: Both vocabularies, by their words (compared without case and extra spaces).
STATUS_STAGES: dict[str, Stage] = {
    "ready": Stage.READY,
    "started": Stage.IN_PROGRESS,
    "incomplete": Stage.IN_PROGRESS,
    "finished": Stage.FINISHED,
    "review": Stage.REVIEW,
    "technical difficulty": Stage.PROBLEM,
    "problem": Stage.PROBLEM,
    "invalidated": Stage.INVALIDATED,
    "completed": Stage.COMPLETE,
    "complete": Stage.COMPLETE,
    "disabled": Stage.DISABLED,
}
#: The sections iTEP's pages name; others are read the same way.
KNOWN_SECTIONS = ("Grammar", "Listening", "Reading", "Writing", "Speaking")
LEVELS = range(0, 7)

_SECTION_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9]*)_(level|score|cefr)$", re.IGNORECASE)
_TEST_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
#: Digits in ASCII only: ``\\d`` and ``str.isdigit`` also take the digits of other scripts.
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$", re.ASCII)
_DIGITS = re.compile(r"\d+", re.ASCII)
#: The test date in parts, sent beside ``TestDate`` (read to check it: no field of their own).
DATE_PARTS = ("TestMonth", "TestDay", "TestYear")
#: How a section's level, score and CEFR level are keyed after its name (``Grammar_Level``).
SECTION_PARTS = {"level": "Level", "score": "Score", "cefr": "cefr"}
#: The name the overall result takes where a section's would be (``Overall_Level``).
OVERALL = "Overall"


def section_key(section: str, part: str) -> str:
    """The key of a section's ``level``, ``score`` or ``cefr``: ``Grammar_Level``, ``Overall_cefr``."""
    return f"{section}_{SECTION_PARTS[part]}"


def _sent_as(key: str) -> dict[str, str]:
    """Field metadata: the key of the ``data`` object the field is read from."""
    return {"key": key}


def stage_of(status: str) -> Stage:
    """The stage a status word means, in either vocabulary; ``UNKNOWN`` for any other word."""
    return STATUS_STAGES.get(" ".join(status.split()).lower(), Stage.UNKNOWN)


@attrs.frozen
class SectionResult:
    """One section's outcome; each part ``None`` when not sent."""

    level: int | None = None
    score: float | None = None
    cefr: str | None = None


@attrs.frozen
class ItepResult:
    """One results webhook: typed fields; ``raw`` is the ``data`` object as sent.

    A field read from one key of ``data`` names it in its metadata (``key``: the document's
    spelling); ``stage`` follows from the status, ``sections`` from the keys of the
    ``<Section>_Level|Score|cefr`` form (:func:`section_key`).
    """

    test_id: str = attrs.field(metadata=_sent_as("TestID"))
    status: str = attrs.field(metadata=_sent_as("Status"))
    stage: Stage
    oid: str | None = attrs.field(default=None, metadata=_sent_as("OID"))
    test_date: date | None = attrs.field(default=None, metadata=_sent_as("TestDate"))
    duration: str | None = attrs.field(default=None, metadata=_sent_as("Duration"))
    overall_level: int | None = attrs.field(default=None, metadata=_sent_as(section_key(OVERALL, "level")))
    overall_score: float | None = attrs.field(default=None, metadata=_sent_as(section_key(OVERALL, "score")))
    overall_cefr: str | None = attrs.field(default=None, metadata=_sent_as(section_key(OVERALL, "cefr")))
    score_report_url: str | None = attrs.field(default=None, metadata=_sent_as("score_report_url"))
    #: By section name as sent (``"Grammar"``), in the order received.
    sections: dict[str, SectionResult] = attrs.field(factory=dict)
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def key(self) -> tuple[str, str]:
        """What identifies this event: a redelivery has the same (TestID, Status)."""
        return (self.test_id, self.status)

    @property
    def extra(self) -> dict[str, Any]:
        """Keys neither named nor of the ``<Section>_Level|Score|cefr`` form."""
        return {k: v for k, v in self.raw.items() if k not in _NAMED and not _SECTION_KEY.match(k)}


#: The key of ``data`` each field is read from, by field name.
DATA_KEYS: dict[str, str] = {
    f.name: f.metadata["key"] for f in attrs.fields(ItepResult) if "key" in f.metadata
}
_NAMED = frozenset((*DATA_KEYS.values(), *DATE_PARTS))


def _rejected(field: str, rule: str) -> WebhookRejected:
    return WebhookRejected(400, f"{field}: {rule}")


def _given(data: Mapping[str, Any], name: str) -> Any:
    """A value, ``None`` when absent, null or an empty string."""
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _text(data: Mapping[str, Any], name: str, *, numbers: bool = False) -> str | None:
    value = _given(data, name)
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip()
    if numbers and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _rejected(name, f"must be text, got {type(value).__name__}")


def _integer(data: Mapping[str, Any], name: str, allowed: range | None = None) -> int | None:
    value = _given(data, name)
    if value is None:
        return None
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raise _rejected(name, f"must be a whole number, got {value!r}")
    if allowed is not None and number not in allowed:
        raise _rejected(name, f"must be from {allowed.start} to {allowed.stop - 1}, got {number}")
    return number


def _score(data: Mapping[str, Any], name: str) -> float | None:
    value = _given(data, name)
    if value is None:
        return None
    if isinstance(value, str) and _NUMBER.match(value.strip()):
        number = float(value.strip())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value) if isinstance(value, float) or abs(value) < 2**1000 else math.inf
    else:
        raise _rejected(name, f"must be a number, got {value!r}")
    if not math.isfinite(number) or number < 0:
        raise _rejected(name, f"must be a finite number of at least 0, got {value!r}")
    return number


def _test_date(data: Mapping[str, Any]) -> date | None:
    """``TestDate`` (M/D/YYYY), checked against ``TestMonth``/``TestDay``/``TestYear`` when sent."""
    month_key, day_key, year_key = DATE_PARTS
    parts = (
        _integer(data, month_key, range(1, 13)),
        _integer(data, day_key, range(1, 32)),
        _integer(data, year_key, range(1900, 10000)),
    )
    date_key = DATA_KEYS["test_date"]
    text = _text(data, date_key)
    when: date | None = None
    if text is not None:
        match = _TEST_DATE.match(text)
        if not match:
            raise _rejected(date_key, f"must be M/D/YYYY (month first), got {text!r}")
        m, d, y = (int(g) for g in match.groups()[:3])
        try:
            when = date(y, m, d)
        except ValueError as error:
            raise _rejected(date_key, f"{text!r} is not a date ({error})") from None
    month, day, year = parts
    if month is not None and day is not None and year is not None:
        try:
            from_parts = date(year, month, day)
        except ValueError as error:
            raise _rejected("/".join(DATE_PARTS), f"not a date ({error})") from None
        if when is not None and when != from_parts:
            raise _rejected(
                date_key,
                f"{text!r} (month first) disagrees with {'/'.join(DATE_PARTS)} {month}/{day}/{year}",
            )
        when = from_parts
    return when


def _sections(data: Mapping[str, Any]) -> dict[str, SectionResult]:
    parts: dict[str, dict[str, Any]] = {}
    for key in data:
        match = _SECTION_KEY.match(key)
        if not match or match.group(1).lower() == OVERALL.lower():
            continue
        name, part = match.group(1), match.group(2).lower()
        found = parts.setdefault(name, {})
        if part == "level":
            found["level"] = _integer(data, key, LEVELS)
        elif part == "score":
            found["score"] = _score(data, key)
        else:
            found["cefr"] = _text(data, key)
    return {name: SectionResult(**values) for name, values in parts.items()}


def parse_result(data: Any) -> ItepResult:
    """The typed result of one ``data`` object; :class:`WebhookRejected` (400) naming the field."""
    if not isinstance(data, Mapping):
        raise _rejected("data", f"must be a JSON object, got {type(data).__name__}")
    key = DATA_KEYS
    test_id = _text(data, key["test_id"])
    if test_id is None:
        raise _rejected(key["test_id"], "is required")
    if not TEST_ID.fullmatch(test_id):
        raise _rejected(key["test_id"], f"must be a test ID (letters and digits), got {test_id!r}")
    status = _text(data, key["status"])
    if status is None:
        raise _rejected(key["status"], "is required")
    return ItepResult(
        test_id=test_id,
        status=status,
        stage=stage_of(status),
        oid=_text(data, key["oid"], numbers=True),
        duration=_text(data, key["duration"], numbers=True),
        test_date=_test_date(data),
        overall_level=_integer(data, key["overall_level"], LEVELS),
        overall_score=_score(data, key["overall_score"]),
        overall_cefr=_text(data, key["overall_cefr"]),
        score_report_url=_text(data, key["score_report_url"]),
        sections=_sections(data),
        raw=data,
    )
