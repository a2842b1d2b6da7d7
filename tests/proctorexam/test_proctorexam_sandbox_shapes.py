"""The ProctorExam sandbox sends the keys the models declare, and only those (issue 15, item 2).

Every endpoint that answers records is crawled through the client over loopback: a key no
model declares (and no shape lists as an extra: the vendor's samples carry a few) would show
as drift, and so would a key the models declare that the sandbox never sends. ProctorExam's
keys are its fields' names; a key renamed in a model still reaches every answer.
"""

from __future__ import annotations

import json
from typing import Any

from mettl_async import RetryPolicy
from mettl_async.proctorexam.client import ProctorExamClient
from mettl_async.testing import SandboxServer
from mettl_async.testing.proctorexam import ProctorExamSandbox, ProctorExamSandboxConfig
from tests.support.shapes import keys_sent, run_renamed, undeclared, unsent

FAST = RetryPolicy(backoff_initial=0.0, jitter=0.0)


async def crawl(sessions: int = 120) -> list[Any]:
    """Every record the sandbox's endpoints answer, as the client reads them."""
    sandbox = ProctorExamSandbox(ProctorExamSandboxConfig(sessions=sessions))
    world = sandbox.world
    exam_id = next(
        e["id"] for e in world.exams.values() if e["status"] == "open" and world.attachments(e["id"])
    )
    proctor = next(u for u in world.users.values() if u["role"] == "proctor")
    colleague = next(
        u for u in world.users.values() if u["institute_id"] == world.exams[exam_id]["institute_id"]
    )
    finished = next(
        i for i in range(1, sessions + 1) if (world.sessions.get(i) or {}).get("status") == "exam_finished"
    )
    records: list[Any] = []
    async with SandboxServer(sandbox) as server:
        client: ProctorExamClient
        async with server.client(retry=FAST) as client:
            records += [i async for i in client.institutes.list()]
            records.append(await client.institutes.get(1))
            records += [u async for u in client.users.list(1)]
            records.append(await client.users.get(1, 1))
            records.append(await client.users.create(1, "new@example.com", "New", "teacher"))
            records += [e async for e in client.exams.list()]
            records.append(await client.exams.get(exam_id))
            records.append(await client.exams.add_comanager(exam_id, colleague["id"]))
            records += [s async for s in client.student_sessions.all(page_size=50, max_items=100)]
            records += [s async for s in client.student_sessions.of_exam(exam_id)]
            records.append(await client.student_sessions.get(finished))
            records.append(await client.student_sessions.assign_proctor(finished, proctor["id"]))
            records.append(await client.student_sessions.reviewable(finished))
            records += [a async for a in client.attachments.list(exam_id)]
            records.append(await client.attachments.create(exam_id, "notes.txt", b"notes", "text/plain"))
            records += [d async for d in client.documents.list(exam_id)]
            records.append(
                await client.documents.create(exam_id, "Read me", filename="a.pdf", content=b"%PDF")
            )
    return records


async def test_every_key_sent_is_declared_and_every_declared_key_is_sent() -> None:
    seen = keys_sent(await crawl())
    assert undeclared(seen) == {}
    assert unsent(seen, "proctorexam") == {}


def test_a_wire_key_renamed_in_a_model_is_the_sandbox_s_key() -> None:
    # In a fresh interpreter: the models are renamed before the sandbox exists.
    done = run_renamed(
        {
            "mettl_async.proctorexam.models:StudentSession": ("email", "mail"),
            "mettl_async.proctorexam.models:Exam": ("duration_minutes", "minutes"),
        },
        """
        import asyncio, json
        from mettl_async.proctorexam.models import Exam, StudentSession
        from tests.proctorexam.test_proctorexam_sandbox_shapes import crawl
        from tests.support.shapes import keys_sent, records_in, undeclared

        records = list(records_in(asyncio.run(crawl(60))))
        seen = keys_sent(records)
        found = {
            "keys": seen[StudentSession] | seen[Exam],
            "undeclared": undeclared(seen),
            "read": [r.email for r in records if isinstance(r, StudentSession)][:1],
        }
        print(json.dumps(found, default=sorted))
        """,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert {"mail", "minutes"} <= set(found["keys"])
    assert not {"email", "duration_minutes"} & set(found["keys"])
    assert found["undeclared"] == {}
    assert found["read"] == ["student1@example.com"]  # the client reads the new key
