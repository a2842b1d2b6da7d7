"""Every CertiCHECK endpoint of the client against the sandbox, over real loopback sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date, datetime

import pytest

from mettl_async import (
    AuthenticationError,
    CertiCheckClient,
    ClientOptions,
    ConflictError,
    InputError,
    NotFoundError,
    RetryPolicy,
    ValidationError,
)
from mettl_async.certicheck.models import (
    AccountInfo,
    AccountSettings,
    ApplicantDashboardViewSettings,
    ApplicantRegistration,
    ApplicantResult,
    Certificate,
    EmailSettings,
    EnrolledApplicant,
    RegisteredApplicant,
    RegistrationField,
    SlotCandidate,
    SlotDetails,
    SlotWindow,
    Test,
    TestAllocation,
    TestRef,
    Timezone,
)
from mettl_async.certicheck.services import batches
from mettl_async.certicheck.slots import (
    SlotHours,
    SlotWindowSpec,
)
from mettl_async.core.records import compact_json
from mettl_async.core.request import Placement, Request
from mettl_async.testing import FakeClock, RecordedRequest, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig

FAST = RetryPolicy(backoff_initial=0.0, jitter=0.0)
StartSandbox = Callable[..., SandboxThread]


def form_post(path: str, params: dict[str, str]) -> Request:
    """A raw POST the services would refuse to build (to see the server's own error)."""
    return Request("POST", path, params, placement=Placement.FORM)


@pytest.fixture
def clock() -> FakeClock:
    """The sandbox's and the client's time: a repeated identical call waits for the next second
    (a signature is single-use), at once."""
    return FakeClock()


@pytest.fixture
def sandbox(certicheck_sandbox_factory: StartSandbox, clock: FakeClock) -> SandboxThread:
    return certicheck_sandbox_factory(SandboxConfig(applicants=60, clock=clock.time))


@pytest.fixture
async def client(sandbox: SandboxThread, clock: FakeClock) -> AsyncIterator[CertiCheckClient]:
    async with sandbox.client(retry=FAST, clock=clock.time, sleep=clock.sleep) as client:
        yield client


def sent(sandbox: SandboxThread, endpoint: str) -> list[RecordedRequest]:
    """The requests the sandbox saw for one endpoint (``/tests``, ``/registerApplicant``…)."""
    path = "/api/v2" + endpoint
    return [r for r in sandbox.sandbox.requests if r.raw_path.split("?")[0] == path]


def person(email: str, first: str = "Ada") -> ApplicantRegistration:
    return ApplicantRegistration(email, {"First Name": first, "Last Name": "Lovelace"})


def window(name: str = "Morning", day: date = date(2026, 3, 2)) -> SlotWindowSpec:
    return SlotWindowSpec(name, day, day, [SlotHours(9, 10), SlotHours(11, 12)], capacity_per_slot=5)


# -- 2. time zones -------------------------------------------------------------------------------


async def test_timezones_list(client: CertiCheckClient) -> None:
    zones = await client.timezones.list()
    assert all(isinstance(z, Timezone) for z in zones)
    kolkata = next(z for z in zones if z.tzid == "Asia/Kolkata")
    assert (kolkata.id, kolkata.difference) == (67, "+05:30")


async def test_set_account_timezone_when_already_set_is_e104(client: CertiCheckClient) -> None:
    with pytest.raises(ConflictError) as caught:
        await client.timezones.set_account_timezone("Europe/Berlin")
    assert caught.value.code == "E104"
    assert caught.value.message == "Sorry, time zone is already set for this account."


async def test_set_account_timezone_on_a_fresh_account(certicheck_sandbox_factory: StartSandbox) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, timezone_set=False))
    async with sandbox.client(retry=FAST) as client:
        await client.timezones.set_account_timezone("Asia/Kolkata")
    assert sandbox.sandbox.world.timezone == "Asia/Kolkata"
    assert sent(sandbox, "/setAdminTimeZone")[0].params["data"] == '{"tzid":"Asia/Kolkata"}'


# -- 3. account ----------------------------------------------------------------------------------


async def test_account_get(client: CertiCheckClient) -> None:
    info = await client.account.get()
    assert isinstance(info, AccountInfo)
    assert info.email == "john.doe@nextbigapp.com"
    assert all(isinstance(f, RegistrationField) for f in info.registration_fields)
    required = {f.name for f in info.registration_fields if f.required}
    assert required == {"Email Address", "First Name"}


async def test_account_update_sends_only_the_sections_set(
    client: CertiCheckClient, sandbox: SandboxThread
) -> None:
    settings = AccountSettings(
        email_settings=EmailSettings(send_slot_selection_email=True),
        applicant_dashboard_view_settings=ApplicantDashboardViewSettings(
            sort_by_name=False, sort_by_publish_date=True
        ),
    )
    await client.account.update(settings)
    assert sandbox.sandbox.world.settings == {
        "emailSettings": {"sendSlotSelectionEmail": True},
        "applicantDashboardViewSettings": {"sortByName": False, "sortByPublishDate": True},
    }


async def test_account_update_e106_on_an_open_account(certicheck_sandbox_factory: StartSandbox) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, invite_only=False))
    settings = AccountSettings(email_settings=EmailSettings(send_email_on_assigning_test=True))
    async with sandbox.client(retry=FAST) as client:
        with pytest.raises(ValidationError) as caught:
            await client.account.update(settings)
    assert caught.value.code == "E106"
    assert len(sent(sandbox, "/accountSettings")) == 1


async def test_account_update_with_nothing_set_sends_nothing(
    client: CertiCheckClient, sandbox: SandboxThread
) -> None:
    with pytest.raises(InputError):
        await client.account.update(AccountSettings())
    assert not sandbox.sandbox.requests


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


# -- 5.1 create slot -----------------------------------------------------------------------------


async def test_create_slot_window(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    before = set(sandbox.sandbox.world.windows)
    await client.slots.create(window("Morning"))
    [new] = set(sandbox.sandbox.world.windows) - before
    created = sandbox.sandbox.world.windows[new]
    assert (created.name, created.capacity, len(created.slots)) == ("Morning", 5, 2)
    [request] = sent(sandbox, "/createSlot")
    assert request.params["cr"].startswith('{"name":"Morning","fromDate":"02 Mar, 2026","toDate"')


async def test_create_slot_e019_without_a_time_zone(certicheck_sandbox_factory: StartSandbox) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, timezone_set=False))
    async with sandbox.client(retry=FAST) as client:
        with pytest.raises(ConflictError) as caught:
            await client.slots.create(window())
        assert caught.value.code == "E019"
        assert caught.value.message == "Cannot perform any API slot actions without setting the time zone id"
        await client.timezones.set_account_timezone("UTC")
        await client.slots.create(window())
    assert len(sandbox.sandbox.world.windows) == 4


async def test_create_slot_e020_names_the_bad_field(client: CertiCheckClient) -> None:
    cr = {
        "name": "Bad",
        "fromDate": "2018-05-25",
        "toDate": "31 May, 2018",
        "capacityPerSlot": None,
        "slots": [{"startTime": 0, "endTime": 5}],
    }
    with pytest.raises(ValidationError) as caught:
        await client.session.request(form_post("/createSlot", {"cr": compact_json(cr)}))
    assert caught.value.code == "E020"
    assert caught.value.message == (
        "Incorrect format in slot creation data : {fromDate=Date format is invalid. "
        "Please enter date in dd MMM, yy format (e.g. 14 Jan, 15)}"
    )


# -- 5.2 slot windows ----------------------------------------------------------------------------


async def test_slot_windows_follow_next_url_on_the_configured_host_only(
    client: CertiCheckClient, sandbox: SandboxThread
) -> None:
    for i in range(22):
        await client.slots.create(window(f"W{i:02d}"))
    pages = [page async for page in client.slots.windows(page_size=50).pages()]

    assert [len(page) for page in pages] == [10, 10, 5]  # the server's 10 per page wins over 50
    assert pages[0].payload["nextUrl"].startswith("http://localhost:8092/api/v1//getAllSlotWindows?")
    windows = [w for page in pages for w in page.items]
    assert all(isinstance(w, SlotWindow) for w in windows)
    assert sorted(w.slot_window_id or 0 for w in windows) == sorted(sandbox.sandbox.world.windows)
    requests = sent(sandbox, "/getAllSlotWindows")
    asked = {(r.params.get("offset"), r.params["limit"]) for r in requests}
    assert {(None, "50"), ("10", "50"), ("20", "50")} <= asked  # plus pages fetched ahead, past the end
    assert all(limit == "50" and int(offset or 0) % 10 == 0 for offset, limit in asked)
    host = f"127.0.0.1:{sandbox.server.port}"
    assert all(r.host == host and r.raw_path.startswith("/api/v2/") for r in sandbox.sandbox.requests)
    assert all(r.error_code is None for r in sandbox.sandbox.requests)


async def test_slot_windows_typed_and_deactivated_last(client: CertiCheckClient) -> None:
    await client.slots.create(window())
    windows = await client.slots.windows().to_list()
    assert windows[-1].status is True  # the seeded 60-applicant world has only active windows
    assert all(isinstance(s.from_time, datetime) for w in windows for s in w.slots)
    assert windows[0].name == "Morning"  # newest first


async def test_slot_windows_e033_with_stray_space_without_a_time_zone(
    certicheck_sandbox_factory: StartSandbox,
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, timezone_set=False))
    async with sandbox.client(retry=FAST) as client:
        with pytest.raises(ConflictError) as caught:
            await client.slots.windows()
    assert caught.value.code == "E033"
    assert b'"E033 "' in caught.value.body


# -- 5.3 slot details ----------------------------------------------------------------------------


async def test_slot_details(client: CertiCheckClient) -> None:
    details = await client.slots.details(34570)
    assert isinstance(details, SlotDetails)
    assert details.slot_window_id == 152
    assert details.slot_window_name == "WINDOW_002"
    assert details.enrolled_count == len(details.candidates) == 2
    assert all(isinstance(c, SlotCandidate) for c in details.candidates)
    assert {c.email for c in details.candidates} == {"app23@yopmail.com", "app26@yopmail.com"}


async def test_slot_candidates_page_through(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    candidates = await client.slots.candidates(34570, page_size=1).to_list()
    assert [c.email for c in candidates] == ["app23@yopmail.com", "app26@yopmail.com"]
    asked = sorted(int(r.params["offset"]) for r in sent(sandbox, "/getSlotDetails"))
    assert asked[:2] == [0, 1]  # and perhaps a page fetched ahead, past the end


async def test_slot_details_of_unknown_slot_is_e023(client: CertiCheckClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await client.slots.details(1)
    assert caught.value.code == "E023"


# -- 5.4 to 5.6 booking, release, delete ---------------------------------------------------------


async def test_book_then_e025_then_release_then_e112(
    client: CertiCheckClient, sandbox: SandboxThread
) -> None:
    bookings = sandbox.sandbox.world.bookings
    await client.slots.book("app1@yopmail.com", slot_id=34561, timezone_id=67, assessment_id=102)
    assert (bookings[-1].email, bookings[-1].slot_id) == ("app1@yopmail.com", 34561)
    assert '"timeZoneId":67' in sent(sandbox, "/bookSlotsForApplicants")[0].params["sga"]

    with pytest.raises(ConflictError) as again:
        await client.slots.book("app1@yopmail.com", slot_id=34561, timezone_id=67, assessment_id=102)
    assert again.value.code == "E025"

    await client.slots.release("app1@yopmail.com", 102)
    assert all(b.email != "app1@yopmail.com" for b in bookings)
    with pytest.raises(ConflictError) as released:
        await client.slots.release("app1@yopmail.com", 102)
    assert released.value.code == "E112"


async def test_book_unpaid_is_e030(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    assert not sandbox.sandbox.world.applicants["app3@yopmail.com"].certificates
    with pytest.raises(ConflictError) as caught:
        await client.slots.book("app3@yopmail.com", slot_id=34561, timezone_id=67, assessment_id=101)
    assert caught.value.code == "E030"


async def test_delete_window_then_e039(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    await client.slots.delete_window(152)
    assert 152 not in sandbox.sandbox.world.windows
    with pytest.raises(NotFoundError) as caught:
        await client.slots.delete_window(152)
    assert caught.value.code == "E039"
    assert len(sent(sandbox, "/deleteSlotWindow")) == 2


async def test_slot_ids_checked_before_sending(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    with pytest.raises(InputError):
        await client.slots.book("app1@yopmail.com", slot_id=0, timezone_id=67, assessment_id=109)
    with pytest.raises(InputError):
        await client.slots.release("not-an-email", 109)
    with pytest.raises(InputError):
        await client.slots.delete_window(-1)
    assert not sandbox.sandbox.requests


# -- 6. tests ------------------------------------------------------------------------------------


async def test_tests_list_published_by_offset(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    tests = await client.tests.list(page_size=3).to_list()
    assert all(isinstance(t, Test) and t.status == "Published" for t in tests)
    expected = [t.test_id for t in sandbox.sandbox.world.tests.values() if t.published]
    assert [t.test_id for t in tests] == expected
    asked = sorted(int(r.params["offset"]) for r in sent(sandbox, "/tests"))
    assert asked[:4] == [0, 3, 6, 9]  # then at most the window's worth fetched ahead, past the end


async def test_tests_list_unpublished(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    tests = await client.tests.list(status="UnPublished").to_list()
    assert [(t.test_id, t.status) for t in tests] == [(105, "UnPublished"), (111, "UnPublished")]
    assert sent(sandbox, "/tests")[0].params["status"] == "UnPublished"


async def test_tests_list_bad_status_sends_nothing(client: CertiCheckClient, sandbox: SandboxThread) -> None:
    with pytest.raises(InputError) as caught:
        client.tests.list(status="published")
    assert caught.value.field == "status"
    assert not sandbox.sandbox.requests


# -- authentication through the client -----------------------------------------------------------


async def test_wrong_private_key_is_e401(sandbox: SandboxThread) -> None:
    async with CertiCheckClient(
        "sandbox-public-key",
        "not-the-key",
        "sandbox",
        base_url=sandbox.base_url,
        options=ClientOptions(retry=FAST),
    ) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.account.get()
    assert caught.value.code == "E401"
    # Not retried; a first call refused for its signature is signed the other way once
    # (section 8.2's Example 1: tests/certicheck/test_subdomain_reading.py).
    assert len(sandbox.sandbox.requests) == 2
