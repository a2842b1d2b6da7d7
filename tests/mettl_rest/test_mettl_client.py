"""The Mettl REST API's account, assessment and schedule endpoints against the sandbox, over
loopback: what is sent (placement, multipart, spelling) and what comes back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from mettl_async import InputError, NotFoundError, PermissionDeniedError, ValidationError
from mettl_async.mettl_rest.services import WHITE_LABEL_PATHS
from mettl_async.mettl_rest.specs import (
    Access,
    AssessmentSettings,
    AssessmentSpec,
    ScheduleSpec,
    WhiteLabel,
    Window,
)
from mettl_async.testing import SandboxThread
from tests.support.mettl_images import GIF, ico, jpeg, png
from tests.support.mettl_support import StartRest, client, platform, seen, start

TWO_LS, ONE_L = WHITE_LABEL_PATHS

# -- account ---------------------------------------------------------------------------------------


async def test_account_info_reads_typed(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    async with client(sandbox) as mettl:
        account = await mettl.account.get()
    assert (account.first_name, account.account_type, account.compliance_id) == (
        "Sandbox",
        "ENTERPRISE",
        9999,
    )
    assert account.white_label_info is not None
    assert account.white_label_info.button_color == "#ff9999"
    assert [f.name for f in account.registration_fields][:2] == ["Email Address", "First Name"]
    (request,) = seen(sandbox, "/account")
    assert request.raw_path.startswith("/mettl/v2/account?ak=sandbox-public-key&ts=")
    assert set(request.params) == {"ak", "ts", "asgn"}


async def test_white_label_sends_json_in_the_query_and_images_as_multipart(
    mettl_rest_sandbox_factory: StartRest, tmp_path: Path
) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    (tmp_path / "favicon.ico").write_bytes(ico())
    (tmp_path / "cover.jpg").write_bytes(jpeg())
    async with client(sandbox) as mettl:
        path = await mettl.account.update_white_label(
            WhiteLabel(header_background_color="4C4794", custom_test_url="Acme"),
            support_numbers=["+91-82878-0340"],
            favicon=tmp_path / "favicon.ico",
            cover=tmp_path / "cover.jpg",
        )
        account = await mettl.account.get()
    assert path == TWO_LS
    (request,) = seen(sandbox, "update-white")
    assert request.raw_path.startswith("/mettl/v2/account/update-white-labelling?ak=")
    assert (
        "wl=%7B%22headerBackgroundColor%22%3A%224C4794%22%2C%22customTestUrl%22%3A%22Acme%22%7D"
        in request.raw_path
    )
    assert "sn=%5B%22%2B91-82878-0340%22%5D" in request.raw_path
    # Signed over the query only: the file parts are neither parameters nor signed.
    assert set(request.params) == {"ak", "ts", "wl", "sn", "asgn"}
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert ico() in request.body
    assert jpeg() in request.body
    assert b'name="fav"; filename="favicon.ico"' in request.body
    assert b'name="cov"; filename="cover.jpg"' in request.body
    info = account.white_label_info
    assert info is not None
    assert info.header_background_color == "4C4794"
    assert info.support_numbers == ["+91-82878-0340"]
    assert info.favicon_path is not None
    assert info.favicon_path.endswith(".ico")
    assert info.cover_image_path is not None
    assert info.cover_image_path.endswith(".jpeg")


async def test_refused_images_are_not_sent(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    async with client(sandbox) as mettl:
        with pytest.raises(InputError, match=r"favicon: cannot read 'no-such-favicon\.png'"):
            await mettl.account.update_white_label(favicon="no-such-favicon.png")  # the argument's name
        with pytest.raises(InputError, match="favicon: must be png or ico"):
            await mettl.account.update_white_label(favicon=GIF)
        with pytest.raises(InputError, match="favicon: must be at most 10 KB"):
            await mettl.account.update_white_label(favicon=png(padding=10_500))
        with pytest.raises(InputError, match="cover: must be at most 2 MB"):
            await mettl.account.update_white_label(cover=("big.png", png(padding=2 * 1024 * 1024)))
        with pytest.raises(InputError, match="logo: must be at most 100 KB"):
            await mettl.account.upload_logo(jpeg(padding=100 * 1024))
        with pytest.raises(InputError, match="support_numbers: at most 2"):
            await mettl.account.update_white_label(support_numbers=["+1-650-924-9221"] * 3)
        with pytest.raises(InputError, match="white_label: nothing to update"):
            await mettl.account.update_white_label()
    assert seen(sandbox) == []


async def test_the_one_l_spelling_is_tried_after_no_such_endpoint_and_remembered(
    mettl_rest_sandbox_factory: StartRest,
) -> None:
    sandbox = start(mettl_rest_sandbox_factory, white_label_path=ONE_L)
    async with client(sandbox) as mettl:
        assert await mettl.account.update_white_label(WhiteLabel(button_color="ef75ab")) == ONE_L
        assert await mettl.account.update_white_label(WhiteLabel(button_color="ffffff")) == ONE_L
    requests = seen(sandbox, "update-white")
    assert [r.raw_path.split("?")[0].rsplit("/", 1)[1] for r in requests] == [
        "update-white-labelling",
        "update-white-labeling",
        "update-white-labeling",
    ]
    assert [r.error_code for r in requests] == ["E404", None, None]
    assert platform(sandbox).world.account["whiteLabelInfo"]["buttonColor"] == "ffffff"


async def test_a_path_the_user_fixes_is_not_swapped(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory, white_label_path=ONE_L)
    async with client(sandbox, white_label_path=TWO_LS) as mettl:
        with pytest.raises(NotFoundError) as caught:
            await mettl.account.update_white_label(WhiteLabel(button_color="ef75ab"))
    assert caught.value.code == "E404"
    assert caught.value.http_status == 404
    assert len(seen(sandbox, "update-white")) == 1
    async with client(sandbox, white_label_path=ONE_L) as mettl:
        assert await mettl.account.update_white_label(WhiteLabel(button_color="ef75ab")) == ONE_L


async def test_an_account_without_white_label_rights_gets_e403_and_no_fallback(
    mettl_rest_sandbox_factory: StartRest,
) -> None:
    sandbox = start(mettl_rest_sandbox_factory, white_label_allowed=False)
    async with client(sandbox) as mettl:
        with pytest.raises(PermissionDeniedError, match="E403"):
            await mettl.account.update_white_label(WhiteLabel(button_color="ef75ab"))
    assert len(seen(sandbox, "update-white")) == 1


async def test_logo_upload(mettl_rest_sandbox_factory: StartRest, tmp_path: Path) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    (tmp_path / "logo.png").write_bytes(png(4, 4))
    async with client(sandbox) as mettl:
        await mettl.account.upload_logo(tmp_path / "logo.png")
        assert (await mettl.account.get()).logo.endswith(".png")  # type: ignore[union-attr]
        await mettl.account.upload_logo(("logo.gif", GIF))
    first, second = seen(sandbox, "upload-logo")
    assert set(first.params) == {"ak", "ts", "asgn"}
    assert png(4, 4) in first.body
    assert b'filename="logo.gif"\r\nContent-Type: image/gif' in second.body
    assert platform(sandbox).world.logo == GIF


async def test_pre_built_tests_list_and_add(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    before = len(platform(sandbox).world.assessments)
    async with client(sandbox) as mettl:
        pbts = await mettl.account.pbts()
        assert [p.id for p in pbts][:3] == [1176, 1255, 1336]
        assert pbts[0].skills == ["Deduction", "Patterns"]
        await mettl.account.add_pbts([1176, 1336])
        with pytest.raises(InputError, match="pbt_ids: names a PBT twice"):
            await mettl.account.add_pbts([1176, 1176])
        with pytest.raises(InputError, match=r"pbt_ids\[0\]: must be a positive integer id"):
            await mettl.account.add_pbts([0])
        with pytest.raises(ValidationError, match="E026"):
            await mettl.account.add_pbts([99])
    assert len(platform(sandbox).world.assessments) == before + 2
    (added, _) = seen(sandbox, "/pbts")[1:]
    assert added.params["pbts"] == "[1176,1336]"
    assert added.headers["Content-Type"] == "application/x-www-form-urlencoded"


# -- assessments -----------------------------------------------------------------------------------


async def test_assessments_list_sorted_and_paged(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory, assessments=7)
    async with client(sandbox) as mettl:
        names = [a.name async for a in mettl.assessments.list(sort="name", sort_order="asc", page_size=3)]
        assert names == [f"Assessment {i:02d}" for i in range(1, 8)]
        newest = await mettl.assessments.list()
        assert newest.items[0].name == "Assessment 07"  # createdAt desc by default
        later = [a.name async for a in mettl.assessments.list(sort="name", offset=5, page_size=2)]
        assert later == ["Assessment 02", "Assessment 01"]  # by name, the server's default order: desc
        for bad, message in ((0, "page_size: must be an integer from 1 to 100"), (101, "from 1 to 100")):
            with pytest.raises(InputError, match=message):
                mettl.assessments.list(page_size=bad)
        with pytest.raises(InputError, match="sort: must be one of createdAt, testTaken, name"):
            mettl.assessments.list(sort="duration")
        with pytest.raises(InputError, match="offset: must be an integer of at least 0"):
            mettl.assessments.list(offset=-1)
    pages = seen(sandbox, "/assessments")
    assert "sort=name" in pages[1].raw_path
    assert "offset=3" in pages[1].raw_path
    assert "limit=3" in pages[1].raw_path


async def test_an_assessment_is_created_read_and_edited(mettl_rest_sandbox_factory: StartRest) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    async with client(sandbox) as mettl:
        new_id = await mettl.assessments.create(
            AssessmentSpec(name="Python basics", sections=[{"name": "Syntax", "duration": 20}])
        )
        assessment = await mettl.assessments.get(new_id)
        assert (assessment.name, assessment.duration, assessment.sections[0].name) == (
            "Python basics",
            20,
            "Syntax",
        )
        await mettl.assessments.edit_settings(new_id, AssessmentSettings(allow_copy_paste=False))
        with pytest.raises(NotFoundError, match="E001"):
            await mettl.assessments.get(999)
        with pytest.raises(ValidationError, match="exists"):
            await mettl.assessments.create(AssessmentSpec(name="Python basics", duration=5))
    assert platform(sandbox).world.assessments[new_id].settings == {"allowCopyPaste": False}
    created = next(
        r for r in seen(sandbox, "/assessments") if r.method == "POST" and "assessments" in r.params
    )
    assert (
        created.params["assessments"]
        == '{"name":"Python basics","sections":[{"name":"Syntax","duration":20}]}'
    )


# -- schedules ---------------------------------------------------------------------------------------


async def test_schedules_listed_filtered_read_created_and_edited(
    mettl_rest_sandbox_factory: StartRest,
) -> None:
    sandbox = start(mettl_rest_sandbox_factory)
    world = platform(sandbox).world
    first_assessment = next(iter(world.assessments))
    async with client(sandbox) as mettl:
        keys = [s.access_key async for s in mettl.schedules.all(page_size=5)]
        assert keys == list(world.schedules)
        of_first = await mettl.schedules.of_assessment(first_assessment, {"name": "link 2"})
        assert [s.name for s in of_first] == ["Assessment 01 - link 2"]
        created = await mettl.schedules.create(
            first_assessment,
            ScheduleSpec(
                name="Campus 2030",
                source_app="hr-suite",
                access=Access(type="ByInvitation", send_email=False),
                schedule_type="Fixed",
                schedule_window=Window(open_time=datetime(2030, 1, 2, 9), close_time=datetime(2030, 1, 9, 9)),
                test_graded_notification_url="https://hooks.example/mettl?token=t",
            ),
        )
        assert created.access_key is not None
        assert created.access_url == f"https://tests.mettl.com/authenticateKey/{created.access_key}"
        schedule = await mettl.schedules.get(created.access_key)
        assert (schedule.name, schedule.schedule_type, schedule.source_app) == (
            "Campus 2030",
            "Fixed",
            "hr-suite",
        )
        assert schedule.schedule_window is not None
        assert schedule.schedule_window.open_time == datetime(2030, 1, 2, 9)
        assert schedule.test_graded_notification_url == "https://hooks.example/mettl?token=t"
        await mettl.schedules.edit(created.access_key, ScheduleSpec(name="Campus 2030 (moved)"))
        assert (await mettl.schedules.get(created.access_key)).name == "Campus 2030 (moved)"
        with pytest.raises(NotFoundError) as missing:
            await mettl.schedules.get("nosuchkey")
        assert missing.value.code == "E002"
        with pytest.raises(InputError, match="name: is required to create a schedule"):
            await mettl.schedules.create(first_assessment, ScheduleSpec(source_app="x"))
        with pytest.raises(InputError, match="filter: must be a non-empty mapping"):
            await mettl.schedules.of_assessment(first_assessment, {})
    (filtered,) = [r for r in seen(sandbox, "/schedules") if "filter" in r.params]
    assert filtered.params["filter"] == '{"name":"link 2"}'


async def test_a_read_after_a_write_is_not_an_answer_from_before_it(
    mettl_rest_sandbox: SandboxThread,
) -> None:
    """Identical GETs within a second may share one answer, but never across a write."""
    sandbox = mettl_rest_sandbox
    key = next(iter(platform(sandbox).world.schedules))
    async with client(sandbox) as mettl:
        before = await mettl.schedules.get(key)
        await mettl.schedules.edit(key, ScheduleSpec(name="Renamed"))
        after = await mettl.schedules.get(key)
    assert (before.name, after.name) == ("Assessment 01 - link 1", "Renamed")
    assert [r.method for r in seen(sandbox, f"/schedules/{key}")] == ["GET", "POST", "GET"]
