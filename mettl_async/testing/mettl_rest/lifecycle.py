"""REST sandbox: candidates taking their tests, and the webhooks Mettl posts about it.

A schedule with notification URLs gets a POST (a raw JSON body, no signature)
when a candidate starts (``testStartNotificationUrl``), finishes
(``testFinishNotificationUrl``) and is graded (``testGradedNotificationUrl``).
The payloads use the field names seen in production, inconsistencies included:
``assessment_id`` in the finish event, ``assessmentId`` in the graded one, and
``sectional_scores`` as a JSON *string*. A receiver that fails (5xx) or cannot
be reached is tried again, up to ``webhook_attempts`` times.
"""

from __future__ import annotations

import asyncio
import collections
import random
import threading
from datetime import UTC, datetime
from typing import Any

import aiohttp
import attrs
import orjson

from ..kit import SandboxError
from .config import MettlRestConfig
from .shapes import (
    CANDIDATE_RESULT,
    SCHEDULE,
    SECTION_MARKS,
    SECTIONAL_SCORE,
    TEST_FINISHED,
    TEST_GRADED,
    TEST_RESULT,
    TEST_STARTED,
)
from .world import CandidateRow, RestWorld, ScheduleRow, finish, gmt

EVENT_TYPES = {"started": "TEST_STARTED", "finished": "TEST_FINISHED", "graded": "TEST_GRADED"}
#: Where a section's name and marks are in a test's result.
_SECTION_NAME, _SECTION_TOTAL, _SECTION_MAX = (
    SECTION_MARKS.key(field) for field in ("section_name", "total_marks", "max_marks")
)
#: Where a schedule's settings name the URL of each event's webhook.
URL_KEYS = {
    event: SCHEDULE.key(field)
    for event, field in (
        ("started", "test_start_notification_url"),
        ("finished", "test_finish_notification_url"),
        ("graded", "test_graded_notification_url"),
    )
}


@attrs.define
class Notification:
    """One webhook the sandbox sent (or tried to): where, what, and how it was answered."""

    url: str
    event: str
    body: bytes = attrs.field(repr=False)
    attempts: int = 0
    status: int | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and self.status < 300


def payload(
    world: RestWorld, schedule: ScheduleRow, row: CandidateRow, event: str, url: str, now: float
) -> dict[str, Any]:
    """The body Mettl posts for ``event`` (``started``, ``finished`` or ``graded``)."""
    common = {
        "event_type": EVENT_TYPES[event],
        "invitation_key": schedule.access_key,
        "candidate_instance_id": row.instance_id,
        "context_data": row.context_data,
        "timestamp": gmt(datetime.fromtimestamp(now, UTC)),
        "source_app": schedule.settings.get(SCHEDULE.key("source_app")),
        "notification_url": url,
        "name": row.name,
        "email": row.email,
    }
    if event == "started":
        return TEST_STARTED.make(**common, assessment_id=schedule.assessment_id)
    if event == "finished":
        return TEST_FINISHED.make(
            **common, assessment_id=schedule.assessment_id, finish_mode=row.completion_mode
        )
    result = row.result or {}
    record = world.result_record(schedule, row, account_wide=False)
    scores = [
        dict(zip(SECTIONAL_SCORE, (s[_SECTION_NAME], s[_SECTION_TOTAL], s[_SECTION_MAX]), strict=True))
        for s in result.get(TEST_RESULT.key("section_marks"), ())
    ]
    return TEST_GRADED.make(
        **common,
        assessment_id=schedule.assessment_id,
        finish_mode=row.completion_mode,
        marks_scored=result.get(TEST_RESULT.key("total_marks")),
        max_marks=result.get(TEST_RESULT.key("max_marks")),
        percentile=result.get(TEST_RESULT.key("percentile")),
        total_attempt_time=result.get(TEST_RESULT.key("attempt_time")),
        assessment_name=world.assessments[schedule.assessment_id].name,
        schedule_title=schedule.name,
        start_time=gmt(row.started_at) if row.started_at else None,
        end_time=gmt(row.ended_at) if row.ended_at else None,
        sectional_scores=orjson.dumps(scores).decode(),
        registration_details=record[CANDIDATE_RESULT.key("registration_details")],
        proctoring_details=record[CANDIDATE_RESULT.key("proctoring_details")],
        test_status=record[CANDIDATE_RESULT.key("test_status")],
    )


class Lifecycle:
    """Candidates' progress through a test, and the webhooks it triggers (a sandbox mixin)."""

    world: RestWorld
    config: MettlRestConfig
    lock: threading.RLock

    def __init__(self) -> None:
        #: Every webhook sent, in order (the newest 10,000).
        self.notifications: collections.deque[Notification] = collections.deque(maxlen=10_000)
        self._pending: set[asyncio.Task[None]] = set()

    def now(self) -> float:
        raise NotImplementedError  # pragma: no cover (PlatformSandbox provides it)

    def _row(self, access_key: str, email: str) -> tuple[ScheduleRow, CandidateRow]:
        schedule = self.world.schedules.get(access_key)
        row = schedule.candidates.get(email.lower()) if schedule else None
        if schedule is None or row is None:
            raise SandboxError("E006", f"no candidate {email!r} in schedule {access_key!r}")
        return schedule, row

    def _rng(self, schedule: ScheduleRow, row: CandidateRow) -> random.Random:
        return random.Random(f"{self.world.seed}:{schedule.access_key}:{row.email}:{row.instance_id}")

    async def start(self, access_key: str, email: str) -> list[Notification]:
        """The candidate starts the test (In Progress); the start webhook is posted."""
        with self.lock:
            schedule, row = self._row(access_key, email)
            if row.status != "NotStarted":
                raise SandboxError("E017", f"{email} has status {row.status}, not NotStarted")
            row.status, row.started_at = "InProgress", datetime.fromtimestamp(self.now(), UTC)
            schedule.version += 1
        return await self._notify(schedule, row, "started")

    async def finish(self, access_key: str, email: str, mode: str = "Submitted") -> list[Notification]:
        """The candidate's test ends (``mode``: ``Submitted``, ``TimeOut``, …); the finish webhook
        is posted. Marks are computed now and shown once :meth:`grade` runs."""
        with self.lock:
            schedule, row = self._row(access_key, email)
            if row.status != "InProgress":
                raise SandboxError("E017", f"{email} has status {row.status}, not InProgress")
            finish(self.world, schedule, row, self._rng(schedule, row), started=_utc(self), mode=mode)
        return await self._notify(schedule, row, "finished")

    async def grade(self, access_key: str, email: str) -> list[Notification]:
        """The finished test is graded; the graded webhook (with marks) is posted."""
        with self.lock:
            schedule, row = self._row(access_key, email)
            if row.status != "Completed":
                raise SandboxError("E017", f"{email} has status {row.status}, not Completed")
            row.graded = True
            schedule.version += 1
        return await self._notify(schedule, row, "graded")

    async def complete(self, access_key: str, email: str, mode: str = "Submitted") -> list[Notification]:
        """Start (unless started), finish and grade: every webhook in order."""
        sent: list[Notification] = []
        with self.lock:
            _, row = self._row(access_key, email)
            status = row.status
        if status == "NotStarted":
            sent += await self.start(access_key, email)
        if status in ("NotStarted", "InProgress"):
            sent += await self.finish(access_key, email, mode)
        return sent + await self.grade(access_key, email)

    def expire(self, access_key: str, email: str) -> None:
        """The candidate's access expires before they start."""
        with self.lock:
            schedule, row = self._row(access_key, email)
            row.status = "Expired"
            schedule.version += 1

    def complete_later(self, access_key: str, email: str) -> None:
        """Run :meth:`complete` by itself, ``auto_complete`` seconds apart (on the server's loop)."""
        delay = self.config.auto_complete or 0.0

        async def run() -> None:
            await asyncio.sleep(delay)
            await self.start(access_key, email)
            await asyncio.sleep(delay)
            await self.finish(access_key, email)
            await asyncio.sleep(delay)
            await self.grade(access_key, email)

        task = asyncio.get_running_loop().create_task(run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def idle(self) -> None:
        """Wait until every automatic completion has run."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def cancel_pending(self) -> None:
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*list(self._pending), return_exceptions=True)

    # -- delivery ------------------------------------------------------------------------------

    async def _notify(self, schedule: ScheduleRow, row: CandidateRow, event: str) -> list[Notification]:
        url = schedule.settings.get(URL_KEYS[event])
        if not url:
            return []
        with self.lock:
            body = orjson.dumps(payload(self.world, schedule, row, event, str(url), self.now()))
        notification = Notification(str(url), event, body)
        self.notifications.append(notification)
        await self.deliver(notification)
        return [notification]

    async def deliver(self, notification: Notification) -> Notification:
        """POST the notification's body (again, for a redelivery), retrying a 5xx or a failed
        connection up to ``webhook_attempts`` times."""
        timeout = aiohttp.ClientTimeout(total=self.config.webhook_timeout)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            for attempt in range(1, max(1, self.config.webhook_attempts) + 1):
                notification.attempts += 1
                try:
                    async with http.post(
                        notification.url, data=notification.body, headers={"Content-Type": "application/json"}
                    ) as response:
                        await response.read()
                        notification.status, notification.error = response.status, None
                except (aiohttp.ClientError, TimeoutError) as error:
                    notification.status, notification.error = None, type(error).__name__
                if notification.status is not None and notification.status < 500:
                    break
                if attempt < self.config.webhook_attempts:
                    await asyncio.sleep(0.05 * attempt)
        return notification


def _utc(sandbox: Lifecycle) -> datetime:
    return datetime.fromtimestamp(sandbox.now(), UTC)
