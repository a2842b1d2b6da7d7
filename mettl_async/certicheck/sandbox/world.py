"""The sandbox's account: seeded fake applicants, tests, slot windows and bookings.

Everything is derived from one ``random.Random(seed)``, so a world is the same
on every run with the same size and seed. Records are rendered in the shapes
and formats the CertiCHECK document shows (``"Jan 14, 2019 1:00:00 AM"``,
epoch milliseconds, ``"2019-04-26 12:47:24 IST"``).
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import orjson

IST = timedelta(hours=5, minutes=30)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

TIMEZONES: list[dict[str, Any]] = [
    {"id": 1, "tzid": "UTC", "name": "Coordinated Universal Time", "difference": "+00:00"},
    {"id": 12, "tzid": "America/New_York", "name": "Eastern Time (US & Canada)", "difference": "-05:00"},
    {"id": 15, "tzid": "America/Los_Angeles", "name": "Pacific Time (US & Canada)", "difference": "-08:00"},
    {"id": 31, "tzid": "Europe/London", "name": "London, Edinburgh", "difference": "+00:00"},
    {"id": 34, "tzid": "Europe/Berlin", "name": "Amsterdam, Berlin, Rome", "difference": "+01:00"},
    {"id": 52, "tzid": "Asia/Dubai", "name": "Abu Dhabi, Muscat", "difference": "+04:00"},
    {
        "id": 67,
        "tzid": "Asia/Kolkata",
        "name": "India(Chennai, Kolkata, Mumbai, New Delhi)",
        "difference": "+05:30",
    },
    {"id": 78, "tzid": "Asia/Singapore", "name": "Singapore", "difference": "+08:00"},
    {"id": 90, "tzid": "Australia/Sydney", "name": "Canberra, Melbourne, Sydney", "difference": "+10:00"},
]


def mettl_time(value: datetime) -> str:
    """``Jan 14, 2019 1:00:00 AM``."""
    hour = value.hour % 12 or 12
    meridiem = "AM" if value.hour < 12 else "PM"
    clock = f"{hour}:{value.minute:02d}:{value.second:02d}"
    return f"{_MONTHS[value.month - 1]} {value.day}, {value.year} {clock} {meridiem}"


def _java(value: str | None) -> str:
    """A value as Java's string concatenation shows it (``null`` for none)."""
    return "null" if value is None else value


def epoch_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def ist_string(value: datetime) -> str:
    """``2019-04-26 12:47:24 IST`` for an aware datetime."""
    return (value.astimezone(UTC) + IST).strftime("%Y-%m-%d %H:%M:%S IST")


@attrs.define
class TestRow:
    test_id: int
    name: str
    published: bool


@attrs.define
class CertificateRow:
    assessment_id: int
    paid_at: datetime | None
    tested_at: datetime | None
    score: float | None
    amount: float
    currency: str
    performance_category: str | None


@attrs.define
class ApplicantRow:
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
    slot_id: int
    window_id: int
    starts: datetime
    ends: datetime
    capacity: int


@attrs.define
class WindowRow:
    window_id: int
    name: str
    starts: datetime
    ends: datetime
    capacity: int
    active: bool
    slots: list[SlotRow] = attrs.Factory(list)


@attrs.define
class BookingRow:
    email: str
    slot_id: int
    assessment_id: int
    booked_at: datetime
    timezone_id: int


@attrs.define
class World:
    """The mutable state of one sandbox account."""

    tests: dict[int, TestRow]
    applicants: dict[str, ApplicantRow]  # by lower-cased e-mail, in registration order
    windows: dict[int, WindowRow]
    bookings: list[BookingRow]
    timezone: str | None
    invite_only: bool = True
    settings: dict[str, Any] = attrs.Factory(dict)
    next_id: int = 900_000

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def slot(self, slot_id: int) -> tuple[WindowRow, SlotRow] | None:
        for window in self.windows.values():
            for slot in window.slots:
                if slot.slot_id == slot_id:
                    return window, slot
        return None

    def ordered_windows(self) -> list[WindowRow]:
        """Active windows first, deactivated ones last, as the document says."""
        return sorted(self.windows.values(), key=lambda w: (not w.active, -w.window_id))

    # -- records in the document's shapes ---------------------------------------------------

    def certificate_record(self, row: CertificateRow) -> dict[str, Any]:
        return {
            "certificationName": self.tests[row.assessment_id].name,
            "paymentDate": epoch_ms(row.paid_at) if row.paid_at else None,
            "paymentDateString": ist_string(row.paid_at) if row.paid_at else None,
            "testDate": epoch_ms(row.tested_at) if row.tested_at else None,
            "testDateString": ist_string(row.tested_at) if row.tested_at else None,
            "scorePercentage": row.score,
            "certificationPassed": None if row.score is None else row.score >= 60.0,
            "amountPaid": {"amountPaid": row.amount, "currency": row.currency},
            "discountCoupon": None,
            "performanceCategory": row.performance_category,
            "certificateCustomMessage": "",
        }

    def result_record(self, applicant: ApplicantRow, assessment_id: int | None = None) -> dict[str, Any]:
        registration = {"First Name": applicant.first_name}
        if applicant.last_name is not None:
            registration["Last Name"] = applicant.last_name
        certificates = [
            self.certificate_record(c)
            for c in applicant.certificates
            if assessment_id is None or c.assessment_id == assessment_id
        ]
        return {
            "email": applicant.email,
            "First Name": applicant.first_name,
            "registration": registration,
            "registrationDate": applicant.registered_on.isoformat(),
            "certificates": certificates,
            "applicationStatus": None,
        }

    def crf(self, applicant: ApplicantRow) -> dict[str, str]:
        return {
            "Email Address": applicant.email,
            "First Name": applicant.first_name,
            "Last Name": applicant.last_name or "",
            "Date of birth": "",
            "Contact No": "",
            "Gender": "",
            "Country": applicant.country,
        }

    def enrolled_record(self, booking: BookingRow) -> dict[str, Any]:
        applicant = self.applicants[booking.email.lower()]
        found = self.slot(booking.slot_id)
        assert found is not None
        _, slot = found
        timezone = next(t for t in TIMEZONES if t["id"] == booking.timezone_id)
        crf: Any = self.crf(applicant)
        if applicant.crf_as_text:  # some rows carry the form as a JSON string
            crf = orjson.dumps(crf).decode()
        return {
            # Java string concatenation: "APP 1000 null" when there is no last name.
            "candidateName": f"{applicant.first_name} {_java(applicant.last_name)}",
            "email": applicant.email,
            "crf": crf,
            "bookingTime": mettl_time(booking.booked_at),
            "slotId": slot.slot_id,
            "slotFromTime": mettl_time(slot.starts),
            "slotToTime": mettl_time(slot.ends),
            "scheduleKey": hashlib.sha1(f"{booking.assessment_id}".encode()).hexdigest()[:8],  # noqa: S324
            "bookingTimezone": {k: timezone[k] for k in ("id", "difference", "name")},
            "assessmentName": self.tests[booking.assessment_id].name,
            "assessmentId": booking.assessment_id,
        }

    def window_record(self, window: WindowRow) -> dict[str, Any]:
        return {
            "slotWindowId": window.window_id,
            "certificationClientId": 22,
            "name": window.name,
            "fromDate": mettl_time(window.starts),
            "toDate": mettl_time(window.ends),
            "capacity": window.capacity,
            "status": window.active,
            "slots": [
                {
                    "slotId": s.slot_id,
                    "fromTime": mettl_time(s.starts),
                    "toTime": mettl_time(s.ends),
                    "capacity": s.capacity,
                }
                for s in window.slots
            ],
        }

    def slot_candidates(self, slot_id: int) -> list[dict[str, Any]]:
        rows = []
        for booking in self.bookings:
            if booking.slot_id == slot_id:
                applicant = self.applicants[booking.email.lower()]
                rows.append(
                    {
                        "firstName": applicant.first_name,
                        "email": applicant.email,
                        "certificationName": self.tests[booking.assessment_id].name,
                        "bookingTime": mettl_time(booking.booked_at),
                        "mettlAssessmentId": booking.assessment_id,
                    }
                )
        return rows


def build_world(applicants: int = 200, seed: int = 1, *, timezone_set: bool = True) -> World:
    """A deterministic account with ``applicants`` applicants."""
    rng = random.Random(seed)
    tests = {100 + i: TestRow(100 + i, f"Certification {i:02d}", published=i % 6 != 5) for i in range(1, 13)}
    published = [t.test_id for t in tests.values() if t.published]
    start = datetime(2019, 1, 1, tzinfo=UTC)
    people: dict[str, ApplicantRow] = {}
    countries = ("India", "United States", "Germany", "Brazil", "Kenya", "Japan")
    for i in range(applicants):
        local = f"app+{i}" if i % 13 == 5 else f"app{i}"
        row = ApplicantRow(
            email=f"{local}@yopmail.com",
            first_name=f"APP {i}",
            last_name=None if i % 17 == 3 else rng.choice(("Smith", "Gupta", "Khan", "Silva", "Müller")),
            country=rng.choice(countries),
            registered_on=(start + timedelta(days=rng.randrange(900))).date(),
            status="Deleted" if i % 29 == 13 else "Active" if i % 4 == 0 else "Activation Pending",
            admin_verified=i % 4 == 0,
            crf_as_text=i % 11 == 7,
        )
        for assessment in rng.sample(published, rng.choice((0, 1, 1, 2, 3))):
            paid = datetime.combine(row.registered_on, datetime.min.time(), UTC) + timedelta(
                seconds=rng.randrange(86_400 * 30), milliseconds=rng.randrange(1000)
            )
            taken = rng.random() < 0.8
            row.certificates.append(
                CertificateRow(
                    assessment_id=assessment,
                    paid_at=paid,
                    tested_at=paid + timedelta(seconds=rng.randrange(3600, 86_400 * 10)) if taken else None,
                    score=round(rng.uniform(20, 100), 1) if taken else None,
                    amount=rng.choice((0.0, 49.0, 99.0, 150.0)),
                    currency="USD",
                    performance_category=rng.choice((None, "Proficient", "Expert")) if taken else None,
                )
            )
            row.tests.add(assessment)
        people[row.email.lower()] = row

    windows: dict[int, WindowRow] = {}
    slot_id = 34_560
    for w in range(max(3, applicants // 150)):
        window_id = 150 + w
        day = datetime(2026, 1, 5) + timedelta(days=3 * w)
        capacity = rng.choice((12, 25, 50))
        window = WindowRow(
            window_id,
            f"WINDOW_{w:03d}",
            day + timedelta(hours=1),
            day + timedelta(days=1, hours=12),
            capacity,
            active=w % 5 != 4,
        )
        for d in range(2):
            for begin, end in ((1, 2), (11, 12)):
                slot_id += 1
                base = day + timedelta(days=d)
                window.slots.append(
                    SlotRow(
                        slot_id,
                        window_id,
                        base + timedelta(hours=begin),
                        base + timedelta(hours=end),
                        capacity,
                    )
                )
        windows[window_id] = window

    bookings: list[BookingRow] = []
    active_slots = [s for w in windows.values() if w.active for s in w.slots]
    for row in people.values():
        paid_for = [c.assessment_id for c in row.certificates if c.paid_at is not None]
        if paid_for and rng.random() < 0.3:
            slot = rng.choice(active_slots)
            if sum(b.slot_id == slot.slot_id for b in bookings) < slot.capacity:
                bookings.append(
                    BookingRow(
                        row.email,
                        slot.slot_id,
                        paid_for[0],
                        slot.starts - timedelta(days=1, seconds=rng.randrange(80_000)),
                        rng.choice((67, 67, 12, 34)),
                    )
                )
    return World(
        tests=tests,
        applicants=people,
        windows=windows,
        bookings=bookings,
        timezone="Asia/Kolkata" if timezone_set else None,
    )
