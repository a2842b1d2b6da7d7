"""CertiCHECK account and applicant records read from the document's own samples (sections 3.1 and
4.1 to 4.8): typed values, CRF as a string and as an object, epoch dates, unknown keys kept."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mettl_async.certicheck.models import (
    AccountInfo,
    AmountPaid,
    ApplicantResult,
    BookingTimezone,
    EnrolledApplicant,
    RegisteredApplicant,
    RegistrationField,
)
from mettl_async.core.records import parse
from tests.support.certicheck_support import IST, load

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
