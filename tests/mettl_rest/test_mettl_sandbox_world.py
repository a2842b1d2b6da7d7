"""The REST sandbox's world at scale: seeded candidates generated on demand, schedules computed,
orders and counts that agree with the rows, changes kept in the overlay."""

from __future__ import annotations

import time
from datetime import timedelta

import attrs
import pytest

from mettl_async.testing.mettl_rest import MettlRestConfig, MettlRestSandbox, build_world
from mettl_async.testing.mettl_rest.people import ScheduleCandidates, seeded_email
from mettl_async.testing.mettl_rest.rows import BASE_TIME, CandidateRow
from mettl_async.testing.periodic import PeriodicIndexes


def name_key(row: CandidateRow) -> tuple[str, str]:
    return (row.name.lower(), row.email)


def start_key(row: CandidateRow) -> tuple[object, ...]:
    return (row.started_at is None, row.started_at or BASE_TIME, row.email)


def test_each_schedule_holds_the_candidates_the_old_loop_put_there() -> None:
    world = build_world(candidates=700)
    keys = list(world.schedules)
    expected: dict[str, list[str]] = {key: [] for key in keys}
    for j in range(700):  # the membership rule of the eager world this replaces
        homes = [keys[0] if j % 2 == 0 else keys[(j // 2) % len(keys)]]
        if j % 5 == 0:
            homes.append(keys[(keys.index(homes[0]) + 1) % len(keys)])
        for key in homes:
            expected[key].append(seeded_email(j))
    for key, schedule in world.schedules.items():
        assert [row.email for row in schedule.candidates.values()] == expected[key]
        assert list(schedule.candidates) == expected[key]
        assert len(schedule.candidates) == len(expected[key])


def test_candidates_are_the_same_at_any_size_and_for_the_same_seed() -> None:
    small, large, other = build_world(candidates=50), build_world(candidates=50_000), build_world(seed=2)
    for key in small.schedules:
        rows = list(small.schedules[key].candidates.values())
        assert rows == large.schedules[key].candidates.ordered()[: len(rows)]
        assert rows == list(build_world(candidates=50).schedules[key].candidates.values())
    first = next(iter(small.schedules))
    assert (
        list(small.schedules[first].candidates.values())[:10]
        != list(other.schedules[next(iter(other.schedules))].candidates.values())[:10]
    )
    instance_ids = [r.instance_id for s in large.schedules.values() for r in s.candidates.ordered()[:300]]
    assert len(set(instance_ids)) == len(instance_ids)


def test_sorted_orders_are_the_rows_sorted_even_after_changes() -> None:
    sandbox = MettlRestSandbox(MettlRestConfig(candidates=400))
    key, schedule = next(iter(sandbox.world.schedules.items()))
    rows = list(schedule.candidates.values())
    schedule.remove(rows[3].email)
    schedule.remove(rows[40].email)
    schedule.add(CandidateRow("zed@example.org", {"First Name": "Aaron"}, instance_id=sandbox.world.new_id()))
    waiting = next(r for r in rows[50:] if r.status == "NotStarted")
    sandbox.expire(key, waiting.email)  # a kept row, changed
    starter = next(r for r in rows[60:] if r.status == "NotStarted")
    live = schedule.candidates[starter.email]  # kept: started now, to the microsecond
    live.status, live.started_at = "InProgress", BASE_TIME + timedelta(minutes=5, microseconds=7)
    assert schedule.candidates.lookup(waiting.email).status == "Expired"  # type: ignore[union-attr]
    now = list(schedule.candidates.values())
    assert len(now) == len(rows) - 1 == len(schedule.candidates)
    assert rows[3] not in now
    assert now[-1].email == "zed@example.org"
    for sort, key_of in (("name", name_key), ("testStartTime", start_key)):
        for order in ("asc", "desc"):
            expected = sorted(now, key=key_of, reverse=order == "desc")
            assert list(schedule.ordered(sort, order)) == expected
            assert schedule.ordered(sort, order)[5:9] == expected[5:9]
    assert list(schedule.ordered(None, "desc")) == now[::-1]
    assert schedule.ordered(None, None)[-3:] == now[-3:]


def test_removing_and_registering_keep_registration_order() -> None:
    world = build_world(candidates=300)
    candidates = next(iter(world.schedules.values())).candidates
    before = [row.email for row in candidates.values()]
    for email in (before[0], before[7], before[8], before[-1]):
        candidates.remove(email)
        assert email not in candidates
        assert candidates.lookup(email) is None
    candidates.add(CandidateRow("late@example.org", {"First Name": "Late"}, instance_id=1))
    after = [e for e in before if e not in (before[0], before[7], before[8], before[-1])] + [
        "late@example.org"
    ]
    assert [row.email for row in candidates.values()] == after
    assert [row.email for row in candidates.ordered()[5:12]] == after[5:12]
    assert [row.email for row in candidates.ordered()[-3:]] == after[-3:]
    with pytest.raises(KeyError):
        candidates[before[0]]


def test_a_row_taken_by_key_is_kept_and_changes_show() -> None:
    world = build_world(candidates=100)
    candidates = next(iter(world.schedules.values())).candidates
    email = next(r.email for r in candidates.values() if r.status == "NotStarted")
    live = candidates[email.upper()]
    assert candidates[email] is live
    live.status = "InProgress"
    assert candidates.lookup(email) is live
    other = next(r.email for r in candidates.values() if r.email != email)
    assert candidates.lookup(other) is not candidates.lookup(other)  # not kept


async def test_test_taken_counts_the_finished_seeded_candidates_then_the_lifecycle() -> None:
    sandbox = MettlRestSandbox(MettlRestConfig(candidates=5_000))
    world = sandbox.world
    for assessment in world.assessments.values():
        finished = sum(
            1
            for s in world.schedules.values()
            if s.assessment_id == assessment.id
            for row in s.candidates.values()
            if row.status == "Completed"
        )
        assert world.test_taken(assessment) == finished > 0
    key, schedule = next(iter(world.schedules.items()))
    assessment = world.assessments[schedule.assessment_id]
    before = world.test_taken(assessment)
    waiting = next(r.email for r in schedule.candidates.values() if r.status == "NotStarted")
    await sandbox.start(key, waiting)
    await sandbox.finish(key, waiting)
    assert world.test_taken(assessment) == before + 1
    assert schedule.candidates.lookup(waiting).status == "Completed"  # type: ignore[union-attr]


def test_periodic_indexes_find_their_members() -> None:
    from array import array

    members = PeriodicIndexes(array("i", [1, 4, 5]), 7, 30)
    expected = [i for i in range(30) if i % 7 in (1, 4, 5)]
    assert list(members) == expected
    assert [members.index(i) for i in expected] == list(range(len(expected)))
    assert 29 in members
    assert 30 not in members  # past the count
    assert 2 not in members
    with pytest.raises(ValueError, match="not a member"):
        members.index(3)


def test_a_million_candidates_start_at_once() -> None:
    started = time.perf_counter()
    sandbox = MettlRestSandbox(attrs.evolve(MettlRestConfig(), candidates=1_000_000))
    assert time.perf_counter() - started < 5  # a few milliseconds; generous for a loaded machine
    world = sandbox.world
    largest = max(world.schedules.values(), key=lambda s: len(s.candidates))
    assert len(largest.candidates) == 550_000
    last = largest.candidates.ordered()[-1]
    assert last.email == "cand999998@example.com"
    assert largest.candidates.lookup("CAND999998@example.com") == last
    homes = world.results_of("cand999990@example.com")  # every fifth: two schedules
    assert len(homes) == 2
    assert isinstance(largest.candidates, ScheduleCandidates)
