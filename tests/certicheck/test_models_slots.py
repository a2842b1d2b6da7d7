"""CertiCHECK slot windows, slot details and tests read from the document's own samples (sections
5.2, 5.3 and 6.1)."""

from __future__ import annotations

from datetime import datetime

from mettl_async.certicheck.models import Slot, SlotCandidate, SlotDetails, SlotWindow, Test
from mettl_async.core.records import parse
from tests.support.certicheck_support import load

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
