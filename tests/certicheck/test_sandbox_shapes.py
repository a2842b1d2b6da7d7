"""The CertiCHECK sandbox sends the keys the models declare, and only those (issue 15, item 2).

Every endpoint that answers records is crawled through the client over loopback: a key no
model declares (and no shape lists as an extra) would show as drift, and a key the models
declare that the sandbox never sends would too. A wire key renamed in a model reaches the
sandbox's answers, the fast results pages included, and the client still reads them.
"""

from __future__ import annotations

import json
from typing import Any

from mettl_async import RetryPolicy
from mettl_async.certicheck.client import CertiCheckClient
from mettl_async.certicheck.models import ApplicantRegistration
from mettl_async.testing import SandboxServer
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig
from tests.support.shapes import keys_sent, run_renamed, undeclared, unsent

FAST = RetryPolicy(backoff_initial=0.0, jitter=0.0)


async def crawl(applicants: int = 400) -> list[Any]:
    """Every record the sandbox's endpoints answer, as the client reads them."""
    sandbox = CertiCheckSandbox(SandboxConfig(applicants=applicants))
    world = sandbox.world
    booked = world.bookings[0]
    window_id = next(
        w.window_id for w in world.windows.values() if any(s.slot_id == booked.slot_id for s in w.slots)
    )
    records: list[Any] = []
    async with SandboxServer(sandbox) as server:
        client: CertiCheckClient
        async with server.client(retry=FAST) as client:
            records += await client.timezones.list()
            records.append(await client.account.get())
            records += await client.applicants.register(
                [
                    ApplicantRegistration("new@example.com", {"First Name": "New"}),
                    ApplicantRegistration("app4@yopmail.com", {"First Name": "Four"}),
                ]
            )
            records += [r async for r in client.results.all(page_size=100, max_items=300)]
            records += [r async for r in client.results.of_assessment(101, page_size=50, max_items=100)]
            records += [r async for r in client.results.of_applicant(booked.email)]
            records += await client.results.of_applicant_in_assessment(booked.assessment_id, booked.email)
            records += [w async for w in client.slots.windows()]
            records += [e async for e in client.applicants.enrolled(window_id)]
            records.append(await client.slots.details(booked.slot_id))
            records += [t async for t in client.tests.list()]
            records += [t async for t in client.tests.list("UnPublished")]
    return records


async def test_every_key_sent_is_declared_and_every_declared_key_is_sent() -> None:
    seen = keys_sent(await crawl())
    assert undeclared(seen) == {}
    assert unsent(seen, "certicheck") == {}


def test_a_wire_key_renamed_in_a_model_is_the_sandbox_s_key() -> None:
    # In a fresh interpreter: the model is renamed before the sandbox (and its templates) exist.
    done = run_renamed(
        {"mettl_async.certicheck.models:Certificate": ("certification_name", "certName")},
        """
        import asyncio, json
        from mettl_async.certicheck.models import Certificate
        from tests.certicheck.test_sandbox_shapes import crawl
        from tests.support.shapes import keys_sent, undeclared

        records = asyncio.run(crawl(60))
        seen = keys_sent(records)
        names = {c.certification_name for r in records for c in getattr(r, "certificates", [])}
        found = {"keys": seen[Certificate], "undeclared": undeclared(seen), "names": names}
        print(json.dumps(found, default=sorted))
        """,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert "certName" in found["keys"]
    assert "certificationName" not in found["keys"]
    assert found["undeclared"] == {}
    assert found["names"][:2] == ["Certification 01", "Certification 02"]  # and the client reads it
