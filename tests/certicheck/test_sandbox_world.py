"""The CertiCHECK sandbox's world at scale: applicants generated on demand, pages over indexes,
the fast JSON agreeing with the records, the overlay of applicants the API changed."""

from __future__ import annotations

import time
from collections.abc import Callable

import orjson
import pytest

from mettl_async import RetryPolicy
from mettl_async.certicheck.client import CertiCheckClient
from mettl_async.certicheck.models import ApplicantRegistration
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import SandboxConfig, build_world
from mettl_async.testing.certicheck.gson import gson_escape
from mettl_async.testing.certicheck.people import PERIOD, result_record
from mettl_async.testing.certicheck.world import BOOKING_PREFIX

StartSandbox = Callable[..., SandboxThread]
FAST = RetryPolicy(backoff_initial=0.0, jitter=0.0)


def test_the_generated_json_is_the_record_of_the_generated_row() -> None:
    world = build_world(30_000, seed=3)
    generator = world.applicants.generator
    for index in range(0, 30_000, 11):
        row = generator.row(index)
        for only in (None, *row.tests, 105, 112):
            text = generator.result_json(index, only)
            assert orjson.loads(text) == result_record(world.tests, row, only), (index, only)
            assert text.isascii()
            assert gson_escape(text.encode()) == text.encode()  # already as the server escapes


def test_scores_render_as_orjson_renders_the_floats() -> None:
    # The fast path writes tenths as digits; the dictionary path has orjson write the float.
    assert all(orjson.dumps(t / 10).decode() == f"{t // 10}.{t % 10}" for t in range(200, 1001))


def test_applicants_come_from_their_index_alone() -> None:
    small, large = build_world(100, seed=5), build_world(100_000, seed=5)
    assert [small.applicants.row(i) for i in range(100)] == [large.applicants.row(i) for i in range(100)]
    assert large.applicants.row(99_999).email == "app99999@yopmail.com"
    assert large.applicants.row(99_988).email == "app+99988@yopmail.com"  # 99988 % 13 == 5


def test_the_applicants_of_an_assessment_are_those_a_scan_finds() -> None:
    count = 2 * PERIOD + 1_234  # two whole periods and part of a third
    world = build_world(count, seed=2)
    tests = [row.tests for row in world.applicants.values()]
    for test_id in world.tests:
        members = world.applicants.of_assessment(test_id)
        expected = [i for i, held in enumerate(tests) if test_id in held]
        assert list(members) == expected
        assert len(members) == len(expected)
        if expected:
            assert members[-1] == expected[-1]
            assert members[3:9] == expected[3:9]
            with pytest.raises(IndexError):
                members[len(expected)]
    assert len(world.applicants.of_assessment(105)) == 0  # unpublished: nobody holds it


def test_emails_lead_back_to_indexes() -> None:
    applicants = build_world(60).applicants
    assert applicants.index_of("app7@yopmail.com") == 7
    assert applicants.index_of(" APP+5@YopMail.com ") == 5
    assert applicants.index_of("app5@yopmail.com") is None  # the fifth is app+5
    assert applicants.index_of("app+7@yopmail.com") is None  # the seventh is app7
    assert applicants.index_of("app07@yopmail.com") is None
    assert applicants.index_of("app60@yopmail.com") is None  # past the generated ones
    assert "app59@yopmail.com" in applicants
    assert "app60@yopmail.com" not in applicants
    assert applicants.lookup("nobody@example.com") is None
    with pytest.raises(KeyError):
        applicants["app60@yopmail.com"]


def test_a_changed_applicant_is_kept_and_rendered_from_the_overlay() -> None:
    world = build_world(60)
    applicants = world.applicants
    before = orjson.loads(applicants.render([2])[0])
    live = applicants["app2@yopmail.com"]
    assert applicants["APP2@yopmail.com"] is live  # kept: the same row every time
    assert applicants.lookup("app2@yopmail.com") is live
    live.first_name = "Ann & Co"
    [text] = applicants.render([2])
    assert "Ann \\u0026 Co" in text  # escaped as the server escapes
    assert orjson.loads(text) == {
        **before,
        "First Name": "Ann & Co",
        "registration": {**before["registration"], "First Name": "Ann & Co"},
    }
    assert applicants.render(range(1, 4))[1] == text  # among generated ones too
    assert applicants.row(3) is not applicants.row(3)  # unchanged ones are not kept


def test_a_million_applicants_start_at_once() -> None:
    started = time.perf_counter()
    world = build_world(1_000_000)
    elapsed = time.perf_counter() - started
    assert elapsed < 10  # about 0.2 s; generous for a loaded machine
    assert len(world.applicants) == 1_000_000
    assert len(world.windows) == 1_000_000 // 150
    assert 0 < len(world.bookings) <= BOOKING_PREFIX
    booked = {b.email for b in world.bookings}
    assert all(world.applicants.index_of(email) is not None for email in booked)
    members = world.applicants.of_assessment(101)
    assert 100_000 < len(members) < 200_000
    last = orjson.loads(world.applicants.render([members[-1]], 101)[0])
    assert [c["certificationName"] for c in last["certificates"]] == ["Certification 01"]


def test_every_size_shows_the_documented_quirks_in_its_bookings() -> None:
    for count in (30, 60, 150, 5_000):
        world = build_world(count)
        booked = [world.applicants.lookup(b.email) for b in world.bookings]
        assert any(a is not None and a.last_name is None for a in booked), count
        assert any(a is not None and a.crf_as_text for a in booked), count


async def test_results_pages_are_the_records(certicheck_sandbox_factory: StartSandbox) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=1_300))
    world = sandbox.sandbox.world
    async with sandbox.client(retry=FAST) as client:
        assert isinstance(client, CertiCheckClient)
        [done] = await client.applicants.register(
            [ApplicantRegistration("late@example.com", {"First Name": "Zoë", "Last Name": "<Late>"})]
        )
        assert done.status == "Activation Pending"
        pages = [page async for page in client.results.all(page_size=500).pages()]
        records = [record for page in pages for record in page.payload["applicants"]]
        assert records == [result_record(world.tests, row) for row in world.applicants.values()]
        assert records[-1]["registration"] == {"First Name": "Zoë", "Last Name": "<Late>"}
        assert [len(page.payload["applicants"]) for page in pages] == [500, 500, 301]
        assert pages[0].payload["paging"]["next"].endswith("?limit=500&offset=500")

        of_101 = [page async for page in client.results.of_assessment(101, page_size=50).pages()]
        records = [record for page in of_101 for record in page.payload["applicants"]]
        expected = [row for row in world.applicants.values() if 101 in row.tests]
        assert records == [result_record(world.tests, row, 101) for row in expected]
