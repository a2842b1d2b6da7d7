"""The REST sandbox sends the keys the models declare, and only those (issue 15, item 2).

Every endpoint that answers records, and every webhook the lifecycle posts, is crawled through
the client over loopback: a key no model declares (and no shape lists as an extra) would show
as drift, and so would a key the models declare that the sandbox never sends. A wire key
renamed in a model reaches the sandbox's answers and webhooks, and the client still reads them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from mettl_async import RetryPolicy
from mettl_async.mettl_rest.client import MettlClient
from mettl_async.mettl_rest.specs import (
    Access,
    AssessmentSettings,
    CandidateRegistration,
    ScheduleSpec,
    WebProctoringSpec,
    Window,
)
from mettl_async.mettl_rest.webhooks import parse
from mettl_async.testing import SandboxServer
from mettl_async.testing.mettl_rest import MettlRestConfig, MettlRestSandbox
from tests.support.shapes import keys_sent, run_renamed, undeclared, unsent

FAST = RetryPolicy(backoff_initial=0.0, jitter=0.0)


async def crawl(candidates: int = 300) -> list[Any]:
    """Every record the sandbox's endpoints answer and its webhooks carry, as the client reads them."""
    sandbox = MettlRestSandbox(MettlRestConfig(candidates=candidates, webhook_attempts=1))
    seeded_key, seeded = next(iter(sandbox.world.schedules.items()))
    seeded_email = next(iter(seeded.candidates))
    assessment_id = next(iter(sandbox.world.assessments))
    records: list[Any] = []
    async with SandboxServer(sandbox) as server:
        hook = f"{server.origin}/hook"  # answered 404 by the server itself: delivered once, at once
        client: MettlClient
        async with server.client(retry=FAST) as client:
            records.append(await client.account.get())
            records += await client.account.pbts()
            settings = AssessmentSettings(
                instructions="Read it all",
                allow_copy_paste=False,
                exit_redirection_url="https://example.com/done",
                show_report_to_candidate=True,
                on_screen_calculator=True,
            )
            await client.assessments.edit_settings(assessment_id, settings)
            records += [a async for a in client.assessments.list()]
            spec = ScheduleSpec(
                name="Crawled",
                source_app="crawl",
                access=Access(
                    type="ByInvitation", send_email=False, candidates=(("new@example.com", "New"),)
                ),
                schedule_type="Fixed",
                schedule_window=Window(
                    open_time=datetime(2030, 1, 1, 9),
                    close_time=datetime(2031, 1, 1, 9),
                    fixed_access_option="ExactTime",
                    duration=30,
                ),
                web_proctoring=WebProctoringSpec(enabled=True, count=3, show_remaining_counts=True),
                image_proctoring=True,
                test_start_notification_url=hook,
                test_finish_notification_url=hook,
                test_graded_notification_url=hook,
                test_resume_enabled_for_expired_test_url=hook,
            )
            created = await client.schedules.create(assessment_id, spec)
            records.append(created)
            assert created.access_key is not None
            records.append(await client.schedules.get(created.access_key))
            records += [s async for s in client.schedules.all()]
            registration = [
                CandidateRegistration("new@example.com", {"First Name": "New"}, context_data="c1")
            ]
            records += await client.candidates.register(created.access_key, registration)
            records += await client.candidates.register(created.access_key, registration)  # refused
            for note in await sandbox.complete(created.access_key, "new@example.com"):
                records.append(parse(note.body).event)
            records.append(await client.candidates.result(created.access_key, "new@example.com"))
            records += [r async for r in client.candidates.results(seeded_key, page_size=100, max_items=200)]
            records += [r async for r in client.candidates.of_candidate(seeded_email)]
    return records


async def test_every_key_sent_is_declared_and_every_declared_key_is_sent() -> None:
    seen = keys_sent(await crawl())
    assert undeclared(seen) == {}
    assert unsent(seen, "mettl_rest") == {}


def test_a_wire_key_renamed_in_a_model_is_the_sandbox_s_key() -> None:
    # In a fresh interpreter: the models are renamed before the sandbox exists.
    done = run_renamed(
        {
            "mettl_async.mettl_rest.results:TestStatus": ("overall_status", "overall"),
            "mettl_async.mettl_rest.results:SkillMarks": ("skill_name", "skill"),
            "mettl_async.mettl_rest.models:WhiteLabelInfo": ("button_color", "buttons"),
        },
        """
        import asyncio, json
        from mettl_async.mettl_rest.models import WhiteLabelInfo
        from mettl_async.mettl_rest.results import SkillMarks, TestStatus
        from tests.mettl_rest.test_mettl_sandbox_shapes import crawl
        from tests.support.shapes import keys_sent, records_in, undeclared

        records = list(records_in(asyncio.run(crawl(60))))
        seen = keys_sent(records)
        found = {
            "keys": seen[TestStatus] | seen[SkillMarks] | seen[WhiteLabelInfo],
            "undeclared": undeclared(seen),
            "read": sorted({str(r.overall_status) for r in records if isinstance(r, TestStatus)}),
        }
        print(json.dumps(found, default=sorted))
        """,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert {"overall", "skill", "buttons"} <= set(found["keys"])
    assert not {"overallStatus", "skillName", "buttonColor"} & set(found["keys"])
    assert found["undeclared"] == {}
    assert "Completed" in found["read"]  # the client reads the new key
