"""The rows of a sandbox account: time zones, tests, applicants and their certificates, slot windows,
slots and bookings."""

from __future__ import annotations

from datetime import date, datetime

import attrs


@attrs.frozen
class TimezoneRow:
    """A time zone the account may use: its id, IANA name, display name and UTC offset."""

    timezone_id: int
    tzid: str
    name: str
    difference: str


@attrs.define
class TestRow:
    """One test (certification) of the account."""

    test_id: int
    name: str
    published: bool


@attrs.define
class CertificateRow:
    """An applicant's certificate: paid for, perhaps taken, perhaps scored."""

    assessment_id: int
    paid_at: datetime | None
    tested_at: datetime | None
    score: float | None
    amount: float
    currency: str
    performance_category: str | None


@attrs.define
class ApplicantRow:
    """One applicant, generated or registered through the API."""

    email: str
    first_name: str
    last_name: str | None
    country: str
    registered_on: date
    status: str  # "Active", "Activation Pending", "Deleted", "PENDING"
    admin_verified: bool
    certificates: list[CertificateRow] = attrs.Factory(list)
    tests: set[int] = attrs.Factory(set)
    context_data: str | None = None
    crf_as_text: bool = False


@attrs.define
class SlotRow:
    """One slot of a window: an hour range on one day."""

    slot_id: int
    window_id: int
    starts: datetime
    ends: datetime
    capacity: int


@attrs.define
class WindowRow:
    """A slot window and its slots."""

    window_id: int
    name: str
    starts: datetime
    ends: datetime
    capacity: int
    active: bool
    slots: list[SlotRow] = attrs.Factory(list)


@attrs.define
class BookingRow:
    """An applicant booked into a slot for an assessment."""

    email: str
    slot_id: int
    assessment_id: int
    booked_at: datetime
    timezone_id: int
