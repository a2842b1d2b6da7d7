"""The CertiCHECK client's applicant endpoints against the sandbox, over real loopback sockets:
registration, test allocation, direct login, enrolled applicants and results (sections 4.1 to 4.8)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from mettl_async import CertiCheckClient, ConflictError, InputError, NotFoundError, ValidationError
from mettl_async.certicheck.models import (
    ApplicantRegistration,
    ApplicantResult,
    Certificate,
    EnrolledApplicant,
    RegisteredApplicant,
    TestAllocation,
    TestRef,
)
from mettl_async.certicheck.services import batches
from mettl_async.core.records import compact_json
from mettl_async.testing import SandboxThread
from tests.support.certicheck_support import form_post, sent


def person(email: str, first: str = "Ada") -> ApplicantRegistration:
    return ApplicantRegistration(email, {"First Name": first, "Last Name": "Lovelace"})


# -- 4.1 registration ----------------------------------------------------------------------------


async def test_register_new_applicants(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    done = await client.applicants.register([person("new1@example.com"), person("new2@example.com")])
    assert all(isinstance(a, RegisteredApplicant) for a in done)
    assert [(a.email, a.status) for a in done] == [
        ("new1@example.com", "Activation Pending"),
        ("new2@example.com", "Activation Pending"),
    ]
    assert all(a.activation_url and "createPassword?em=" in a.activation_url for a in done)
    assert "new1@example.com" in sandbox.sandbox.world.applicants


async def test_register_admin_verified_then_login_url(client: CertiCheckClient) -> None:
    [done] = await client.applicants.register([person("sso@example.com")], admin_verified=True)
    assert done.status == "Active"
    url = await client.applicants.login_url("sso@example.com")
    assert url.startswith("http://sandbox.mettl.xyz/applicant/dashboard?ssoToken=")


async def test_readding_a_deleted_applicant_says_deleted_then_pending(
    client: CertiCheckClient, sandbox: SandboxThread
) -> None:
    deleted = [a.email for i, a in enumerate(sandbox.sandbox.world.applicants.values()) if i % 29 == 13]
    assert deleted == ["app13@yopmail.com", "app42@yopmail.com"]
    [first] = await client.applicants.register([person(deleted[0])])
    [second] = await client.applicants.register([person(deleted[0])])
    assert (first.status, second.status) == ("Deleted", "PENDING")


async def test_register_many_batches_by_twenty(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    people = [person(f"bulk{i}@example.com") for i in range(21)]
    assert [len(b) for b in batches(people)] == [20, 1]
    done = await client.applicants.register_many(people)
    assert [a.email for a in done] == [p.email for p in people]
    assert len(sent(sandbox, "/registerApplicant")) == 2


async def test_register_checks_the_batch_before_sending(
    client: CertiCheckClient, sandbox: SandboxThread
) -> None:
    with pytest.raises(InputError):
        await client.applicants.register([person(f"x{i}@example.com") for i in range(21)])
    with pytest.raises(InputError):
        await client.applicants.register([person("dup@example.com"), person("DUP@example.com")])
    assert not sandbox.sandbox.requests


async def test_missing_mandatory_field_is_e003(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    rd = {
        "registrationDetails": [
            {"Email Address": "one@example.com", "First Name": "One"},
            {"Email Address": "two@example.com"},
        ]
    }
    with pytest.raises(ValidationError) as caught:
        await client.session.request(form_post("/registerApplicant", {"rd": compact_json(rd)}))
    assert caught.value.code == "E003"
    assert caught.value.message == (
        "Mandatory parameter First Name for registration not supplied for applicant #2"
    )
    assert len(sent(sandbox, "/registerApplicant")) == 1
    assert "one@example.com" not in sandbox.sandbox.world.applicants


# -- 4.2 test allocation -------------------------------------------------------------------------


async def test_change_tests_adds_and_removes(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    applicant = sandbox.sandbox.world.applicants["app14@yopmail.com"]
    assert applicant.tests == {102, 110}
    await client.applicants.change_tests(
        [TestAllocation("app14@yopmail.com", add=[TestRef(101, "Certification 01")], remove=[TestRef(102)])]
    )
    assert applicant.tests == {101, 110}
    assert sandbox.sandbox.world.applicants["app14@yopmail.com"].tests == {101, 110}


@pytest.mark.parametrize(
    ("allocation", "code"),
    [
        (TestAllocation("app14@yopmail.com", add=[TestRef(110)]), "E604"),
        (TestAllocation("app14@yopmail.com", remove=[TestRef(101)]), "E605"),
        (TestAllocation("app14@yopmail.com", add=[TestRef(105)]), "E606"),  # unpublished
    ],
)
async def test_change_tests_errors(
    client: CertiCheckClient, sandbox: SandboxThread, allocation: TestAllocation, code: str
) -> None:
    with pytest.raises((ConflictError, NotFoundError)) as caught:
        await client.applicants.change_tests([allocation])
    assert caught.value.code == code
    assert sandbox.sandbox.world.applicants["app14@yopmail.com"].tests == {102, 110}


# -- 4.3 direct login ----------------------------------------------------------------------------


async def test_login_url_is_the_plain_text_url(client: CertiCheckClient) -> None:
    url = await client.applicants.login_url("app0@yopmail.com")
    assert url.startswith("http://sandbox.mettl.xyz/applicant/dashboard?ssoToken=")
    assert url.endswith("%3D%3D")  # the body as sent: not JSON-decoded, not URL-decoded, no newline


async def test_login_url_e119_when_not_admin_verified(client: CertiCheckClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.applicants.login_url("app1@yopmail.com")
    assert caught.value.code == "E119"


# -- 4.4 enrolled applicants ---------------------------------------------------------------------


async def test_enrolled_pages_until_e022_past_the_last_page(
    client: CertiCheckClient, sandbox: SandboxThread
) -> None:
    world = sandbox.sandbox.world
    slot_ids = {s.slot_id for s in world.windows[151].slots}
    expected = [b.email for b in world.bookings if b.slot_id in slot_ids]
    assert len(expected) == 4

    rows = await client.applicants.enrolled(151, page_size=1).to_list()

    assert [r.email for r in rows] == expected
    assert all(isinstance(r, EnrolledApplicant) and isinstance(r.crf, dict) for r in rows)
    assert all(isinstance(r.booking_time, datetime) for r in rows)
    requests = sent(sandbox, "/getAllCandidateEnrolledInSlotWindow")
    answered = {int(r.params["offset"]): r.error_code for r in requests}
    assert [answered[offset] for offset in range(5)] == [None] * 4 + ["E022"]
    assert all(
        code == "E022" for offset, code in answered.items() if offset >= 4
    )  # fetched ahead, past the end


async def test_enrolled_reads_crf_sent_as_a_json_string(
    client: CertiCheckClient, sandbox: SandboxThread
) -> None:
    rows = {r.email: r async for r in client.applicants.enrolled(151)}
    assert sandbox.sandbox.world.applicants["app7@yopmail.com"].crf_as_text
    crf = rows["app7@yopmail.com"].crf
    assert crf is not None
    assert (crf["Email Address"], crf["First Name"]) == ("app7@yopmail.com", "APP 7")


async def test_enrolled_candidate_name_without_last_name_reads_null(client: CertiCheckClient) -> None:
    rows = {r.email: r async for r in client.applicants.enrolled(151)}
    assert rows["app37@yopmail.com"].candidate_name == "APP 37 null"  # as the document's "APP 1000 null"


async def test_enrolled_first_page_e022_is_not_found(client: CertiCheckClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.applicants.enrolled(999_999).to_list()
    assert caught.value.code == "E022"


# -- 4.5 to 4.8 results --------------------------------------------------------------------------


async def test_results_all(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    results = await client.results.all(page_size=7).to_list()
    assert [r.email for r in results] == [a.email for a in sandbox.sandbox.world.applicants.values()]
    assert all(isinstance(r, ApplicantResult) and isinstance(r.registration_date, date) for r in results)
    certificates = [c for r in results for c in r.certificates]
    assert certificates
    assert all(isinstance(c, Certificate) for c in certificates)
    assert all(c.payment_date is not None and c.payment_date.tzinfo for c in certificates)
    offsets = {int(r.params.get("offset", 0)) for r in sent(sandbox, "/getAllApplicantResults")}
    assert set(range(0, 60, 7)) <= offsets  # ceil(60 / 7) pages; a few more were fetched ahead
    assert len(offsets) <= 9 + client.session.prefetch_window()


async def test_results_of_assessment(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    results = await client.results.of_assessment(101).to_list()
    expected = [a.email for a in sandbox.sandbox.world.applicants.values() if 101 in a.tests]
    assert [r.email for r in results] == expected
    assert {c.certification_name for r in results for c in r.certificates} == {"Certification 01"}


async def test_results_of_unknown_assessment_is_e001(client: CertiCheckClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.results.of_assessment(999)
    assert caught.value.code == "E001"


async def test_results_of_applicant_with_plus_in_the_email(
    client: CertiCheckClient, sandbox: SandboxThread
) -> None:
    results = await client.results.of_applicant("app+18@yopmail.com").to_list()
    assert {r.email for r in results} == {"app+18@yopmail.com"}
    assert sorted(c.certification_name or "" for r in results for c in r.certificates) == [
        "Certification 01",
        "Certification 03",
        "Certification 04",
    ]
    [request] = sandbox.sandbox.requests
    assert request.raw_path.split("?")[0] == "/api/v2/getApplicantResults/app+18@yopmail.com"
    assert request.error_code is None  # signed exactly as sent


async def test_results_of_applicant_in_assessment(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    [result] = await client.results.of_applicant_in_assessment(104, "app+18@yopmail.com")
    assert isinstance(result, ApplicantResult)
    assert [c.certification_name for c in result.certificates] == ["Certification 04"]
    [request] = sandbox.sandbox.requests
    assert "/getApplicantResultsOfAssessment/104/app+18@yopmail.com" in request.raw_path


async def test_results_of_unknown_applicant_is_e111(client: CertiCheckClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.results.of_applicant_in_assessment(101, "nobody@example.com")
    assert caught.value.code == "E111"
