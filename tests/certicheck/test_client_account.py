"""The CertiCHECK client's account-wide endpoints against the sandbox, over real loopback sockets:
time zones (section 2), the account (3), the tests list (6), and authentication through the client."""

from __future__ import annotations

import pytest

from mettl_async import (
    AuthenticationError,
    CertiCheckClient,
    ClientOptions,
    ConflictError,
    InputError,
    ValidationError,
)
from mettl_async.certicheck.models import (
    AccountInfo,
    AccountSettings,
    ApplicantDashboardViewSettings,
    EmailSettings,
    RegistrationField,
    Test,
    Timezone,
)
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.certicheck_support import FAST, StartSandbox, sent

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
