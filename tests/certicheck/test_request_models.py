"""Request models that check themselves before anything is sent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import orjson
import pytest

from mettl_async.certicheck.models import (
    AccountSettings,
    ApplicantDashboardViewSettings,
    ApplicantRegistration,
    ApplicantReportSettings,
    ApplicantResult,
    DataSecuritySettings,
    EmailSettings,
    TestAllocation,
    TestRef,
    WeekendSlotSetting,
)
from mettl_async.certicheck.slots import (
    SlotHours,
    SlotWindowSpec,
)
from mettl_async.core.errors import InputError, MalformedResponseError
from mettl_async.core.records import compact_json, parse, to_wire

# -- request models -----------------------------------------------------------------------


@pytest.mark.parametrize("email", ["albert", "a@b", "a b@g.com", "a@@g.com", "", None, 5])
def test_applicant_registration_checks_the_email(email: Any) -> None:
    with pytest.raises(InputError) as caught:
        ApplicantRegistration(email)
    assert caught.value.field == "email"


def test_applicant_registration_keeps_the_email_out_of_fields() -> None:
    with pytest.raises(InputError, match="Email Address") as caught:
        ApplicantRegistration("albert@g.com", {"Email Address": "not-an-email"})
    assert caught.value.field == "fields"
    entry = ApplicantRegistration(" albert@g.com ", {"First Name": "Albert"}).registration_details()
    assert entry == {"Email Address": "albert@g.com", "First Name": "Albert"}


def test_applicant_registration_to_wire() -> None:
    applicant = ApplicantRegistration("albert@g.com", {"First Name": "Albert"}, "sales profile applicant")
    assert to_wire(applicant) == {
        "email": "albert@g.com",
        "fields": {"First Name": "Albert"},
        "contextData": "sales profile applicant",
    }


def test_test_allocation_checks_the_email() -> None:
    with pytest.raises(InputError) as caught:
        TestAllocation("Mettl11 at yopmail.com", add=[TestRef(332, "75MinsTest")])
    assert caught.value.field == "email"
    assert TestAllocation("Mettl11@yopmail.com", add=[TestRef(332)]).add == (TestRef(332, ""),)


def test_dashboard_sort_cannot_be_both() -> None:
    with pytest.raises(InputError) as caught:
        ApplicantDashboardViewSettings(sort_by_name=True, sort_by_publish_date=True)
    assert caught.value.field == "applicant_dashboard_view_settings"
    assert ApplicantDashboardViewSettings(sort_by_name=True, sort_by_publish_date=False).sort_by_name


def test_account_settings_to_wire_is_the_documents_request_3_2() -> None:
    # Section 3.2's request, cleaned of its "// this setting is only for invite only accounts." comment.
    documented = {
        "emailSettings": {
            "sendSlotSelectionEmail": True,
            "sendSlotReminderEmail": True,
            "sendEmailOnAssigningTest": False,
        },
        "applicantReportSettings": {"showReportToApplicant": True, "showResultOnTestCompletion": True},
        "applicantDashboardViewSettings": {"sortByName": False, "sortByPublishDate": True},
        "weekendSlotSetting": {"disableWeekendSlotting": True},
        "dataSecuritySettings": {"enableMettlSupportTeamAccess": True},
    }
    settings = AccountSettings(
        email_settings=EmailSettings(True, True, False),
        applicant_report_settings=ApplicantReportSettings(True, True),
        applicant_dashboard_view_settings=ApplicantDashboardViewSettings(False, True),
        weekend_slot_setting=WeekendSlotSetting(True),
        data_security_settings=DataSecuritySettings(True),
    )
    assert to_wire(settings) == documented


def test_unset_settings_are_left_out_but_false_is_sent() -> None:
    settings = AccountSettings(email_settings=EmailSettings(send_slot_selection_email=False))
    assert to_wire(settings) == {"emailSettings": {"sendSlotSelectionEmail": False}}
    assert compact_json(to_wire(settings)) == '{"emailSettings":{"sendSlotSelectionEmail":false}}'


# -- SlotWindowSpec -----------------------------------------------------------------------


def slot_window(**changes: Any) -> SlotWindowSpec:
    values: dict[str, Any] = {
        "name": "Slot_name",
        "from_date": "25 May, 2018",
        "to_date": "31 May, 2018",
        "slots": [SlotHours(0, 5), SlotHours(5, 9), SlotHours(9, 14)],
    }
    return SlotWindowSpec(**{**values, **changes})


def test_slot_window_to_wire_is_the_documents_request_5_1() -> None:
    # Section 5.1's "cr", cleaned: the document's sample has a trailing comma and is split
    # over two blocks by a page break.
    documented = {
        "name": "Slot_name",
        "fromDate": "25 May, 2018",
        "toDate": "31 May, 2018",
        "capacityPerSlot": None,
        "slots": [
            {"startTime": 0, "endTime": 5},
            {"startTime": 5, "endTime": 9},
            {"startTime": 9, "endTime": 14},
        ],
    }
    assert slot_window().to_wire() == documented


def test_slot_window_dates_from_date_objects() -> None:
    window = slot_window(from_date=date(2018, 5, 25), to_date=datetime(2018, 6, 1, 23, 0))
    assert (window.from_date, window.to_date) == ("25 May, 2018", "01 Jun, 2018")


def test_slot_window_dates_in_the_short_form() -> None:
    window = slot_window(from_date="14 Jan, 15", to_date=" 1 Feb, 15 ")
    assert (window.from_date, window.to_date) == ("14 Jan, 15", "1 Feb, 15")


@pytest.mark.parametrize(
    "value", ["2018-05-25", "25 May 2018", "May 25, 2018", "25 Mai, 2018", "31 Feb, 18", "", None, 20180525]
)
def test_slot_window_refuses_other_date_forms(value: Any) -> None:
    with pytest.raises(InputError) as caught:
        slot_window(from_date=value)
    assert caught.value.field == "from_date"


def test_slot_window_end_before_start() -> None:
    with pytest.raises(InputError) as caught:
        slot_window(from_date="31 May, 2018", to_date="25 May, 2018")
    assert caught.value.field == "to_date"
    assert slot_window(from_date="31 May, 18", to_date="31 May, 2018").to_date == "31 May, 2018"


@pytest.mark.parametrize(
    "slots",
    [
        [SlotHours(0, 5), SlotHours(4, 9)],
        [SlotHours(9, 14), SlotHours(0, 10)],
        [SlotHours(0, 24), SlotHours(11, 12)],
        [SlotHours(1, 3), SlotHours(1, 3)],
    ],
)
def test_slot_window_refuses_overlapping_slots(slots: list[SlotHours]) -> None:
    with pytest.raises(InputError, match="overlaps") as caught:
        slot_window(slots=slots)
    assert caught.value.field == "slots"


@pytest.mark.parametrize(
    "slot", [SlotHours(5, 5), SlotHours(9, 3), SlotHours(-1, 3), SlotHours(20, 25), SlotHours(1.5, 3)]
)
def test_slot_window_refuses_bad_hours(slot: SlotHours) -> None:
    with pytest.raises(InputError) as caught:
        slot_window(slots=[SlotHours(0, 1), slot])
    assert caught.value.field == "slots[1]"


def test_slot_window_refuses_slots_that_are_not_slot_hours() -> None:
    with pytest.raises(InputError) as caught:
        slot_window(slots=[{"startTime": 0, "endTime": 5}])
    assert caught.value.field == "slots[0]"


def test_slot_window_needs_a_slot() -> None:
    with pytest.raises(InputError) as caught:
        slot_window(slots=[])
    assert caught.value.field == "slots"


@pytest.mark.parametrize("name", ["", "   ", None])
def test_slot_window_needs_a_name(name: Any) -> None:
    with pytest.raises(InputError) as caught:
        slot_window(name=name)
    assert caught.value.field == "name"


@pytest.mark.parametrize("capacity", [0, -1, True, 2.5, "10"])
def test_slot_window_capacity(capacity: Any) -> None:
    with pytest.raises(InputError) as caught:
        slot_window(capacity_per_slot=capacity)
    assert caught.value.field == "capacity_per_slot"
    assert slot_window(capacity_per_slot=30).to_wire()["capacityPerSlot"] == 30


def test_malformed_record_too_deep_to_show_as_json_is_still_malformed() -> None:
    nested = b'{"a":' * 300 + b"1" + b"}" * 300
    data = orjson.loads(b'{"registration": ' + nested + b', "registrationDate": "26/04/2019"}')
    with pytest.raises(MalformedResponseError, match="could not read a ApplicantResult"):
        parse(ApplicantResult, data)
