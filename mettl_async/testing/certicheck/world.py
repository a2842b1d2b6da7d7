"""The sandbox's account: seeded fake applicants, tests, slot windows and bookings.

Everything derives from the seed, so a world is the same on every run with the
same size and seed, and starting one costs little at any size: applicants are
generated on demand (``people``); the slot windows (``max(3, n // 150)``) and the
bookings (drawn among the first ``BOOKING_PREFIX`` applicants) are built at once
and stay small. Records are rendered in the shapes and formats the CertiCHECK
document shows (``"Jan 14, 2019 1:00:00 AM"``, epoch milliseconds,
``"2019-04-26 12:47:24 IST"``).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import attrs
import orjson

from .drift import Drift
from .formats import TIMEZONE_BY_ID, TIMEZONES, epoch_ms, ist_string, mettl_time
from .generator import PERIOD, Generator, generated_email
from .people import Applicants, certificate_record, result_record
from .rows import ApplicantRow, BookingRow, CertificateRow, SlotRow, TestRow, WindowRow
from .shapes import BOOKING_TIMEZONE, ENROLLED, SLOT, SLOT_CANDIDATE, SLOT_WINDOW

__all__ = [
    "TIMEZONES",
    "ApplicantRow",
    "BookingRow",
    "CertificateRow",
    "SlotRow",
    "TestRow",
    "WindowRow",
    "World",
    "build_world",
    "epoch_ms",
    "ist_string",
    "mettl_time",
]

#: Bookings are drawn among the first this many applicants: a bounded list at any size.
BOOKING_PREFIX = 20_000


def _java(value: str | None) -> str:
    """A value as Java's string concatenation shows it (``null`` for none)."""
    return "null" if value is None else value


@attrs.define
class World:
    """The mutable state of one sandbox account.

    Change windows through ``add_window``/``remove_window`` (they keep the slot index).
    """

    tests: dict[int, TestRow]
    applicants: Applicants  # by lower-cased e-mail, in registration order
    windows: dict[int, WindowRow]
    bookings: list[BookingRow]
    timezone: str | None
    invite_only: bool = True
    settings: dict[str, Any] = attrs.Factory(dict)
    next_id: int = 900_000
    #: How the results list drifts from the world (tests of changes between harvests).
    drift: Drift | None = None
    _slots: dict[int, tuple[WindowRow, SlotRow]] = attrs.field(factory=dict, eq=False, repr=False)
    _order: list[WindowRow] | None = attrs.field(default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        for window in self.windows.values():
            self._index(window)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _index(self, window: WindowRow) -> None:
        for slot in window.slots:
            self._slots[slot.slot_id] = (window, slot)

    def add_window(self, window: WindowRow) -> None:
        """A new slot window (and its slots)."""
        self.windows[window.window_id] = window
        self._index(window)
        self._order = None

    def remove_window(self, window_id: int) -> WindowRow | None:
        """Delete a slot window and its bookings; the window, or ``None`` if there was none."""
        window = self.windows.pop(window_id, None)
        if window is not None:
            slot_ids = {s.slot_id for s in window.slots}
            for slot_id in slot_ids:
                self._slots.pop(slot_id, None)
            self.bookings[:] = [b for b in self.bookings if b.slot_id not in slot_ids]
            self._order = None
        return window

    def slot(self, slot_id: int) -> tuple[WindowRow, SlotRow] | None:
        found = self._slots.get(slot_id)
        if found is None or self.windows.get(found[0].window_id) is not found[0]:
            return None
        return found

    def ordered_windows(self) -> list[WindowRow]:
        """Active windows first, deactivated ones last, as the document says (kept until a change)."""
        if self._order is None or len(self._order) != len(self.windows):
            self._order = sorted(self.windows.values(), key=lambda w: (not w.active, -w.window_id))
        return self._order

    # -- records in the document's shapes ---------------------------------------------------

    def certificate_record(self, row: CertificateRow) -> dict[str, Any]:
        return certificate_record(self.tests, row)

    def result_record(self, applicant: ApplicantRow, assessment_id: int | None = None) -> dict[str, Any]:
        return result_record(self.tests, applicant, assessment_id)

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

    def _booked(self, booking: BookingRow) -> ApplicantRow:
        applicant = self.applicants.lookup(booking.email)
        assert applicant is not None, "bookings are only made for applicants of the account"
        return applicant

    def enrolled_record(self, booking: BookingRow) -> dict[str, Any]:
        applicant = self._booked(booking)
        found = self.slot(booking.slot_id)
        assert found is not None
        _, slot = found
        timezone = TIMEZONE_BY_ID[booking.timezone_id]
        crf: Any = self.crf(applicant)
        if applicant.crf_as_text:  # some rows carry the form as a JSON string
            crf = orjson.dumps(crf).decode()
        return ENROLLED.make(
            # Java string concatenation: "APP 1000 null" when there is no last name.
            candidate_name=f"{applicant.first_name} {_java(applicant.last_name)}",
            email=applicant.email,
            crf=crf,
            booking_time=mettl_time(booking.booked_at),
            slot_id=slot.slot_id,
            slot_from_time=mettl_time(slot.starts),
            slot_to_time=mettl_time(slot.ends),
            schedule_key=hashlib.sha1(f"{booking.assessment_id}".encode()).hexdigest()[:8],  # noqa: S324
            booking_timezone=BOOKING_TIMEZONE.make(
                id=timezone.timezone_id, difference=timezone.difference, name=timezone.name
            ),
            assessment_name=self.tests[booking.assessment_id].name,
            assessment_id=booking.assessment_id,
        )

    def window_record(self, window: WindowRow) -> dict[str, Any]:
        return SLOT_WINDOW.make(
            slot_window_id=window.window_id,
            certification_client_id=22,
            name=window.name,
            from_date=mettl_time(window.starts),
            to_date=mettl_time(window.ends),
            capacity=window.capacity,
            status=window.active,
            slots=[
                SLOT.make(
                    slot_id=s.slot_id,
                    from_time=mettl_time(s.starts),
                    to_time=mettl_time(s.ends),
                    capacity=s.capacity,
                )
                for s in window.slots
            ],
        )

    def slot_candidates(self, slot_id: int) -> list[dict[str, Any]]:
        rows = []
        for booking in self.bookings:
            if booking.slot_id == slot_id:
                applicant = self._booked(booking)
                rows.append(
                    SLOT_CANDIDATE.make(
                        first_name=applicant.first_name,
                        email=applicant.email,
                        certification_name=self.tests[booking.assessment_id].name,
                        booking_time=mettl_time(booking.booked_at),
                        mettl_assessment_id=booking.assessment_id,
                    )
                )
        return rows


def _windows(count: int, seed: int) -> dict[int, WindowRow]:
    """``count`` windows three days apart, two days of two slots each; every fifth deactivated."""
    rng = random.Random(f"certicheck-windows:{seed}")
    windows: dict[int, WindowRow] = {}
    slot_id = 34_560
    for w in range(count):
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
    return windows


def _bookings(applicants: Applicants, windows: dict[int, WindowRow], seed: int) -> list[BookingRow]:
    """About three in ten of the first ``BOOKING_PREFIX`` applicants who paid for a test, booked
    into a random active slot for the first test they paid for, while it has room.

    The first paying applicant without a last name and the first whose form comes as a
    JSON string are always booked: every enrolled list then shows the document's quirks
    (``"APP 1000 null"``, ``crf`` as text), whatever the size.
    """
    rng = random.Random(f"certicheck-bookings:{seed}")
    active = [s for w in windows.values() if w.active for s in w.slots]
    combos = applicants.generator.combos
    prefix = min(applicants.count, BOOKING_PREFIX)
    quirks = {
        next((i for i in range(first, prefix, step) if combos[i % PERIOD]), -1)
        for first, step in ((3, 17), (7, 11))  # as ``Generator.row``: no last name, crf as text
    }
    taken: Counter[int] = Counter()
    bookings: list[BookingRow] = []
    for index in range(prefix):
        combo = combos[index % PERIOD]
        if not combo or (rng.random() >= 0.3 and index not in quirks):
            continue
        slot = rng.choice(active)
        booked_at = slot.starts - timedelta(days=1, seconds=rng.randrange(80_000))
        timezone_id = rng.choice((67, 67, 12, 34))
        if taken[slot.slot_id] < slot.capacity:
            taken[slot.slot_id] += 1
            bookings.append(
                BookingRow(generated_email(index), slot.slot_id, combo[0], booked_at, timezone_id)
            )
    return bookings


def build_world(applicants: int = 200, seed: int = 1, *, timezone_set: bool = True) -> World:
    """A deterministic account with ``applicants`` applicants (generated as they are asked for)."""
    tests = {100 + i: TestRow(100 + i, f"Certification {i:02d}", published=i % 6 != 5) for i in range(1, 13)}
    people = Applicants(Generator(seed, tests), applicants)
    windows = _windows(max(3, applicants // 150), seed)
    return World(
        tests=tests,
        applicants=people,
        windows=windows,
        bookings=_bookings(people, windows, seed),
        timezone="Asia/Kolkata" if timezone_set else None,
    )
