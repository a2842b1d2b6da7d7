"""Records read from the document's own samples, and request models that check themselves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs
import orjson
import pytest

from mettl_async.certicheck.models import (
    AccountInfo,
    AmountPaid,
    ApplicantResult,
    BookingTimezone,
    Certificate,
    EnrolledApplicant,
    RegisteredApplicant,
    RegistrationField,
    Slot,
    SlotCandidate,
    SlotDetails,
    SlotWindow,
    Test,
)
from mettl_async.core.errors import MalformedResponseError
from mettl_async.core.readers import parse_date, parse_datetime
from mettl_async.core.records import Record, camel, parse, structure

IST = timezone(timedelta(hours=5, minutes=30))


def load(text: str) -> dict[str, Any]:
    """A sample as the wire decoder would hand it over."""
    payload = orjson.loads(text)
    assert isinstance(payload, dict)
    return payload


# -- samples from the CertiCHECK document (seed 000) --------------------------------------

# Section 3.1, verbatim.
ACCOUNT_3_1 = """{   "status": "SUCCESS",   "accountInfo": { "email": "john.doe@nextbigapp.com",
    "username": "John Doe",     "termsAndConditionUrl": "http://joedoe.com/terms-and-conditions",
    "applicatnRegistrationFields": [       { "name": "Email Address", "type": "TextBox", "required": true },
    { "name": "First Name", "type": "TextBox", "required": true },
    { "name": "Date of birth", "type": "Calendar", "required": false, "validate": false }     ]   } }"""

# Section 4.1, response (A), verbatim.
REGISTERED_4_1 = """{
  "applicants": [
{
  "activationUrl": "http://automationinviteaccount.mettl.info/applicant/account/createPassword?em=ugccAX9pk9k8WqWKYWoKfJT8H1PVnR5ChBCh8rRbn54%3D",
  "email": "15223@yopmail.com",
  "status": "Activation Pending"
},
{
  "activationUrl": "http://automationinviteaccount.mettl.info/applicant/account/createPassword?em=ugccAX9pk9k8WqWKYWoKfJT8H1PVnR5ChBCh8rRbn54%3D",
  "email": "15222@yopmail.com",
  "status": "Activation Pending"
},
{
  "activationUrl": "http://automationinviteaccount.mettl.info/applicant/account/createPassword?em=ugccAX9pk9k8WqWKYWoKfJT8H1PVnR5ChBCh8rRbn54%3D",
  "email": "15221@yopmail.com",
  "status": "Activation Pending"
}
],
"status": "SUCCESS"
}"""

# Section 4.4. Cleaned: the document prints the first "crf" as a mangled object
# ({"Email Address\":"…","\First Name\":…}), the remains of a JSON *string*; it is
# written here as that string. The first record's remaining fields, printed in the
# next block after a page break, are joined back to it. Otherwise verbatim.
ENROLLED_4_4 = r"""{
  "slotWindowSummary":[
    {
      "candidateName":"APP 1000 null",
      "email":"app1000@yopmail.com",
      "crf":"{\"Email Address\":\"app1000@yopmail.com\",\"First Name\":\"APP 1000\",\"Last Name\":\"\",\"Date of birth\":\"09/08/3016\",\"Contact No\":\"\",\"Gender\":\"\",\"Country\":\"\",\"fqefqw\":\"\",\"qwddqw\":\"\",\"qwfwq\":\"\",\"qwdqwdas\":\"\",\"csdc\":\"\",\"qweqw\":\"\",\"sdas\":\"\",\"cascl\":\"\",\"weqrwe\":\"\",\"qweqw\":\"\",\"czcl\":\"\",\"adad\":\"\",\"adaw\":\"\",\"qweqwd\":\"\"}",
      "bookingTime": "Jun 6, 2018 9:39:01 AM",
      "slotId": 34565,
      "slotFromTime": "Jun 7, 2018 3:00:00 AM",
      "slotToTime": "Jun 7, 2018 4:00:00 PM",
      "scheduleKey": "16cce6fc",
      "bookingTimezone": {
        "id": 67,
        "difference": "+05:30",
        "name": "India(Chennai, Kolkata, Mumbai, New Delhi)"
      },
      "assessmentName": "adfasdgsd 33",
      "assessmentId": 111173
    },
    {
      "candidateName": "APP 1185 null",
      "email": "app+1185@yopmail.com",
      "crf": {"Email Address": "app+1185@yopmail.com", "First Name": "APP 1185", "Last Name": "", "Date of birth": "09/08/3201", "Contact No": "", "Gender": "", "Country": "", "fqefqw": "", "qwddqw": "", "qwfwq": "", "qwdqwdas": "", "csdc": "", "qweqwas": "", "sdas": "", "casc": "", "weqrwe": "", "qweqw": "", "czc": "", "adad": "", "adaw": "", "qweqwd": ""},
      "bookingTime": "Jun 6, 2018 9:37:08 AM",
      "slotId": 34565,
      "slotFromTime": "Jun 7, 2018 3:00:00 AM",
      "slotToTime": "Jun 7, 2018 4:00:00 PM",
      "scheduleKey": "16cce6fc",
      "bookingTimezone": {
        "id": 67,
        "difference": "+05:30",
        "name": "India(Chennai, Kolkata, Mumbai, New Delhi)"
      },
      "assessmentName": "adfasdgsd 33",
      "assessmentId": 111173
    }
  ],
  "status": "SUCCESS"
}"""  # noqa: E501

# Section 4.5. Cleaned: the document omits the comma after each top-level
# "First Name" value. Otherwise verbatim (the mailto markup of the first e-mail dropped).
RESULTS_4_5 = """{
  "applicants":[
    {
      "email":"applicant1@yopmail.com",
      "First Name":"Applicant1",
      "registration":{
        "First Name":"Applicant1"
      },
      "registrationDate":"2019-04-26",
      "certificates":[
        {
          "certificationName":"xxxxxx",
          "paymentDate":1556263044217,
          "paymentDateString":"2019-04-26 12:47:24 IST",
          "testDate":1556263070000,
          "testDateString":"2019-04-26 12:47:50 IST",
          "scorePercentage":100.0,
          "certificationPassed":true,
          "amountPaid":{
            "amountPaid":0.0,
            "currency":"USD"
          },
          "discountCoupon":null,
          "performanceCategory":null,
          "certificateCustomMessage":""
        }
      ],
      "applicationStatus":null
    },
    {
      "email":"applicant2@yopmail.com",
      "First Name":"Applicant2",
      "registration":{
        "First Name":"Applicant2"
      },
      "registrationDate":"2019-04-26",
      "certificates":[
        {
          "certificationName":"xxxxxxx",
          "paymentDate":1556264508393,
          "paymentDateString":"2019-04-26 13:11:48 IST",
          "testDate":1556264535000,
          "testDateString":"2019-04-26 13:12:15 IST",
          "scorePercentage":100.0,
          "certificationPassed":true,
          "amountPaid":{
            "amountPaid":0.0,
            "currency":"USD"
          },
          "discountCoupon":null,
          "performanceCategory":null,
          "certificateCustomMessage":""
        }
      ],
      "applicationStatus":null
    }
  ],
  "paging":{
    "previous":null,
    "next":null
  },
  "status": "SUCCESS"
}"""

# Section 4.8. Cleaned: the missing comma after "First Name". Note: no "status" key.
RESULT_4_8 = """{   "applicants":[     {       "email":"applicant1@yopmail.com",
  "First Name":"Applicant1",       "registration":{         "First Name":"Applicant1"       },
  "registrationDate":"2019-04-26",       "certificates":[         {
  "certificationName":"xxxxxxxx",           "paymentDate":1556263044217,
  "paymentDateString":"2019-04-26 12:47:24 IST",           "testDate":1556263070000,
  "testDateString":"2019-04-26 12:47:50 IST",           "scorePercentage":100.0,
  "certificationPassed":true,           "amountPaid":{             "amountPaid":0.0,
  "currency":"USD"           },           "discountCoupon":null,           "performanceCategory":null,
  "certificateCustomMessage":""         }       ],       "applicationStatus":null     }   ],
  "applicationStatus":null }"""

# Section 5.2. Cleaned: the sample is split over three blocks by page breaks, and the
# second block closes window 153's slot list after two slots while the third block
# carries on with slots 34558 and 34559; they are joined into one list. Otherwise
# verbatim, including the escaped nextUrl.
SLOT_WINDOWS_5_2 = r"""{
  "slotWindows":[
    {
      "slotWindowId":154,
      "certificationClientId":22,
      "name":"WITHOU_INDEX",
      "fromDate":"Jan 14, 2019 1:00:00 AM",
      "toDate":"Jan 15, 2019 12:00:00 PM",
      "capacity":12,
      "status":true,
      "slots":[
        {
          "slotId":34560,
          "fromTime": "Jan 14, 2019 1:00:00 AM",
          "toTime": "Jan 14, 2019 2:00:00 AM",
          "capacity": 12
        },
        {
          "slotId": 34561,
          "fromTime": "Jan 14, 2019 11:00:00 AM",
          "toTime": "Jan 14, 2019 12:00:00 PM",
          "capacity": 12
        },
        {
          "slotId": 34562,
          "fromTime": "Jan 15, 2019 1:00:00 AM",
          "toTime": "Jan 15, 2019 2:00:00 AM",
          "capacity": 12
        },
        {
          "slotId": 34563,
          "fromTime": "Jan 15, 2019 11:00:00 AM",
          "toTime": "Jan 15, 2019 12:00:00 PM",
          "capacity": 12
        }
      ]
    },
    {
      "slotWindowId": 153,
      "certificationClientId": 22,
      "name": "API_time_1_AFTER_CHANGE",
      "fromDate": "Jan 14, 2019 1:00:00 AM",
      "toDate": "Jan 15, 2019 12:00:00 PM",
      "capacity": 12,
      "status": true,
      "slots": [
        {
          "slotId": 34556,
          "fromTime": "Jan 14, 2019 1:00:00 AM",
          "toTime": "Jan 14, 2019 2:00:00 AM",
          "capacity": 12
        },
        {
          "slotId": 34557,
          "fromTime": "Jan 14, 2019 11:00:00 AM",
          "toTime": "Jan 14, 2019 12:00:00 PM",
          "capacity": 12
        },
        {
          "slotId":34558,
          "fromTime":"Jan 15, 2019 1:00:00 AM",
          "toTime":"Jan 15, 2019 2:00:00 AM",
          "capacity":12
        },
        {
          "slotId":34559,
          "fromTime":"Jan 15, 2019 11:00:00 AM",
          "toTime":"Jan 15, 2019 12:00:00 PM",
          "capacity":12
        }
      ]
    }
  ],
  "nextUrl":"http://localhost:8092/api/v1//getAllSlotWindows?offset\u003d2\u0026limit\u003d2",
  "status":"SUCCESS"
}"""

# Section 5.3, verbatim.
SLOT_DETAILS_5_3 = """{   "slotDetails": {     "clientId": 413,     "slotWindowId": 6434,
  "slotWindowName": "SLOT2",     "fromTime": "May 3, 2018 12:00:00 PM",
  "toTime": "May 3, 2018 2:00:00 PM",     "enrolledCount": 1,     "candidateDetailsList": [
  {         "firstName": "test",         "email": "test@test.work",
  "certificationName": "testcert2",         "bookingTime": "May 3, 2018 12:15:12 PM",
  "mettlAssessmentId": 166142       }     ]   },   "status": "SUCCESS" }"""

# Section 6.1, verbatim.
TESTS_6_1 = """{   "status": "SUCCESS",   "paging":{     "previous": "https://previous" ,
  "next": "https://next"   },   "tests": [ {     "testId": 124,     "testName": "Whatever" ,
  "status": "Published"   },   {     "testId": 124,     "testName": "Whatever" ,
  "status": "UnPublished"   } ] }"""


# -- reading the samples ------------------------------------------------------------------


def test_account_info_3_1() -> None:
    info = parse(AccountInfo, load(ACCOUNT_3_1)["accountInfo"])
    assert info.email == "john.doe@nextbigapp.com"
    assert info.username == "John Doe"
    assert info.terms_and_condition_url == "http://joedoe.com/terms-and-conditions"
    assert info.registration_fields == [
        RegistrationField(name="Email Address", type="TextBox", required=True),
        RegistrationField(name="First Name", type="TextBox", required=True),
        RegistrationField(name="Date of birth", type="Calendar", required=False, validate=False),
    ]
    assert info.extra == {}  # the document's "applicatn" spelling is a known key


def test_registered_applicants_4_1() -> None:
    applicants = [parse(RegisteredApplicant, a) for a in load(REGISTERED_4_1)["applicants"]]
    assert [a.email for a in applicants] == ["15223@yopmail.com", "15222@yopmail.com", "15221@yopmail.com"]
    assert {a.status for a in applicants} == {"Activation Pending"}
    assert applicants[0].activation_url is not None
    assert applicants[0].activation_url.endswith("em=ugccAX9pk9k8WqWKYWoKfJT8H1PVnR5ChBCh8rRbn54%3D")


def test_enrolled_applicants_4_4_crf_as_string_and_as_object() -> None:
    first, second = (parse(EnrolledApplicant, r) for r in load(ENROLLED_4_4)["slotWindowSummary"])
    assert first.crf is not None
    assert first.crf["First Name"] == "APP 1000"
    assert first.crf["Date of birth"] == "09/08/3016"
    assert len(first.crf) == 20  # 21 keys sent, "qweqw" twice
    assert isinstance(first.raw["crf"], str)  # raw keeps the string as sent
    assert second.crf is not None
    assert second.crf["Email Address"] == "app+1185@yopmail.com"
    assert second.email == "app+1185@yopmail.com"


def test_enrolled_applicant_4_4_typed_values() -> None:
    first = parse(EnrolledApplicant, load(ENROLLED_4_4)["slotWindowSummary"][0])
    assert first.candidate_name == "APP 1000 null"
    assert first.booking_time == datetime(2018, 6, 6, 9, 39, 1)
    assert first.slot_id == 34565
    assert first.slot_from_time == datetime(2018, 6, 7, 3, 0)
    assert first.slot_to_time == datetime(2018, 6, 7, 16, 0)
    assert first.schedule_key == "16cce6fc"
    assert first.booking_timezone == BookingTimezone(
        id=67, difference="+05:30", name="India(Chennai, Kolkata, Mumbai, New Delhi)"
    )
    assert first.assessment_name == "adfasdgsd 33"
    assert first.assessment_id == 111173
    assert first.extra == {}


def test_applicant_results_4_5_typed_values() -> None:
    applicant = parse(ApplicantResult, load(RESULTS_4_5)["applicants"][0])
    assert applicant.email == "applicant1@yopmail.com"
    assert applicant.registration == {"First Name": "Applicant1"}
    assert applicant.registration_date == date(2019, 4, 26)
    assert applicant.application_status is None
    [certificate] = applicant.certificates
    assert certificate.certification_name == "xxxxxx"
    assert certificate.payment_date == datetime(2019, 4, 26, 7, 17, 24, 217000, tzinfo=UTC)
    assert certificate.test_date == datetime(2019, 4, 26, 7, 17, 50, tzinfo=UTC)
    assert certificate.score_percentage == 100.0
    assert certificate.certification_passed is True
    assert certificate.amount_paid == AmountPaid(amount_paid=0.0, currency="USD")
    assert certificate.discount_coupon is None
    assert certificate.performance_category is None
    assert certificate.certificate_custom_message == ""


@pytest.mark.parametrize("index", [0, 1])
def test_epoch_dates_agree_with_the_servers_ist_strings(index: int) -> None:
    certificate = parse(ApplicantResult, load(RESULTS_4_5)["applicants"][index]).certificates[0]
    assert certificate.payment_date is not None
    assert certificate.test_date is not None
    as_ist = "%Y-%m-%d %H:%M:%S IST"
    assert certificate.payment_date.astimezone(IST).strftime(as_ist) == certificate.payment_date_string
    assert certificate.test_date.astimezone(IST).strftime(as_ist) == certificate.test_date_string


def test_unknown_keys_are_in_extra_and_raw_keeps_values_as_sent() -> None:
    applicant = parse(ApplicantResult, load(RESULTS_4_5)["applicants"][1])
    assert applicant.extra == {"First Name": "Applicant2"}
    assert applicant.raw["registrationDate"] == "2019-04-26"
    assert applicant.raw["certificates"][0]["paymentDate"] == 1556264508393
    assert applicant.certificates[0].raw["testDate"] == 1556264535000
    assert applicant.certificates[0].extra == {}


def test_result_4_8_without_status() -> None:
    payload = load(RESULT_4_8)
    assert "status" not in payload
    [applicant] = [parse(ApplicantResult, a) for a in payload["applicants"]]
    assert applicant.certificates[0].certification_name == "xxxxxxxx"
    assert applicant.extra == {"First Name": "Applicant1"}


def test_slot_windows_5_2() -> None:
    windows = [parse(SlotWindow, w) for w in load(SLOT_WINDOWS_5_2)["slotWindows"]]
    assert [w.slot_window_id for w in windows] == [154, 153]
    first = windows[0]
    assert first.certification_client_id == 22
    assert first.name == "WITHOU_INDEX"
    assert first.from_date == datetime(2019, 1, 14, 1, 0)
    assert first.to_date == datetime(2019, 1, 15, 12, 0)  # "12:00:00 PM" is noon
    assert first.capacity == 12
    assert first.status is True
    assert [s.slot_id for s in first.slots] == [34560, 34561, 34562, 34563]
    assert first.slots[1] == Slot(
        slot_id=34561, from_time=datetime(2019, 1, 14, 11), to_time=datetime(2019, 1, 14, 12), capacity=12
    )
    assert [s.slot_id for s in windows[1].slots] == [34556, 34557, 34558, 34559]


def test_slot_details_5_3() -> None:
    details = parse(SlotDetails, load(SLOT_DETAILS_5_3)["slotDetails"])
    assert (details.client_id, details.slot_window_id, details.slot_window_name) == (413, 6434, "SLOT2")
    assert details.from_time == datetime(2018, 5, 3, 12, 0)
    assert details.to_time == datetime(2018, 5, 3, 14, 0)
    assert details.enrolled_count == 1
    assert details.candidates == [
        SlotCandidate(
            first_name="test",
            email="test@test.work",
            certification_name="testcert2",
            booking_time=datetime(2018, 5, 3, 12, 15, 12),
            mettl_assessment_id=166142,
        )
    ]


def test_tests_6_1() -> None:
    tests = [parse(Test, t) for t in load(TESTS_6_1)["tests"]]
    assert tests == [
        Test(test_id=124, test_name="Whatever", status="Published"),
        Test(test_id=124, test_name="Whatever", status="UnPublished"),
    ]


# -- records in general -------------------------------------------------------------------


def test_missing_fields_are_none_and_lists_empty() -> None:
    window = parse(SlotWindow, {})
    assert window.slot_window_id is None
    assert window.status is None
    assert window.slots == []
    assert window.extra == {}


@pytest.mark.parametrize(
    ("cls", "key", "attribute"),
    [
        (ApplicantResult, "certificates", "certificates"),
        (SlotWindow, "slots", "slots"),
        (SlotDetails, "candidateDetailsList", "candidates"),
        (AccountInfo, "applicatnRegistrationFields", "registration_fields"),
    ],
)
def test_null_lists_read_as_empty(cls: type[Any], key: str, attribute: str) -> None:
    record = parse(cls, {key: None})
    assert getattr(record, attribute) == []
    assert record.raw == {key: None}


def test_a_key_named_raw_is_just_extra() -> None:
    test = parse(Test, {"testId": 1, "raw": "x"})
    assert test.extra == {"raw": "x"}
    assert test.raw == {"testId": 1, "raw": "x"}


def test_raw_does_not_take_part_in_equality() -> None:
    assert parse(Test, {"testId": 1, "extra": 1}) == parse(Test, {"testId": 1})


def test_camel_case_keys() -> None:
    assert camel("slot_window_id") == "slotWindowId"
    assert camel("id") == "id"


# -- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1556263044217, datetime(2019, 4, 26, 7, 17, 24, 217000, tzinfo=UTC)),
        ("1556263044217", datetime(2019, 4, 26, 7, 17, 24, 217000, tzinfo=UTC)),
        (1556263070000.0, datetime(2019, 4, 26, 7, 17, 50, tzinfo=UTC)),
        ("Jan 14, 2019 1:00:00 AM", datetime(2019, 1, 14, 1, 0, 0)),
        ("Jun 6, 2018 9:39:01 AM", datetime(2018, 6, 6, 9, 39, 1)),
        ("Jun 7, 2018 4:00:00 PM", datetime(2018, 6, 7, 16, 0, 0)),
        ("Jan 15, 2019 12:00:00 PM", datetime(2019, 1, 15, 12, 0, 0)),
        ("Jan 15, 2019 12:00:00 AM", datetime(2019, 1, 15, 0, 0, 0)),
        ("Jan 15, 2019 12:30:05 AM", datetime(2019, 1, 15, 0, 30, 5)),
        ("Jan 15, 2019 11:59:59 PM", datetime(2019, 1, 15, 23, 59, 59)),
        ("  dec 31, 2020 1:02:03 pm ", datetime(2020, 12, 31, 13, 2, 3)),
        ("2019-04-26T12:47:24+05:30", datetime(2019, 4, 26, 12, 47, 24, tzinfo=IST)),
    ],
)
def test_parse_datetime_forms(value: Any, expected: datetime) -> None:
    parsed = parse_datetime(value)
    assert parsed == expected
    assert parsed.tzinfo == expected.tzinfo


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-04-26", date(2019, 4, 26)),
        (" 2019-04-26 ", date(2019, 4, 26)),
        (1556263044217, date(2019, 4, 26)),
        ("Jan 14, 2019 1:00:00 AM", date(2019, 1, 14)),
    ],
)
def test_parse_date_forms(value: Any, expected: date) -> None:
    assert parse_date(value) == expected


BAD_DATES = [
    "Jan 14, 2019 13:00:00 PM",
    "Jan 14, 2019 0:00:00 AM",
    "Jan 14, 2019 1:00:00 XM",
    "Jan 14, 2019 1:00 AM",
    "Feb 30, 2019 1:00:00 AM",
    "yesterday",
    "",
    True,
    None,
    [2019],
    10**20,
    -(10**20),
    float("inf"),
    "9" * 30,
]


@pytest.mark.parametrize("value", BAD_DATES, ids=repr)
def test_bad_dates_raise_value_error(value: Any) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the contract is ValueError, whatever the text
        parse_datetime(value)


@pytest.mark.parametrize("value", [v for v in BAD_DATES if v is not None], ids=repr)
def test_bad_dates_in_a_record_are_malformed(value: Any) -> None:
    with pytest.raises(MalformedResponseError):
        parse(Certificate, {"paymentDate": value})


def test_null_date_is_none() -> None:
    assert parse(Certificate, {"paymentDate": None}).payment_date is None


# -- strict bool --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("false", False),
        (" FALSE ", False),
        (1, True),
        (0, False),
    ],
)
def test_bool_is_read_not_cast(value: Any, expected: bool) -> None:
    assert parse(SlotWindow, {"status": value}).status is expected


@pytest.mark.parametrize("value", ["yes", "no", "", "0", 2, -1, 1.0, [], {}])
def test_anything_else_is_not_a_bool(value: Any) -> None:
    with pytest.raises(MalformedResponseError, match="not a boolean"):
        parse(Certificate, {"certificationPassed": value})


# -- malformed records --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (SlotWindow, None),
        (SlotWindow, [1, 2]),
        (SlotWindow, "slotWindowId=1"),
        (SlotWindow, {"slotWindowId": "abc"}),
        (SlotWindow, {"slots": 5}),
        (SlotWindow, {"slots": [5]}),
        (SlotWindow, {"slots": [{"slotId": "x"}]}),
        (SlotWindow, {"slots": {"slotId": 1}}),
        (SlotWindow, {"fromDate": "the fourteenth"}),
        (Certificate, {"amountPaid": "0.0 USD"}),
        (Certificate, {"scorePercentage": "full"}),
        (ApplicantResult, {"registration": ["First Name"]}),
        (ApplicantResult, {"registrationDate": "26/04/2019"}),
        (EnrolledApplicant, {"crf": "{not json"}),
        (EnrolledApplicant, {"crf": "[1, 2]"}),
        (EnrolledApplicant, {"crf": 5}),
        (EnrolledApplicant, {"bookingTimezone": "+05:30"}),
    ],
    ids=repr,
)
def test_malformed_records_raise_malformed_response_error(cls: type[Any], data: Any) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        parse(cls, data)
    assert caught.value.retryable is False
    assert f"could not read a {cls.__name__}" in str(caught.value)
    if isinstance(data, dict):  # the field is named, by model attribute and by wire key
        (key,) = data
        assert f"({key!r})" in str(caught.value)


def test_a_record_declaring_a_validator_is_refused_not_read_without_it() -> None:
    """Records are read field by field from their declarations; a validator, converter or
    ``__attrs_post_init__`` would be skipped, so declaring one is an error on first read."""

    @attrs.frozen(kw_only=True)
    class Checked(Record):
        score: int | None = attrs.field(default=None, validator=attrs.validators.instance_of(int))

    with pytest.raises(TypeError, match="Checked"):
        structure(Checked, {"score": 3})
