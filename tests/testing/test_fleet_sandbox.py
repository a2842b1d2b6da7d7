"""Sandboxes serving many accounts: each its own data (from its name), credentials, rate limit
and recorded requests, told apart as the platform tells them."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from mettl_async import ApiError, AuthenticationError
from mettl_async.core.retry import RetryPolicy
from mettl_async.testing import AccountsSandbox, SandboxThread
from mettl_async.testing.certicheck import CertiCheckSandbox
from mettl_async.testing.mettl_rest import MettlRestSandbox
from mettl_async.testing.proctorexam import ProctorExamSandbox

Start = Callable[..., SandboxThread]


async def emails(client: Any) -> list[dict[str, Any]]:
    async with client:
        return [attrs.asdict(r) async for r in client.results.all()]


async def test_each_subdomain_has_its_own_applicants_the_same_every_run(sandbox_factory: Start) -> None:
    fleet = AccountsSandbox.of(CertiCheckSandbox, ["acme", "globex"], records=7)
    server = sandbox_factory(fleet)
    acme, globex = (fleet.accounts[name].client(server.base_url) for name in ("acme", "globex"))
    first, second = await emails(acme), await emails(globex)
    assert len(first) == len(second) == 7
    assert first != second
    again = AccountsSandbox.of(CertiCheckSandbox, ["acme"], records=7)
    assert await emails(again.accounts["acme"].client(sandbox_factory(again).base_url)) == first
    assert len(fleet.requests_of("acme")) >= 1
    assert len(fleet.requests_of("globex")) >= 1


async def test_a_subdomain_the_server_does_not_know_is_refused(sandbox_factory: Start) -> None:
    fleet = AccountsSandbox.of(CertiCheckSandbox, ["acme"], records=3)
    server = sandbox_factory(fleet)
    stranger = CertiCheckSandbox.for_account("initech", 3).client(server.base_url, retry=RetryPolicy.never())
    with pytest.raises(ApiError, match="E002: Invalid Access Key"):
        async with stranger:
            await stranger.tests.list()
    assert fleet.requests_of("acme")[-1].error_code is not None


@pytest.mark.parametrize(
    "platform", [MettlRestSandbox, ProctorExamSandbox], ids=["mettl_rest", "proctorexam"]
)
async def test_accounts_told_apart_by_key_and_a_wrong_secret_fails_alone(
    sandbox_factory: Start, platform: type[Any]
) -> None:
    fleet = AccountsSandbox.of(platform, ["north", "south"], records=5)
    server = sandbox_factory(fleet)
    north = fleet.accounts["north"].client(_base(fleet, server))
    async with north:
        await _touch(north)
    wrong = _wrong_secret(fleet.accounts["south"], _base(fleet, server))
    with pytest.raises((AuthenticationError, ApiError)):
        async with wrong:
            await _touch(wrong)
    assert {r.error_code for r in fleet.requests_of("north")} == {None}
    assert [r.error_code for r in fleet.requests_of("south")][-1] is not None


def _base(fleet: AccountsSandbox, server: SandboxThread) -> str:
    url = server.base_url_of(fleet)
    return f"{url}/v2" if isinstance(fleet.first, MettlRestSandbox) else url


async def _touch(client: Any) -> None:
    if hasattr(client, "assessments"):
        await client.assessments.list()
    else:
        await client.exams.list()


def _wrong_secret(sandbox: Any, base_url: str) -> Any:
    if isinstance(sandbox, MettlRestSandbox):
        return sandbox.client(base_url, private_key="not-the-key", retry=RetryPolicy.never())
    from mettl_async import ClientOptions, ProctorExamClient

    options = ClientOptions(retry=RetryPolicy.never())
    return ProctorExamClient(sandbox.config.api_token, "not-the-secret", base_url=base_url, options=options)


async def test_each_account_has_its_own_rate_limit_counted_at_the_server(sandbox_factory: Start) -> None:
    fleet = AccountsSandbox.of(CertiCheckSandbox, ["busy", "calm"], records=3, rate=2.0, burst=2)
    server = sandbox_factory(fleet)
    busy = fleet.accounts["busy"].client(server.base_url, retry=RetryPolicy.never())
    calm = fleet.accounts["calm"].client(server.base_url, retry=RetryPolicy.never())
    async with busy, calm:
        for size in range(1, 6):  # distinct requests, one after another: over busy's limit
            with contextlib.suppress(ApiError):
                await busy.tests.list(page_size=size)
        await calm.tests.list()
    assert fleet.throttled()["busy"] >= 1
    assert fleet.throttled()["calm"] == 0
    assert fleet.busiest_second("busy") >= 3
