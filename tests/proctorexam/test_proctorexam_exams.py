"""The ProctorExam client's exams service against the sandbox, over real loopback sockets: listing with
filters and sorts, get, create, update, delete, input checked before sending, and co-managers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
import pytest

from mettl_async import InputError, NotFoundError, ValidationError
from mettl_async.proctorexam.client import ProctorExamClient
from mettl_async.proctorexam.models import Exam, User
from mettl_async.testing import RecordedRequest, SandboxThread
from tests.support.proctorexam_support import last, world


def query(request: RecordedRequest) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(request.raw_path).query))


# -- exams -----------------------------------------------------------------------------------------


async def test_exams_list_leaves_deleted_ones_out_unless_asked(
    client: ProctorExamClient, sandbox: SandboxThread
) -> None:
    every = world(sandbox).exams.values()
    listed = await client.exams.list().to_list()
    assert {e.id for e in listed} == {e["id"] for e in every if e["status"] != "deleted"}
    deleted = await client.exams.list(status="deleted").to_list()
    assert {e.id for e in deleted} == {e["id"] for e in every if e["status"] == "deleted"}
    assert all(
        isinstance(e, Exam) and e.status == "open" for e in await client.exams.list(status="open").to_list()
    )


async def test_exams_filter_and_sort_travel_as_compact_json(
    client: ProctorExamClient, sandbox: SandboxThread
) -> None:
    got = await client.exams.list(
        filter={"duration_minutes": {"gte": 60}}, sort=[{"duration_minutes": "desc"}, {"id": "asc"}]
    ).to_list()
    expected = sorted(
        (
            e
            for e in world(sandbox).exams.values()
            if e["status"] != "deleted" and e["duration_minutes"] >= 60
        ),
        key=lambda e: (-e["duration_minutes"], e["id"]),
    )
    assert [e.id for e in got] == [e["id"] for e in expected]
    sent = query(last(sandbox))
    assert sent["filter"] == '{"duration_minutes":{"gte":60}}'
    assert sent["sort"] == '[{"duration_minutes":"desc"},{"id":"asc"}]'


async def test_sort_may_be_one_mapping(client: ProctorExamClient, sandbox: SandboxThread) -> None:
    await client.exams.list(sort={"name": "desc", "id": "asc"})
    assert query(last(sandbox))["sort"] == '[{"name":"desc"},{"id":"asc"}]'


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "archived"}, "status"),
        ({"filter": {}}, "filter"),
        ({"filter": "status=open"}, "filter"),
        ({"sort": [{"name": "up"}]}, "sort[0]"),
        ({"sort": [{"a": "asc", "b": "asc"}]}, "sort[0]"),
        ({"sort": []}, "sort"),
        ({"page_size": 301}, "page_size"),
    ],
)
def test_exam_list_input_is_checked(client: ProctorExamClient, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        client.exams.list(**kwargs)
    assert caught.value.field == field


async def test_exam_get_create_update_delete(client: ProctorExamClient, sandbox: SandboxThread) -> None:
    assert (await client.exams.get(2)).id == 2
    start = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    created = await client.exams.create(
        "Psychostasia",
        "record_review",
        institute_id=2,
        start_time=start,
        duration_minutes=90,
        use_duration=True,
        for_reviewing=True,
        upload_answers=False,
        restrictions={"allow_calculator": True},
        fields={"allow_websites": True, "allowed_websites": "www.proctorexam.com"},
    )
    assert (created.name, created.institute_id, created.duration_minutes) == ("Psychostasia", 2, 90)
    assert created.start_time == start
    assert created.status == "draft"
    body = orjson.loads(last(sandbox).body)
    assert body["restrictions"] == '{"allow_calculator":true}'
    assert body["use_duration"] is True
    assert body["upload_answers"] is False
    assert body["start_time"] == "2026-05-04T09:30:00.000+00:00"
    updated = await client.exams.update(created.id or 0, name="Renamed", duration_minutes=45)
    assert (updated.name, updated.duration_minutes) == ("Renamed", 45)
    await client.exams.delete(created.id or 0)
    assert (await client.exams.get(created.id or 0)).status == "deleted"
    with pytest.raises(NotFoundError, match="Couldn't find Exam with 'id'=999999"):
        await client.exams.get(999_999)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.exams.create("", "record_review"), "name"),
        (lambda c: c.exams.create("A", "Record Review"), "type"),
        (lambda c: c.exams.create("A", "demo", start_time=datetime(2026, 1, 1)), "start_time"),
        (lambda c: c.exams.create("A", "demo", start_time="next tuesday"), "start_time"),
        (lambda c: c.exams.create("A", "demo", duration_minutes=0), "duration_minutes"),
        (lambda c: c.exams.create("A", "demo", restrictions=5), "restrictions"),
        (lambda c: c.exams.update(1), "fields"),
        (lambda c: c.exams.add_comanager(1, 0), "user_id"),
    ],
)
async def test_exam_input_is_checked(client: ProctorExamClient, call: Any, field: str) -> None:
    with pytest.raises(InputError) as caught:
        await call(client)
    assert caught.value.field == field


async def test_the_server_names_a_missing_parameter(client: ProctorExamClient) -> None:
    from mettl_async.core.request import Request

    with pytest.raises(ValidationError) as caught:
        await client.exams._call(Request("POST", "/exams", {"name": "No type"}))
    assert "param is missing or the value is empty: type" in str(caught.value)


async def test_co_managers_come_back_with_hidden_credentials(
    client: ProctorExamClient, sandbox: SandboxThread
) -> None:
    exam = await client.exams.get(1)
    comanager = await client.exams.add_comanager(exam.id or 0, 2)
    assert isinstance(comanager, User)
    assert comanager.id == 2
    assert comanager.api_token == world(sandbox).users[2]["api_token"]
    assert comanager.api_token not in repr(comanager)
    assert comanager.secret_key not in repr(comanager)
    assert world(sandbox).comanagers[1] == {2}
    assert "comanager_id" in orjson.loads(last(sandbox).body)
    bare = comanager.without_credentials()
    assert (bare.api_token, bare.secret_key) == (None, None)
    assert "api_token" not in bare.raw
    assert bare.email == comanager.email
    removed = await client.exams.remove_comanager(1, 2)
    assert removed.id == 2
    assert query(last(sandbox))["comanager_id"] == "2"
    with pytest.raises(ValidationError, match="comanager_id"):
        await client.exams.remove_comanager(1, 2)
    with pytest.raises(ValidationError, match="comanager_id"):
        await client.exams.add_comanager(1, 7)  # user 7 is of institute 2
