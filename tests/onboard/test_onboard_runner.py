"""The runner's decisions as pure functions: what a failed call did at the platform, which rows
go in the next call, and what a single row's refusal means."""

from __future__ import annotations

import pytest

from mettl_async.core.errors import (
    AuthenticationError,
    ConflictError,
    ConnectError,
    ConnectionLostError,
    MalformedResponseError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    ValidationError,
)
from mettl_async.onboard.journal import Entry
from mettl_async.onboard.model import Prepared, State
from mettl_async.onboard.runner import Effect, effect_of, first_batch, plan, refusal
from mettl_async.platforms import operations


@pytest.mark.parametrize(
    ("error", "effect"),
    [
        (ConnectError("refused"), Effect.NOT_ACTED),
        (RateLimitedError("slow down"), Effect.NOT_ACTED),
        (AuthenticationError("bad key", code="E002"), Effect.NOT_ACTED),
        (ConnectionLostError("dropped"), Effect.LOST),
        (RequestTimeoutError("late"), Effect.LOST),
        (ServerError("Some Error Occurred", code="E000"), Effect.LOST),
        (MalformedResponseError("registerApplicant answered null"), Effect.LOST),
        (ValidationError("Invalid Email", code="E004"), Effect.REFUSED),
        (ConflictError("already allocated", code="E604"), Effect.REFUSED),
    ],
)
def test_what_a_failed_call_did(error: Exception, effect: Effect) -> None:
    assert effect_of(error) is effect


def entries(emails: list[str], solo: frozenset[int] = frozenset()) -> tuple[list[Entry], dict[int, Prepared]]:
    rows = [Entry(n, n + 1, {"email": e}, State.PENDING, solo=n in solo) for n, e in enumerate(emails, 1)]
    prepared = {n: Prepared(None, f"{e} {n}", e, e) for n, e in enumerate(emails, 1)}
    return rows, prepared


def test_a_call_holds_no_address_twice_and_the_later_row_waits() -> None:
    rows, prepared = entries(["a", "b", "a", "c", "d"])
    assert [e.position for e in first_batch(rows, prepared, 3)] == [1, 2, 4]
    assert [[e.position for e in call] for call in plan(rows, prepared, 3)] == [[1, 2, 4], [3, 5]]


def test_a_row_of_a_refused_call_goes_alone() -> None:
    rows, prepared = entries(["a", "b", "c", "d"], solo=frozenset({2}))
    assert [[e.position for e in call] for call in plan(rows, prepared, 20)] == [[1, 3, 4], [2]]
    assert [e.position for e in first_batch(rows[1:], prepared, 20)] == [2]


def test_a_refusal_is_already_there_only_for_the_operations_codes() -> None:
    _, allocate = operations()["certicheck-allocate"]
    entry = Entry(1, 2, {}, State.SENT)
    already = ConflictError("Certification already allocated to the applicant", code="E604")
    assert refusal(allocate, entry, already).state is State.ALREADY
    assert refusal(allocate, entry, ValidationError("Invalid testId", code="E606")).state is State.REFUSED
    # sent again after its answer was lost: the first call did it
    lost = Entry(1, 2, {}, State.SENT, lost=True)
    assert refusal(allocate, lost, already).state is State.DONE
