"""Mettl's schedule webhooks: a pure parse of the raw JSON POST body into typed events.

A schedule posts to its ``testStartNotificationUrl``, ``testFinishNotificationUrl``
and ``testGradedNotificationUrl`` (and ``testResumeEnabledForExpiredTestURL``)
with no signature: authenticate with a secret of your own in the URL you
register (``…/mettl?token=T``, which ``mettl-async webhooks serve`` checks).

:data:`SOURCE` plugs into the shared receiver. Each delivery's ``record`` is a
candidate result shaped like the ``schedule-results`` harvest's records (same
table, same natural key: the schedule's access key and the e-mail address), so
results pushed and pulled end in one table; its ``key`` identifies the event,
so a redelivery is acknowledged, not landed twice. The URL's token, echoed by
Mettl in ``notification_url``, is never put in the record.

From any framework, with the plain callable::

    from mettl_async.mettl_rest.webhooks import SOURCE
    from mettl_async.webhooks import RecentKeys, receive, request_token

    recent = RecentKeys()

    async def on_result(delivery):          # runs before Mettl gets its 2xx
        await save(delivery.event)         # a TestStarted / TestFinished / TestGraded

    status, text = await receive(
        SOURCE, body, content_type, on_result,
        token=request_token(query), expected_token=MY_TOKEN, recent=recent,
    )
    # answer Mettl with `status` (401 wrong token, 400 malformed, 413 too large, 500 callback failed)

Check the token before reading the body where your framework allows
(:func:`~mettl_async.webhooks.admit`), and read at most
:data:`~mettl_async.webhooks.receiver.MAX_BODY` bytes of it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ..core.checks import check_email
from ..core.errors import InputError
from ..core.jsoncodec import loads_exact
from ..core.records import FieldError, Record, structure
from ..webhooks.receiver import Delivery, WebhookRejected, WebhookSource
from .harvest import SCHEDULE_RESULTS
from .models import TIME
from .results import ProctoringDetails, TestStatus

STARTED, FINISHED, GRADED, RESUME_ENABLED = "started", "finished", "graded", "resume-enabled"


def _key(name: str, **more: Any) -> dict[str, Any]:
    """Field metadata: the key as sent (snake_case, or camelCase where Mettl mixes them)."""
    return {"key": name, **more}


#: Decimal text in ASCII digits, as JSON writes numbers (``float()`` alone would also take
#: ``"nan"``, ``"inf"``, ``"1_000"`` and digits of other scripts).
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def parse_number(value: Any) -> float:
    """A finite number, or decimal text of one (``"12.5"``): a value a double cannot hold
    (``"nan"``, ``"inf"``, ``"1e400"``, a 400-digit integer) is refused, not landed as ``inf``."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, str) and not _DECIMAL.fullmatch(value.strip()):
        raise ValueError(f"not a number: {value[:40]!r}")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond a double's range
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {str(value)[:40]!r}")
    return number


def parse_scores(value: Any) -> Any:
    """``sectional_scores``: a JSON *string* holding a list or an object (a decoded one is taken too)."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            value = loads_exact(value)
        except ValueError:
            raise ValueError("a string that is not JSON") from None
    if not isinstance(value, list | dict):
        raise ValueError(f"not a list or object of scores: {type(value).__name__}")
    return value


NUMBER: dict[str, Any] = {"parse": parse_number}


@attrs.frozen(kw_only=True)
class WebhookEvent(Record):
    """What every Mettl notification carries (snake_case keys, as sent)."""

    event_type: str | None = attrs.field(default=None, metadata=_key("EVENT_TYPE"))
    invitation_key: str | None = attrs.field(default=None, metadata=_key("invitation_key"))
    candidate_instance_id: Any = attrs.field(default=None, metadata=_key("candidate_instance_id"))
    context_data: str | None = attrs.field(default=None, metadata=_key("context_data"))
    timestamp: datetime | None = attrs.field(default=None, metadata=_key("timestamp_GMT", **TIME))
    source_app: str | None = attrs.field(default=None, metadata=_key("source_app"))
    notification_url: str | None = attrs.field(default=None, metadata=_key("notification_url"))
    name: str | None = attrs.field(default=None, metadata=_key("name"))
    email: str | None = attrs.field(default=None, metadata=_key("email"))


@attrs.frozen(kw_only=True)
class TestStarted(WebhookEvent):
    """A candidate started the test (``testStartNotificationUrl``)."""

    __test__ = False
    assessment_id: int | None = attrs.field(default=None, metadata=_key("assessment_id"))


@attrs.frozen(kw_only=True)
class TestFinished(WebhookEvent):
    """A candidate's test ended (``testFinishNotificationUrl``): ``assessment_id`` in snake_case."""

    __test__ = False
    assessment_id: int | None = attrs.field(default=None, metadata=_key("assessment_id"))
    finish_mode: str | None = attrs.field(default=None, metadata=_key("finish_mode"))


@attrs.frozen(kw_only=True)
class TestResumeEnabled(WebhookEvent):
    """A candidate may resume an expired test (``testResumeEnabledForExpiredTestURL``)."""

    __test__ = False
    assessment_id: int | None = attrs.field(default=None, metadata=_key("assessment_id"))


@attrs.frozen(kw_only=True)
class TestGraded(WebhookEvent):
    """A result was generated (``testGradedNotificationUrl``): ``assessmentId`` in camelCase here,
    ``sectional_scores`` decoded from its JSON string, times from ``*_time_GMT``."""

    __test__ = False
    assessment_id: int | None = attrs.field(default=None, metadata=_key("assessmentId"))
    finish_mode: str | None = attrs.field(default=None, metadata=_key("finish_mode"))
    marks_scored: float | None = attrs.field(default=None, metadata=_key("marks_scored", **NUMBER))
    max_marks: float | None = attrs.field(default=None, metadata=_key("max_marks", **NUMBER))
    percentile: float | None = attrs.field(default=None, metadata=_key("percentile", **NUMBER))
    total_attempt_time: float | None = attrs.field(
        default=None, metadata=_key("total_attempt_time", **NUMBER)
    )
    assessment_name: str | None = attrs.field(default=None, metadata=_key("assessment_name"))
    schedule_title: str | None = attrs.field(default=None, metadata=_key("schedule_title"))
    start_time: datetime | None = attrs.field(default=None, metadata=_key("start_time_GMT", **TIME))
    end_time: datetime | None = attrs.field(default=None, metadata=_key("end_time_GMT", **TIME))
    sectional_scores: Any = attrs.field(default=None, metadata=_key("sectional_scores", parse=parse_scores))
    registration_details: dict[str, Any] | None = attrs.field(
        default=None, metadata=_key("registrationDetails")
    )
    proctoring_details: ProctoringDetails | None = attrs.field(
        default=None, metadata=_key("proctoringDetails")
    )
    test_status: TestStatus | None = attrs.field(default=None, metadata=_key("testStatus"))


EVENTS: dict[str, type[WebhookEvent]] = {
    STARTED: TestStarted,
    FINISHED: TestFinished,
    GRADED: TestGraded,
    RESUME_ENABLED: TestResumeEnabled,
}


def event_kind(value: object) -> str:
    """Which event an ``EVENT_TYPE`` names, whatever its spelling (``TEST_GRADED``,
    ``TestGraded``, ``graded``): its letters, lower-cased, are matched by word."""
    if not isinstance(value, str) or not value.strip():
        raise WebhookRejected(400, "EVENT_TYPE: missing or not text")
    letters = "".join(c for c in value.lower() if c.isalpha())
    for kind, words in (
        (RESUME_ENABLED, ("resume",)),
        (GRADED, ("grade", "result")),
        (FINISHED, ("finish", "complete", "submit", "end")),
        (STARTED, ("start",)),
    ):
        if any(word in letters for word in words):
            return kind
    raise WebhookRejected(
        400, f"EVENT_TYPE: unknown event {value[:40]!r} (expected a start, finish or graded event)"
    )


def _body(body: bytes) -> dict[str, Any]:
    try:
        data = loads_exact(body)
    except ValueError:
        raise WebhookRejected(400, "body is not JSON") from None
    if not isinstance(data, dict):
        raise WebhookRejected(400, "body is not a JSON object")
    return data


def _required_text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise WebhookRejected(400, f"{name}: missing or not text")
    return value.strip()


def result_record(kind: str, event: WebhookEvent) -> dict[str, Any]:
    """The candidate result an event says, shaped like a ``schedule-results`` record."""
    stamp = event.raw.get("timestamp_GMT")
    status: dict[str, Any]
    if kind == STARTED:
        status = {"status": "InProgress", "overallStatus": "In Progress", "startTime": stamp}
    elif kind == FINISHED:
        assert isinstance(event, TestFinished)
        status = {"status": "Completed", "overallStatus": "Completed", "detailedStatus": "Submitted"}
        status |= {"endTime": stamp, "completionMode": event.finish_mode}
    else:
        assert isinstance(event, TestGraded)
        raw = event.raw
        status = dict(raw.get("testStatus") or {})
        result = dict(status.get("result") or {})
        attempt = event.total_attempt_time
        for key, value in (  # numbers as numbers, even when sent as text, as a harvest has them
            ("totalMarks", event.marks_scored),
            ("maxMarks", event.max_marks),
            ("percentile", event.percentile),
            ("attemptTime", int(attempt) if attempt is not None and attempt.is_integer() else attempt),
        ):
            if value is not None:
                result.setdefault(key, value)
        status.setdefault("status", "Completed")
        status.setdefault("startTime", raw.get("start_time_GMT"))
        status.setdefault("endTime", raw.get("end_time_GMT"))
        status.setdefault("completionMode", event.finish_mode)
        status["result"] = result
    record: dict[str, Any] = {
        "accessKey": event.invitation_key,
        "email": event.email,
        "name": event.name,
        "contextData": event.context_data,
        "candidateInstanceId": event.candidate_instance_id,
        "testStatus": status,
        "webhook": {"event": kind, "timestamp": stamp},
    }
    assessment_id = getattr(event, "assessment_id", None)
    if assessment_id is not None:
        record["assessmentId"] = assessment_id
    if isinstance(event, TestGraded):
        record |= {
            "assessmentName": event.assessment_name,
            "scheduleTitle": event.schedule_title,
            "registrationDetails": event.registration_details,
            "proctoringDetails": event.raw.get("proctoringDetails"),
            "sectionalScores": event.sectional_scores,
        }
    return {k: v for k, v in record.items() if v is not None}


def parse(body: bytes, content_type: str = "application/json") -> Delivery:
    """One notification body as a :class:`~mettl_async.webhooks.Delivery`, or
    :class:`~mettl_async.webhooks.WebhookRejected` (400) naming what is wrong. Pure."""
    data = _body(body)
    kind = event_kind(data.get("EVENT_TYPE"))
    _required_text(data, "invitation_key")
    _required_text(data, "timestamp_GMT")
    try:
        check_email("email", data.get("email"))
    except InputError as error:
        raise WebhookRejected(400, f"email: {error.rule}") from None
    # The graded event says assessmentId, the others assessment_id: either is read.
    other = "assessment_id" if kind == GRADED else "assessmentId"
    wanted = "assessmentId" if kind == GRADED else "assessment_id"
    if wanted not in data and other in data:
        data[wanted] = data[other]
    try:
        event = structure(EVENTS[kind], data)
    except FieldError as error:
        raise WebhookRejected(400, f"{error.where}: {error.reason}") from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        raise WebhookRejected(400, "body does not have the shape of a Mettl notification") from None
    assert event.email is not None
    assert event.invitation_key is not None
    identity = (
        "mettl",
        kind,
        event.invitation_key,
        event.email.strip().lower(),
        str(event.candidate_instance_id),
        data["timestamp_GMT"].strip(),
    )
    landed = kind != RESUME_ENABLED
    return Delivery(
        "mettl",
        event,
        result_record(kind, event),
        key=identity,
        kind=SCHEDULE_RESULTS if landed else None,
    )


#: Served at ``/mettl`` by ``mettl-async webhooks serve``.
SOURCE = WebhookSource("mettl", parse)

__all__ = [
    "EVENTS",
    "SOURCE",
    "TestFinished",
    "TestGraded",
    "TestResumeEnabled",
    "TestStarted",
    "WebhookEvent",
    "event_kind",
    "parse",
    "result_record",
]
