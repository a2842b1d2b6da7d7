"""The CertiCHECK client's slot endpoints against the sandbox, over real loopback sockets: creating
slot windows, listing them, slot details, booking, release and delete (sections 5.1 to 5.6)."""

from __future__ import annotations

from datetime import datetime

import pytest

from mettl_async import CertiCheckClient, ConflictError, InputError, NotFoundError, ValidationError
from mettl_async.certicheck.models import SlotCandidate, SlotDetails, SlotWindow
from mettl_async.core.records import compact_json
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.certicheck_support import FAST, StartSandbox, form_post, sent, window

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
