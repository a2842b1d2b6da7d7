"""Mettl REST API pieces without a socket: version and base URL, checks before sending (each
rule with its message), request bodies, error codes, paging, rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mettl_async import ConfigurationError, InputError, MettlClient
from mettl_async.core.errors import AuthenticationError, ConflictError, NotFoundError, RateLimitedError
from mettl_async.core.paging_styles import PageData, PagePosition
from mettl_async.core.records import parse
from mettl_async.mettl_rest.config import ApiVersionError, check_api_version, resolve_base_url
from mettl_async.mettl_rest.harvest import KINDS, SCHEDULE_RESULTS
from mettl_async.mettl_rest.lists import WholeList, result_key
from mettl_async.mettl_rest.models import AccountInfo, parse_time
from mettl_async.mettl_rest.services import WHITE_LABEL_PATHS, WhiteLabelRoute, check_access_key, check_sort
from mettl_async.mettl_rest.specs import (
    Access,
    AssessmentSettings,
    AssessmentSpec,
    CandidateRegistration,
    ScheduleSpec,
    WhiteLabel,
    Window,
)
from mettl_async.mettl_rest.uploads import (
    COVER,
    FAVICON,
    LOGO,
    check_support_numbers,
    image_part,
    image_type,
)
from mettl_async.mettlfamily.codes import decode_certicheck, decode_rest
from tests.support.mettl_images import GIF, ico, jpeg, png

rows_of_result = SCHEDULE_RESULTS.flatten

# -- versions and base URLs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base_url", "version", "expected"),
    [
        (None, None, ("https://api.mettl.com/v2", "v2")),
        (None, "v1", ("https://api.mettl.com/v1", "v1")),
        (None, "3", ("https://api.mettl.com/v3", "v3")),
        ("https://api.mettl.com/v2", "v3", ("https://api.mettl.com/v3", "v3")),
        ("https://api.mettl.com/v1/", None, ("https://api.mettl.com/v1", "v1")),
        ("https://api.mercermettl.eu", None, ("https://api.mercermettl.eu/v2", "v2")),
        ("http://127.0.0.1:8080/mettl", "V1", ("http://127.0.0.1:8080/mettl/v1", "v1")),
    ],
)
def test_a_base_url_and_a_version_combine_by_one_rule(
    base_url: str | None, version: str | None, expected: tuple[str, str]
) -> None:
    assert resolve_base_url(base_url, version) == expected


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ApiVersionError, match="v1, v2, v3"):
        check_api_version("v4")
    with pytest.raises(ConfigurationError, match="METTL_API_VERSION"):
        MettlClient("k", "s", api_version="v4")


def test_v1_signs_with_sha1_and_the_environment_names_the_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METTL_API_BASE_URL", "https://api.mettl.com/v1")
    monkeypatch.delenv("METTL_API_VERSION", raising=False)
    client = MettlClient("pub-key-1234", "priv")
    assert client.api_version == "v1"
    assert client.session.base_url == "https://api.mettl.com/v1"
    assert "HMAC_SHA1" in repr(client.session.auth)
    monkeypatch.setenv("METTL_API_VERSION", "v3")
    assert MettlClient("pub-key-1234", "priv").session.base_url == "https://api.mettl.com/v3"


# -- images, checked on their bytes -------------------------------------------------------------


def test_image_types_come_from_the_bytes() -> None:
    assert [image_type(b) for b in (png(), ico(), jpeg(), GIF, b"%PDF-1.4")] == [
        "png",
        "ico",
        "jpeg",
        "gif",
        None,
    ]


def test_accepted_images_become_file_parts(tmp_path: Path) -> None:
    (tmp_path / "favicon.ico").write_bytes(ico())
    part = image_part(FAVICON, tmp_path / "favicon.ico")
    assert (part.field, part.filename, part.content_type) == ("fav", "favicon.ico", "image/x-icon")
    assert image_part(COVER, jpeg()).filename == "cov.jpeg"
    assert image_part(LOGO, ("logo.gif", GIF)).content_type == "image/gif"


@pytest.mark.parametrize(
    ("rule", "upload", "message"),
    [
        (FAVICON, jpeg(), "favicon: must be png or ico (checked on the bytes), got JPEG bytes"),
        (FAVICON, png(padding=11_000), "favicon: must be at most 10 KB (10,240 bytes), got 11,089 bytes"),
        (COVER, ico(), "cover: must be jpeg, jpg, png or gif (checked on the bytes), got ICO bytes"),
        (COVER, jpeg(padding=2 * 1024 * 1024), "cover: must be at most 2 MB (2,097,152 bytes)"),
        (
            LOGO,
            b"%PDF-1.4 not an image",
            "logo: must be jpeg, jpg, png or gif (checked on the bytes), got bytes that are not",
        ),
        (LOGO, png(padding=110_000), "logo: must be at most 100 KB (102,400 bytes)"),
        (LOGO, b"", "logo: is an empty file"),
        (LOGO, ("logo.png", GIF), "logo: is named 'logo.png' but its bytes are GIF"),
        (LOGO, 42, "logo: must be bytes, a path, or (file name, bytes), got int"),
    ],
)
def test_refused_images_name_the_field_and_the_rule(rule: Any, upload: Any, message: str) -> None:
    with pytest.raises(InputError) as caught:
        image_part(rule, upload)
    assert str(caught.value).startswith(message)


def test_an_unreadable_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="logo: cannot read"):
        image_part(LOGO, tmp_path / "missing.png")


# -- white label values --------------------------------------------------------------------------


def test_colours_are_six_hex_digits_without_a_hash() -> None:
    assert WhiteLabel(header_background_color="4C4794").to_wire() == {"headerBackgroundColor": "4C4794"}
    with pytest.raises(InputError) as caught:
        WhiteLabel(button_color="#ff9999")
    assert caught.value.field == "button_color"
    assert "without '#'" in caught.value.rule
    assert "'ff9999'" in caught.value.rule
    assert "Get Account Info shows '#ff9999'" in caught.value.rule
    for bad in ("fff", "gggggg", "ff99990", 0xFF9999):
        with pytest.raises(InputError, match="header_font_color: must be 6 hex digits"):
            WhiteLabel(header_font_color=bad)  # type: ignore[arg-type]


def test_custom_test_url_is_a_path_segment() -> None:
    assert WhiteLabel(custom_test_url="Company-Name").to_wire() == {"customTestUrl": "Company-Name"}
    with pytest.raises(
        InputError, match=r"custom_test_url: must be the text after https://tests\.mettl\.com/"
    ):
        WhiteLabel(custom_test_url="a/b")


def test_at_most_two_support_numbers() -> None:
    assert check_support_numbers(["+1-650-924-9221", " +91-82878-0340 "]) == [
        "+1-650-924-9221",
        "+91-82878-0340",
    ]
    with pytest.raises(InputError, match="support_numbers: at most 2 support numbers, got 3"):
        check_support_numbers(["+1 650 924 9221"] * 3)
    with pytest.raises(InputError, match=r"support_numbers\[0\]: must be a phone number"):
        check_support_numbers(["call us"])
    with pytest.raises(InputError, match="support_numbers: must be a list"):
        check_support_numbers("+1-650-924-9221")


# -- request specs ---------------------------------------------------------------------------------


def test_assessment_specs_check_name_and_duration() -> None:
    spec = AssessmentSpec(
        name="Java", duration=30, allow_copy_paste=False, exit_redirection_url="https://x.io/done"
    )
    assert spec.to_wire() == {
        "name": "Java",
        "duration": 30,
        "allowCopyPaste": False,
        "exitRedirectionURL": "https://x.io/done",
    }
    timed = AssessmentSpec(name="Timed", sections=[{"name": "A", "duration": 10}])
    assert timed.to_wire()["sections"] == [{"name": "A", "duration": 10}]
    with pytest.raises(InputError, match="name: must be non-blank text"):
        AssessmentSpec(name=" ", duration=3)
    with pytest.raises(InputError, match="duration: is required unless every section has its own duration"):
        AssessmentSpec(name="x", sections=[{"name": "A"}])
    with pytest.raises(InputError, match="duration: must be a positive whole number"):
        AssessmentSpec(name="x", duration=0)
    with pytest.raises(InputError, match="exit_redirection_url: must be an absolute http"):
        AssessmentSpec(name="x", duration=5, exit_redirection_url="done.html")
    with pytest.raises(InputError, match="settings: at least one setting"):
        AssessmentSettings().to_wire()
    assert AssessmentSettings(on_screen_calculator=True).to_wire() == {"onScreenCalculator": True}


def test_schedule_specs_check_types_windows_and_urls() -> None:
    window = Window(
        open_time=datetime(2030, 1, 2, 9), close_time=datetime(2030, 1, 3, 9), time_zone="Asia/Kolkata"
    )
    spec = ScheduleSpec(
        name="Batch 1",
        source_app="hr",
        access=Access(type="ByInvitation", send_email=False, candidates=["a@x.io", ("b@x.io", "B")]),
        schedule_type="Fixed",
        schedule_window=window,
        test_graded_notification_url="https://hooks.example/mettl?token=t",
        extra={"secureBrowser": {"enabled": False}},
    )
    assert spec.to_wire() == {
        "secureBrowser": {"enabled": False},
        "name": "Batch 1",
        "sourceApp": "hr",
        "scheduleType": "Fixed",
        "testGradedNotificationUrl": "https://hooks.example/mettl?token=t",
        "access": {
            "type": "ByInvitation",
            "sendEmail": False,
            "candidates": [{"email": "a@x.io"}, {"email": "b@x.io", "name": "B"}],
        },
        "scheduleWindow": {
            "openTime": "2030-01-02T09:00:00",
            "timeZone": "Asia/Kolkata",
            "fixedAccessOption": "SlotWindow",
            "closeTime": "2030-01-03T09:00:00",
        },
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({"schedule_type": "Fixed"}, "schedule_window: is required for a Fixed schedule"),
        ({"schedule_type": "Sometimes"}, "schedule_type: must be one of AlwaysOn, Fixed"),
        ({"schedule_type": "AlwaysOn", "schedule_window": window}, "schedule_window: applies to Fixed"),
        ({"test_start_notification_url": "ftp://x"}, "test_start_notification_url: must be an absolute http"),
        ({"image_proctoring": "yes"}, "image_proctoring: must be true, false or None"),
        ({"access": {"type": "OpenForAll"}}, "access: must be a Access"),
    ]
    for kwargs, message in cases:
        with pytest.raises(InputError) as caught:
            ScheduleSpec(name="x", **kwargs)
        assert str(caught.value).startswith(message), str(caught.value)
    with pytest.raises(InputError, match=r"access\.type: must be one of OpenForAll, ByInvitation"):
        Access(type="Private")
    with pytest.raises(InputError, match=r"access\.candidates\[0\]: must be an e-mail address"):
        Access(candidates=["nobody"])
    with pytest.raises(InputError, match=r"schedule_window\.close_time: must be a datetime after open_time"):
        Window(open_time=datetime(2030, 1, 2), close_time=datetime(2030, 1, 1))
    with pytest.raises(InputError, match="schedule: at least one property"):
        ScheduleSpec().to_wire()


def test_candidate_registrations_check_their_email() -> None:
    one = CandidateRegistration("a@x.io", {"First Name": "A"}, context_data="ref-1")
    assert one.registration_details() == {"Email Address": "a@x.io", "First Name": "A"}
    with pytest.raises(InputError, match="email: must be an e-mail address"):
        CandidateRegistration("a@")
    with pytest.raises(InputError, match="fields"):
        CandidateRegistration("a@x.io", {"Age": 3})  # type: ignore[dict-item]


def test_sorts_and_access_keys() -> None:
    assert check_sort("name", "asc", ("createdAt", "testTaken", "name")) == {
        "sort": "name",
        "sort_order": "asc",
    }
    with pytest.raises(InputError, match="sort: must be one of createdAt, testTaken, name, got 'size'"):
        check_sort("size", None, ("createdAt", "testTaken", "name"))
    with pytest.raises(InputError, match="sort_order: must be one of asc, desc"):
        check_sort(None, "up", ())
    assert check_access_key("a1b2-c3_d") == "a1b2-c3_d"
    with pytest.raises(InputError, match="access_key: must be a schedule's access key"):
        check_access_key("a/b")


# -- the white-label path ----------------------------------------------------------------------------


def test_the_white_label_route_tries_two_ls_first_and_remembers() -> None:
    route = WhiteLabelRoute()
    assert route.order() == list(WHITE_LABEL_PATHS)
    route.worked(WHITE_LABEL_PATHS[1])
    assert route.order() == [WHITE_LABEL_PATHS[1], WHITE_LABEL_PATHS[0]]
    fixed = WhiteLabelRoute("/account/update-white-labeling")
    fixed.worked("/elsewhere")
    assert fixed.order() == ["/account/update-white-labeling"]
    with pytest.raises(InputError, match="white_label_path: must be a path"):
        WhiteLabelRoute("account/x")


# -- error codes whose REST meaning differs ---------------------------------------------------------


def envelope(code: str, message: str = "") -> bytes:
    return f'{{"status":"ERROR","error":{{"code":"{code}","message":"{message}"}}}}'.encode()


def test_rest_codes_map_to_the_hierarchy() -> None:
    with pytest.raises(NotFoundError) as caught:
        decode_rest(200, {}, envelope("E002", "Invalid Access Key"), "json")
    assert caught.value.code == "E002"
    with pytest.raises(AuthenticationError):  # CertiCHECK's E002 is its API key
        decode_certicheck(200, {}, envelope("E002", "Invalid Access Key"), "json")
    with pytest.raises(ConflictError) as conflict:
        decode_rest(200, {}, envelope("E028"), "json")
    assert "Payment" not in str(conflict.value)
    with pytest.raises(RateLimitedError) as limited:
        decode_rest(200, {"Retry-After": "3"}, envelope("E509", "Rate limit exceeded"), "json")
    assert limited.value.retry_after == 3.0
    with pytest.raises(NotFoundError) as missing:
        decode_rest(404, {}, envelope("E404", "No such endpoint"), "json")
    assert missing.value.http_status == 404


# -- models, paging, rows ------------------------------------------------------------------------------


SEED_001_ACCOUNT = {
    "firstName": "First",
    "lastName": "Last",
    "accountType": "ENTERPRISE",
    "whiteLabelInfo": {
        "headerBackgroundColor": "XXXXXX",
        "headerFontColor": "ffffff",
        "buttonColor": "#ff9999",
        "buttonFontColor": "ffffff",
        "customTestUrl": "OrganizationName",
        "faviconPath": None,
        "supportNumbers": ["+XXXXXXXXXXX", "+XXXXXXXXXXXX"],
    },
    "complianceid": 9999,
    "compliancetext": "Sample Text",
    "compliancestatus": True,
    "registrationFields": [
        {"name": "Email Address", "type": "TextBox", "required": True, "validate": False},
        {"name": "First Name", "type": "TextBox", "required": True, "validate": False},
    ],
}


def test_seed_001_account_sample_reads_typed() -> None:
    account = parse(AccountInfo, SEED_001_ACCOUNT)
    assert (account.first_name, account.account_type, account.compliance_id) == ("First", "ENTERPRISE", 9999)
    assert account.compliance_status is True
    assert account.white_label_info is not None
    assert account.white_label_info.button_color == "#ff9999"  # kept as stored
    assert account.white_label_info.support_numbers == ["+XXXXXXXXXXX", "+XXXXXXXXXXXX"]
    assert [f.name for f in account.registration_fields] == ["Email Address", "First Name"]
    assert account.extra == {}


def test_times_read_in_every_form() -> None:
    assert parse_time("Fri, 16 Aug 2024 13:14:21 GMT") == datetime(2024, 8, 16, 13, 14, 21, tzinfo=UTC)
    assert parse_time(1723814061000) == datetime(2024, 8, 16, 13, 14, 21, tzinfo=UTC)
    with pytest.raises(ValueError, match="RFC 1123"):
        parse_time("Fri, 99 Aug 2024 13:14:21 GMT")


def test_a_whole_list_sends_no_paging_and_refuses_a_page_size() -> None:
    paging = WholeList("paged only in v3")
    start = paging.first(None)
    assert paging.params(start) == {}
    assert paging.following(start, PageData([{"a": 1}] * 500, {}, {})) is None
    with pytest.raises(InputError, match="page_size: paged only in v3"):
        paging.check_page_size(10)
    assert paging.before(PagePosition()) == 0


def test_result_rows_fold_the_email_and_keep_what_they_do_not_name() -> None:
    record = {
        "accessKey": "k1",
        "email": "Cand@Example.com",
        "testStatus": {
            "status": "Completed",
            "result": {"totalMarks": 7.5, "sectionMarks": [{"x": 1}], "bonus": 1},
        },
        "flag": True,
    }
    (row,) = rows_of_result(record)
    assert (row["access_key"], row["email"], row["total_marks"]) == ("k1", "cand@example.com", 7.5)
    assert row["section_marks"] == '[{"x":1}]'
    assert row["extra"] == '{"candidate":{"flag":true},"result":{"bonus":1}}'
    assert result_key(record) == ("k1", "cand@example.com")


def test_both_result_kinds_share_one_table_and_key() -> None:
    by_name = {k.name: k for k in KINDS}
    assert by_name["schedule-results"].table == by_name["candidate-results"].table == "mettl_results"
    assert by_name["schedule-results"].key == by_name["candidate-results"].key == ("access_key", "email")
