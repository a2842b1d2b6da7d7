"""How any CertiCHECK record is read: missing fields and null lists, raw and extra, camelCase keys,
every date form, strict bools, and malformed records refused with the library's own error."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import attrs
import pytest

from mettl_async.certicheck.models import (
    AccountInfo,
    ApplicantResult,
    Certificate,
    EnrolledApplicant,
    SlotDetails,
    SlotWindow,
    Test,
)
from mettl_async.core.errors import MalformedResponseError
from mettl_async.core.readers import parse_date, parse_datetime
from mettl_async.core.records import Record, camel, parse, structure
from tests.support.certicheck_support import IST

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
    "\u0661\u0667" + "\u0660" * 11,  # epoch ms in Arabic-Indic digits: int() reads them; no API sends them
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
