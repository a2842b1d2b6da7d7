"""Candidates against the REST sandbox, over loopback: registration (batched, per-candidate
outcomes), a schedule's results paged by the server's links, one result, deletion, and one
candidate's results across the account (paged in v3 only)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web

from mettl_async import BatchError, ConflictError, InputError, MalformedResponseError, NotFoundError
from mettl_async.mettl_rest import MettlClient
from mettl_async.mettl_rest.specs import CandidateRegistration
from tests.support.loopback import Handler, serving
from tests.support.mettl_support import (
    StartRest,
    biggest_schedule,
    candidates_with,
    client,
    platform,
    seen,
    start,
)


def people(count: int, start_at: int = 0) -> list[CandidateRegistration]:
    return [
        CandidateRegistration(f"new{i}@example.org", {"First Name": f"New {i}"}, context_data=f"ref-{i}")
        for i in range(start_at, start_at + count)
    ]


async def test_registration_reports_each_candidate(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    key = next(iter(platform(sandbox).world.schedules))
    already = next(iter(platform(sandbox).world.schedules[key].candidates.values())).email
    async with client(sandbox) as mettl:
        statuses = await mettl.candidates.register(
            key, [*people(2), CandidateRegistration(already, {"First Name": "Again"})], send_email=False
        )
    assert [(s.email, s.succeeded) for s in statuses] == [
        ("new0@example.org", True),
        ("new1@example.org", True),
        (already, False),
    ]
    assert statuses[2].message == "Already Registered"
    assert statuses[0].url is not None
    row = platform(sandbox).world.schedules[key].candidates["new0@example.org"]
    assert (row.fields, row.context_data) == ({"First Name": "New 0"}, "ref-0")
    (request,) = seen(sandbox, "/candidates")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.params["rd"].startswith('{"registrationDetails":[{"Email Address":"new0@example.org"')
    assert '"optionalParams":[{"email":"new0@example.org","context_data":"ref-0"}' in request.params["rd"]
    assert request.params["rd"].endswith('"sendEmail":false}')


async def test_more_than_twenty_per_call_is_refused_before_sending(
    mettl_rest_sandbox_factory: StartRest,
) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    key = next(iter(platform(sandbox).world.schedules))
    async with client(sandbox) as mettl:
        with pytest.raises(InputError, match="candidates: at most 20 candidates per call, got 21"):
            await mettl.candidates.register(key, people(21))
        with pytest.raises(InputError, match="appears twice"):
            await mettl.candidates.register(key, [*people(1), *people(1)])
        with pytest.raises(InputError, match="batch_size: must be from 1 to 20"):
            await mettl.candidates.register_many(key, people(3), batch_size=21)
        with pytest.raises(InputError, match="access_key"):
            await mettl.candidates.register("bad key", people(1))
    assert seen(sandbox) == []


async def test_register_many_batches_by_twenty(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    key = next(iter(platform(sandbox).world.schedules))
    async with client(sandbox) as mettl:
        report = await mettl.candidates.register_many(key, people(45))
    assert len(report.registered) == 45
    assert report.refused == []
    assert [r.params["rd"].count("Email Address") for r in seen(sandbox, "/candidates")] == [20, 20, 5]


async def test_register_many_says_what_was_done_when_a_batch_fails(
    mettl_rest_sandbox_factory: StartRest,
) -> None:
    sandbox = start(mettl_rest_sandbox_factory, registration_limit=25)
    key = next(iter(platform(sandbox).world.schedules))
    async with client(sandbox) as mettl:
        with pytest.raises(BatchError) as caught:
            await mettl.candidates.register_many(key, people(45))
    assert len(caught.value.completed) == 20
    assert len(caught.value.remaining) == 25
    assert isinstance(caught.value.__cause__, ConflictError)
    assert caught.value.__cause__.code == "E607"


async def test_a_schedules_results_follow_the_servers_links_with_the_first_requests_options(
    mettl_rest_sandbox_factory: StartRest,
) -> None:
    sandbox = start(mettl_rest_sandbox_factory, candidates=60)
    key = biggest_schedule(sandbox)
    expected = len(platform(sandbox).world.schedules[key].candidates)
    async with client(sandbox) as mettl:
        paginator = mettl.candidates.results(key, sort="name", sort_order="asc", qr=True, page_size=7)
        first = await paginator
        link = first.payload["paging"]["next"]
        results = [r async for r in paginator]
    assert len(results) == expected > 14
    assert [r.name for r in results] == sorted((r.name or "" for r in results), key=str.lower)
    assert all(r.access_key == key for r in results)
    graded = [r for r in results if r.test_status and r.test_status.result]
    assert graded
    result = graded[0].test_status.result  # type: ignore[union-attr]
    assert result is not None
    assert result.max_marks is not None
    assert result.section_marks[0].skill_marks[0].skill_name is not None
    # The server's link keeps every optional parameter of the first request.
    assert parse_qs(urlsplit(link).query) == {
        "sort": ["name"],
        "sort_order": ["asc"],
        "qr": ["true"],
        "limit": ["7"],
        "offset": ["7"],
    }
    pages = [r for r in seen(sandbox, f"/schedules/{key}/candidates") if r.method == "GET"]
    offsets = {int(page.params.get("offset", 0)) for page in pages}
    assert set(range(0, expected, 7)) <= offsets  # every page; a few more were fetched ahead, past the end
    assert len(offsets) <= -(-expected // 7) + mettl.session.prefetch_window()
    for page in pages[1:]:
        assert {k: page.params[k] for k in ("sort", "sort_order", "qr")} == {
            "sort": "name",
            "sort_order": "asc",
            "qr": "true",
        }


async def test_one_result_and_its_options(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    key = biggest_schedule(sandbox)
    email = candidates_with(sandbox, key, "Completed")[0]
    async with client(sandbox) as mettl:
        result = await mettl.candidates.result(key, email.upper(), ir=True, rs=False, qr=True)
        with pytest.raises(NotFoundError) as missing:
            await mettl.candidates.result(key, "nobody@example.com")
        with pytest.raises(InputError, match="email: must be an e-mail address"):
            await mettl.candidates.result(key, "nobody")
    assert (result.email, result.access_key) == (email, key)
    assert result.test_status is not None
    assert result.test_status.status == "Completed"
    assert result.test_status.pdf_report is not None
    assert result.registration_details is not None
    assert result.registration_details["Email Address"] == email
    assert result.proctoring_details is not None
    assert missing.value.code == "E006"
    request = seen(sandbox, "/candidates/")[0]
    assert {k: request.params[k] for k in ("ir", "rs", "qr")} == {"ir": "true", "rs": "false", "qr": "true"}


async def test_only_completed_or_expired_results_are_deleted(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory, candidates=80)
    key = biggest_schedule(sandbox)
    done = candidates_with(sandbox, key, "Completed")[0]
    expired = candidates_with(sandbox, key, "Expired")[0]
    running = candidates_with(sandbox, key, "InProgress")[0]
    waiting = candidates_with(sandbox, key, "NotStarted")[0]
    async with client(sandbox) as mettl:
        await mettl.candidates.delete_result(key, done)
        await mettl.candidates.delete_result(key, expired)
        with pytest.raises(ConflictError) as in_progress:
            await mettl.candidates.delete_result(key, running)
        with pytest.raises(NotFoundError) as not_started:
            await mettl.candidates.delete_result(key, waiting)
        platform(sandbox).expire(key, waiting)  # access ran out before the candidate started
        await mettl.candidates.delete_result(key, waiting)
    assert in_progress.value.code == "E005"
    assert not_started.value.code == "E006"
    assert waiting not in platform(sandbox).world.schedules[key].candidates
    remaining = platform(sandbox).world.schedules[key].candidates
    assert done not in remaining
    assert expired not in remaining
    assert running in remaining
    assert [r.method for r in seen(sandbox, "/candidates/")] == ["DELETE"] * 5


async def test_a_candidates_results_across_the_account_page_in_v3_only(
    mettl_rest_sandbox_factory: StartRest,
) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    email = "cand0@example.com"
    homes = {s.access_key for s, _ in platform(sandbox).world.results_of(email)}
    assert len(homes) == 2
    async with client(sandbox) as v2:
        whole = await v2.candidates.of_candidate(email).to_list()
        with pytest.raises(InputError, match="page_size: a candidate's results are paged only in API v3"):
            v2.candidates.of_candidate(email, page_size=1)
    async with client(sandbox, api_version="v3") as v3:
        paged = [r async for r in v3.candidates.of_candidate(email, page_size=1)]
    async with client(sandbox, api_version="v1") as v1:
        by_sha1 = await v1.candidates.of_candidate(email, qr=False).to_list()
    assert (
        {r.access_key for r in whole}
        == {r.access_key for r in paged}
        == {r.access_key for r in by_sha1}
        == homes
    )
    assert all(r.schedule_title and r.assessment_name for r in whole)
    requests = seen(sandbox, "/candidates/cand0@example.com")
    versions = [r.raw_path.split("/")[2] for r in requests]
    assert versions[0] == "v2"  # the whole list at once
    assert versions[-1] == "v1"
    assert versions[1:-1].count("v3") == len(versions) - 2 >= 3  # paged (a page may be fetched ahead)
    assert "limit" not in requests[0].params
    assert (requests[1].params["limit"], requests[2].params["offset"]) == ("1", "1")


# -- GET /candidates/{email}: a response no document shows -------------------------------------


def _answering(body: dict[str, object]) -> Handler:
    async def answer(request: web.Request) -> web.Response:
        return web.json_response(body)

    return answer


@pytest.mark.parametrize("key", ["candidates", "results"])
async def test_a_candidates_results_are_read_under_each_plausible_key(key: str) -> None:
    """No document shows GET /candidates/{email}'s answer: ``results`` is read beside ``candidates``."""
    record = {"email": "a@example.com", "accessKey": "k1", "testStatus": {"status": "Completed"}}
    body = {"status": "SUCCESS", key: [record]}
    async with serving(_answering(body)) as url, MettlClient("pk", "sk", base_url=url + "/v2") as mettl:
        results = await mettl.candidates.of_candidate("a@example.com").to_list()
    assert [(r.email, r.access_key) for r in results] == [("a@example.com", "k1")]


async def test_a_candidates_results_under_no_known_key_name_the_keys_there() -> None:
    body = {"status": "SUCCESS", "items": [], "paging": {}}
    async with serving(_answering(body)) as url, MettlClient("pk", "sk", base_url=url + "/v2") as mettl:
        with pytest.raises(MalformedResponseError) as caught:
            await mettl.candidates.of_candidate("a@example.com").to_list()
    assert caught.value.message == (
        "/candidates/a@example.com: the response has no 'candidates' or 'results' "
        "(it has 'items', 'paging', 'status')"
    )
