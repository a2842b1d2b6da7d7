"""Landing every row once: batches sent one after the other, each recorded in the journal before
and after its call, and every call whose answer was lost read back before anything else is sent.

What a failed call means for its rows (:func:`effect_of`):

* the platform did not act (no connection, a throttle, a refused key): the rows stay pending and
  the run stops, since the next call would meet the same;
* the platform refused the call (a validation or state error in the answer): a single row is
  refused with the platform's reason, or "already there" when the code says so; the rows of a
  refused batch are sent again one by one, so that each gets its own answer;
* the answer was lost (the connection dropped after sending, a timeout, a 5xx, an answer without
  the row): the rows stay ``sent`` and are reconciled: read back (the row is done, or pending
  again), or, without a read-back, sent again where a repeat is harmless and tells, or reported
  unknown (iTEP: a repeat would consume another test ID).
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Mapping, Sequence
from typing import Any

from ..core.errors import (
    ApiError,
    AuthenticationError,
    PermissionDeniedError,
    RateLimitedError,
    ResponseTooLargeError,
    ServerError,
    SignatureExpiredError,
    TimestampError,
    TransportError,
)
from .journal import Entry, Journal
from .model import Answer, Operation, Prepared, State

#: Calls that may carry one row whose answers keep being lost before it is reported unknown.
MAX_CALLS = 6
#: Read-backs in flight at once.
READ_BACKS = 8


class Effect(enum.Enum):
    """What a failed call did at the platform."""

    NOT_ACTED = "not acted"  # and the next call would fail alike: stop
    REFUSED = "refused"
    LOST = "lost"  # it may have acted


def effect_of(error: BaseException) -> Effect:
    """What ``error`` from a write call says of its effect at the platform."""
    if isinstance(error, TransportError):
        return Effect.LOST if error.request_sent else Effect.NOT_ACTED
    if isinstance(error, ServerError | ResponseTooLargeError):
        return Effect.LOST
    stopping = (RateLimitedError, SignatureExpiredError, AuthenticationError, PermissionDeniedError)
    if isinstance(error, (*stopping, TimestampError)):
        return Effect.NOT_ACTED
    if isinstance(error, ApiError):
        return Effect.REFUSED
    return Effect.NOT_ACTED


def first_batch(pending: Sequence[Entry], prepared: Mapping[int, Prepared], size: int) -> list[Entry]:
    """The next call's rows: the first pending row alone if it must go alone, else up to ``size``
    rows in file order, no two with the same batch key (a later one waits for the next call)."""
    if not pending:
        return []
    first = pending[0]
    if first.solo or size == 1:
        return [first]
    batch: list[Entry] = []
    keys: set[str] = set()
    for entry in pending:
        key = prepared[entry.position].batch_key
        if not entry.solo and key not in keys:
            batch.append(entry)
            keys.add(key)
            if len(batch) == size:
                break
    return batch


def plan(entries: Sequence[Entry], prepared: Mapping[int, Prepared], size: int) -> list[list[Entry]]:
    """Every call a run would make for ``entries``, if each were answered (the dry run)."""
    left = list(entries)
    calls: list[list[Entry]] = []
    while left:
        batch = first_batch(left, prepared, size)
        calls.append(batch)
        taken = {e.position for e in batch}
        left = [e for e in left if e.position not in taken]
    return calls


def refusal(operation: Operation, entry: Entry, error: ApiError) -> Answer:
    """A single row's refusal: "already there" when the code says so."""
    said = str(error)
    if error.code not in operation.already:
        return Answer(State.REFUSED, said)
    if entry.lost:
        return Answer(
            State.DONE, f"done by a call whose answer was lost (sent again, the platform said {said})"
        )
    return Answer(State.ALREADY, said)


class Onboarding:
    """One run of an operation over the journal's rows."""

    def __init__(
        self,
        operation: Operation,
        client: Any,
        journal: Journal,
        prepared: Mapping[int, Prepared],
        options: Mapping[str, Any],
    ) -> None:
        self.operation = operation
        self.client = client
        self.journal = journal
        self.prepared = prepared
        self.options = options
        self.calls = 0
        self.read_backs = 0

    async def run(self) -> None:
        """Reconcile what a previous run left sent, then send every pending row."""
        await self.reconcile(self.journal.in_state(State.SENT), "the previous run stopped before its answer")
        while batch := first_batch(
            self.journal.in_state(State.PENDING), self.prepared, self.operation.batch_size
        ):
            await self.send(batch)

    async def send(self, batch: list[Entry]) -> None:
        items = [self.prepared[e.position].item for e in batch]
        self.journal.mark_sent(batch)  # committed: from here on these rows may reach the platform
        self.calls += 1
        try:
            answers = await self.operation.send(self.client, items, self.options)
        except ApiError as error:
            await self.failed(batch, error)
            return
        except TransportError as error:
            await self.failed(batch, error)
            return
        said = [(e, self._answer(e, a)) for e, a in zip(batch, answers, strict=True) if a is not None]
        self.journal.settle(said)
        unanswered = [e for e, a in zip(batch, answers, strict=True) if a is None]
        await self.reconcile(unanswered, "the answer did not mention the row")

    def _answer(self, entry: Entry, answer: Answer) -> Answer:
        if answer.state is State.ALREADY and entry.lost:
            return Answer(
                State.DONE, f"done by a call whose answer was lost ({answer.message})", answer.value
            )
        return answer

    async def failed(self, batch: list[Entry], error: ApiError | TransportError) -> None:
        effect = effect_of(error)
        if effect is Effect.NOT_ACTED:
            self.journal.requeue(batch)
            raise error
        if effect is Effect.LOST:
            await self.reconcile(batch, str(error))
        elif len(batch) > 1:
            self.journal.requeue(batch, solo=True)  # the call was refused whole: one answer per row
        else:
            assert isinstance(error, ApiError)
            self.journal.settle([(batch[0], refusal(self.operation, batch[0], error))])

    async def reconcile(self, entries: list[Entry], why: str) -> None:
        """Rows whose call may have acted: read back what the platform holds before anything is
        sent again; without a read-back, send again only where a repeat is harmless."""
        if not entries:
            return
        worn = [e for e in entries if e.calls >= MAX_CALLS]
        if worn:
            lost = f"the answers of {MAX_CALLS} calls were lost (last: {why})"
            self.journal.settle([(e, self._unknown(lost)) for e in worn])
            entries = [e for e in entries if e.calls < MAX_CALLS]
        read_back = self.operation.read_back
        if read_back is None:
            if self.operation.resend_tells:
                self.journal.requeue(entries, solo=True, lost=True)
            else:
                self.journal.settle([(e, self._unknown(f"the answer was lost: {why}")) for e in entries])
            return
        gate = asyncio.Semaphore(READ_BACKS)

        async def holds(entry: Entry) -> bool:
            async with gate:
                self.read_backs += 1
                return await read_back(self.client, self.prepared[entry.position].item, self.options)

        found = await asyncio.gather(*(holds(e) for e in entries), return_exceptions=True)
        there = [e for e, f in zip(entries, found, strict=True) if f is True]
        absent = [e for e, f in zip(entries, found, strict=True) if f is False]
        landed = Answer(State.DONE, "read back after its answer was lost: the platform holds it")
        self.journal.settle([(e, landed) for e in there])
        self.journal.requeue(absent, lost=True)
        for failure in found:
            if isinstance(failure, BaseException):
                raise failure  # those rows stay sent: the next run reads them back first

    def _unknown(self, what: str) -> Answer:
        hint = self.operation.check_hint
        return Answer(State.UNKNOWN, what if not hint or hint in what else f"{what}; {hint}")
