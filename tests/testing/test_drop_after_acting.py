"""The sandboxes' writes can act and then lose their answer (``drop_after_acting``), as a network
that fails on the way back would: the client sees a lost connection, the sandbox keeps the write,
and the request is recorded as acted on."""

from __future__ import annotations

from typing import Any

import pytest

from mettl_async.certicheck.models import ApplicantRegistration
from mettl_async.core.errors import ConnectionLostError
from mettl_async.core.retry import RetryPolicy
from mettl_async.mettl_rest.specs import CandidateRegistration
from mettl_async.testing import AfterActing
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig
from mettl_async.testing.mettl_rest import MettlRestConfig, MettlRestSandbox


async def test_a_certicheck_registration_acts_then_drops(certicheck_sandbox_factory: Any) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(drop_after_acting=1))
    platform = sandbox.get(CertiCheckSandbox)
    applicant = ApplicantRegistration("lost@example.org", {"First Name": "Lost"})
    async with sandbox.client(retry=RetryPolicy(attempts=3)) as client:
        with pytest.raises(ConnectionLostError):
            await client.applicants.register([applicant])
        # the next write is answered, and a read is never dropped
        assert [r.email for r in await client.applicants.register([applicant])] == ["lost@example.org"]
    assert "lost@example.org" in platform.world.applicants
    posts = [r for r in platform.requests if r.raw_path.startswith("/api/v2/registerApplicant")]
    assert [r.acted for r in posts] == [True, True]


async def test_a_rest_registration_acts_then_drops(mettl_rest_sandbox_factory: Any) -> None:
    sandbox = mettl_rest_sandbox_factory(MettlRestConfig(drop_after_acting=1))
    platform = sandbox.get(MettlRestSandbox)
    key = next(iter(platform.world.schedules))
    async with sandbox.client() as client:
        with pytest.raises(ConnectionLostError):
            await client.candidates.register(key, [CandidateRegistration("lost@example.org")])
        found = await client.candidates.result(key, "lost@example.org")
    assert found.email == "lost@example.org"
    assert "lost@example.org" in platform.world.schedules[key].candidates


def test_a_seeded_share_of_writes_drops_the_same_ones_every_time() -> None:
    def dropped(seed: int) -> list[bool]:
        sandbox = CertiCheckSandbox(SandboxConfig(drop_after_acting=AfterActing(rate=0.3, seed=seed)))
        return [sandbox.answers.pick() for _ in range(200)]

    assert dropped(4) == dropped(4)
    assert dropped(4) != dropped(5)
    assert 30 < sum(dropped(4)) < 90
