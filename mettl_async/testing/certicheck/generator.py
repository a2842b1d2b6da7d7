"""How a generated applicant looks: a pure function of ``(seed, index)``.

Applicant ``i``'s e-mail (``app{i}@yopmail.com``, or ``app+{i}@...`` for every
thirteenth), name, status and quirks follow ``i``. Its own random numbers (a keyed
BLAKE2b hash of ``i``) give its last name, country, registration day and which of
``VARIANTS`` certificate histories it has. The assessments it holds repeat with a
period of ``PERIOD`` applicants (drawn once from the seed), so the applicants of one
assessment are computed, not searched; each position of the period has ``VARIANTS``
histories (when each certificate was paid and taken, relative to the registration
day, its score, amount and category), each drawn from its own hash.

``Generator.row`` gives an applicant as a row. ``Generator.render`` writes results
records straight to JSON text from the same numbers: a history's text is prepared
once (on first use) and only the dates move with the registration day, which keeps a
500-record page near a millisecond of CPU. The tests check the two agree.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import struct
from array import array
from collections.abc import Iterable, Mapping

import orjson

from ..shapes import Shape
from .formats import CLOCK, DAYS, IST_SECONDS, START_MS, at_ms
from .gson import gson_escape
from .rows import ApplicantRow, CertificateRow, TestRow
from .shapes import AMOUNT_PAID, APPLICANT_RESULT, CERTIFICATE, FIRST_NAME

#: The assessments held repeat every ``PERIOD`` applicants (a prime: no step with the quirks).
PERIOD = 4093
#: Certificate histories per position of the period.
VARIANTS = 4
REGISTRATION_DAYS = 900
LAST_NAMES = ("Smith", "Gupta", "Khan", "Silva", "Müller")
COUNTRIES = ("India", "United States", "Germany", "Brazil", "Kenya", "Japan")
AMOUNTS = (0.0, 49.0, 99.0, 150.0)
CATEGORIES = (None, "Proficient", "Expert")
_CERTIFICATE_COUNTS = (0, 1, 1, 2, 3)
_DAY_MS = 86_400_000
_PAY_WINDOW_MS = 30 * _DAY_MS  # paid within 30 days of registering
_TEST_DELAY_MS = 3_600_000  # tested an hour to ten days after paying, to the second
_TEST_SPREAD_S = 86_400 * 10 - 3_600
_SCORE_LOW, _SCORES = 200, 801  # scores 20.0 to 100.0, in tenths
_APPLICANT_WORDS = struct.Struct("<4I").unpack
_HISTORY_WORDS = struct.Struct("<9I").unpack
GENERATED_EMAIL = re.compile(r"app\+?([0-9]{1,10})@yopmail\.com")

#: A certificate relative to the registration day (midnight UTC): paid and tested (ms
#: after it; tested ``None`` when not taken), score in tenths, amount and category indexes.
CertificateNumbers = tuple[int, int | None, int | None, int, int | None]
#: Its text, for ``render``: test id, JSON up to the payment date, paid (ms), IST day
#: offset of the payment, text after that day up to the test date, tested (ms, or
#: ``None``: the record ends with the payment's text), its IST day offset, the rest.
_Piece = tuple[int, str, int, int, str, int | None, int, str]


def generated_email(index: int) -> str:
    """The e-mail of generated applicant ``index``."""
    return f"app+{index}@yopmail.com" if index % 13 == 5 else f"app{index}@yopmail.com"


def certificate_numbers(paid_word: int, test_word: int, kind: int) -> CertificateNumbers:
    """A certificate from three random 32-bit words."""
    paid = paid_word % _PAY_WINDOW_MS
    amount = kind // 5 % 4
    if kind % 5 == 0:  # one in five paid and not taken
        return paid, None, None, amount, None
    tested = paid + _TEST_DELAY_MS + test_word % _TEST_SPREAD_S * 1000
    return paid, tested, _SCORE_LOW + kind // 60 % _SCORES, amount, kind // 20 % 3


def _ascii_json(text: str) -> str:
    """``text`` as a JSON string, ASCII only and escaped as the server escapes."""
    return gson_escape(json.dumps(text).encode()).decode()


def _key(shape: Shape, field: str) -> str:
    """``"wireKey":``, the text before a field's value: the key as the field's model declares it."""
    return _ascii_json(shape.key(field)) + ":"


#: Fixed pieces of the JSON of generated records, made once from the models' keys: ASCII only
#: (no costly encoding of the page) and with nothing the server's escaping would change (no
#: second pass over them).
_LAST = tuple(f',"Last Name":{_ascii_json(n)}' for n in LAST_NAMES)
_TAIL = tuple(
    f",{_key(CERTIFICATE, 'amount_paid')}{{{_key(AMOUNT_PAID, 'amount_paid')}{orjson.dumps(a).decode()},"
    f'{_key(AMOUNT_PAID, "currency")}"USD"}},{_key(CERTIFICATE, "discount_coupon")}null,'
    f"{_key(CERTIFICATE, 'performance_category')}{_ascii_json(c) if c else 'null'},"
    f'{_key(CERTIFICATE, "certificate_custom_message")}""}}'
    for c in CATEGORIES
    for a in AMOUNTS
)
_UNTAKEN = "".join(
    f",{_key(CERTIFICATE, field)}null"
    for field in ("test_date", "test_date_string", "score_percentage", "certification_passed")
)
_PAID_TEXT = f',{_key(CERTIFICATE, "payment_date_string")}"'
_TEST_DATE = f",{_key(CERTIFICATE, 'test_date')}"
_TEST_TEXT = f',{_key(CERTIFICATE, "test_date_string")}"'
_SCORE = f",{_key(CERTIFICATE, 'score_percentage')}"
_PASSED = f",{_key(CERTIFICATE, 'certification_passed')}"
_PAID = f",{_key(CERTIFICATE, 'payment_date')}"
#: An applicant's record around its e-mail, name, day and certificates.
_EMAIL = f'{{{_key(APPLICANT_RESULT, "email")}"app'
_NAME = f'@yopmail.com",{_ascii_json(FIRST_NAME)}:"APP '
_REGISTRATION = f'",{_key(APPLICANT_RESULT, "registration")}{{{_ascii_json(FIRST_NAME)}:"APP '
_REGISTERED = f'}},{_key(APPLICANT_RESULT, "registration_date")}"'
_CERTIFICATES = f'",{_key(APPLICANT_RESULT, "certificates")}['
_END = f"],{_key(APPLICANT_RESULT, 'application_status')}null}}"
#: Start of each registration day, in epoch milliseconds.
_DAY_STARTS = tuple(START_MS + d * _DAY_MS for d in range(REGISTRATION_DAYS))


def _ist(after_day_ms: int) -> tuple[int, str]:
    """IST day offset and clock of a time ``after_day_ms`` after a day's midnight UTC."""
    day, second = divmod(after_day_ms // 1000 + IST_SECONDS, 86_400)
    return day, CLOCK[second]


class Generator:
    """How every generated applicant looks, from the seed: pure and shared."""

    __slots__ = ("_applicant_key", "_heads", "_history_key", "_pieces", "combos", "members", "seed", "tests")

    def __init__(self, seed: int, tests: Mapping[int, TestRow]) -> None:
        self.seed = seed
        self.tests = tests
        self._applicant_key = hashlib.blake2b(key=f"certicheck:{seed}".encode(), digest_size=16)
        self._history_key = hashlib.blake2b(key=f"certicheck-history:{seed}".encode(), digest_size=36)
        published = [t.test_id for t in tests.values() if t.published]
        rng = random.Random(f"certicheck-assessments:{seed}")
        self.combos = tuple(
            tuple(rng.sample(published, rng.choice(_CERTIFICATE_COUNTS))) for _ in range(PERIOD)
        )
        members: dict[int, array[int]] = {t: array("i") for t in tests}
        for position, combo in enumerate(self.combos):
            for test_id in combo:
                members[test_id].append(position)
        self.members = members
        self._heads = {
            t.test_id: f"{{{_key(CERTIFICATE, 'certification_name')}{_ascii_json(t.name)}{_PAID}"
            for t in tests.values()
        }
        self._pieces: dict[int, tuple[_Piece, ...]] = {}  # by history, filled on first use

    def prepare(self, count: int) -> None:
        """Prepare the text of every history ``count`` applicants can have (at most
        ``PERIOD * VARIANTS``: some 0.15 s and 8 MB), so no page pays for it."""
        for history in range(min(count, PERIOD) * VARIANTS):
            if history not in self._pieces:
                self._history_pieces(history)

    def words(self, index: int) -> tuple[int, ...]:
        """Applicant ``index``'s own random numbers: last name, country, day, history."""
        hasher = self._applicant_key.copy()
        hasher.update(index.to_bytes(8, "little"))
        return _APPLICANT_WORDS(hasher.digest())

    def history(self, history: int) -> tuple[CertificateNumbers, ...]:
        """Certificate history ``history`` (``position * VARIANTS + variant``), one per test of
        its position's combination."""
        hasher = self._history_key.copy()
        hasher.update(history.to_bytes(8, "little"))
        words = _HISTORY_WORDS(hasher.digest())
        combo = self.combos[history // VARIANTS]
        return tuple(certificate_numbers(*words[3 * j : 3 * j + 3]) for j in range(len(combo)))

    def row(self, index: int) -> ApplicantRow:
        """Generated applicant ``index`` as a row (a fresh copy on every call)."""
        words = self.words(index)
        day_ms = words[2] % REGISTRATION_DAYS * _DAY_MS
        position = index % PERIOD
        certificates = [
            CertificateRow(
                assessment_id=test_id,
                paid_at=at_ms(day_ms + paid),
                tested_at=None if tested is None else at_ms(day_ms + tested),
                score=None if tenths is None else tenths / 10,
                amount=AMOUNTS[amount],
                currency="USD",
                performance_category=None if category is None else CATEGORIES[category],
            )
            for test_id, (paid, tested, tenths, amount, category) in zip(
                self.combos[position], self.history(position * VARIANTS + words[3] % VARIANTS), strict=True
            )
        ]
        return ApplicantRow(
            email=generated_email(index),
            first_name=f"APP {index}",
            last_name=None if index % 17 == 3 else LAST_NAMES[words[0] % 5],
            country=COUNTRIES[words[1] % 6],
            registered_on=at_ms(day_ms).date(),
            status="Deleted" if index % 29 == 13 else "Active" if index % 4 == 0 else "Activation Pending",
            admin_verified=index % 4 == 0,
            certificates=certificates,
            tests=set(self.combos[position]),
            crf_as_text=index % 11 == 7,
        )

    def result_json(self, index: int, only: int | None = None) -> str:
        """``result_record(row(index), only)`` as compact JSON text, escaped as the server escapes."""
        return self.render((index,), only)[0]

    def _history_pieces(self, history: int) -> tuple[_Piece, ...]:
        pieces: list[_Piece] = []
        for test_id, (paid, tested, tenths, amount, category) in zip(
            self.combos[history // VARIANTS], self.history(history), strict=True
        ):
            paid_day, paid_clock = _ist(paid)
            if tested is None or tenths is None or category is None:
                after_paid = f' {paid_clock} IST"{_UNTAKEN}{_TAIL[amount]}'
                pieces.append((test_id, self._heads[test_id], paid, paid_day, after_paid, None, 0, ""))
                continue
            test_day, test_clock = _ist(tested)
            passed = "true" if tenths >= 600 else "false"
            rest = (
                f' {test_clock} IST"{_SCORE}{tenths // 10}.{tenths % 10}'
                f"{_PASSED}{passed}{_TAIL[amount + 4 * category]}"
            )
            after_paid = f' {paid_clock} IST"{_TEST_DATE}'
            pieces.append((test_id, self._heads[test_id], paid, paid_day, after_paid, tested, test_day, rest))
        self._pieces[history] = result = tuple(pieces)
        return result

    def render(self, indexes: Iterable[int], only: int | None = None) -> list[str]:
        """``result_json`` of each index: the hot loop of a results page, so everything it
        reads is a local and all the text that does not move with the day is prepared."""
        key, unpack, all_pieces, days, starts, last = (
            self._applicant_key,
            _APPLICANT_WORDS,
            self._pieces,
            DAYS,
            _DAY_STARTS,
            _LAST,
        )
        paid_text, test_text = _PAID_TEXT, _TEST_TEXT
        email, name, registration, registered, certificates_at, end = (
            _EMAIL,
            _NAME,
            _REGISTRATION,
            _REGISTERED,
            _CERTIFICATES,
            _END,
        )
        out = []
        for index in indexes:
            hasher = key.copy()
            hasher.update(index.to_bytes(8, "little"))
            words = unpack(hasher.digest())
            day = words[2] % REGISTRATION_DAYS
            start = starts[day]
            history = index % PERIOD * VARIANTS + words[3] % VARIANTS
            pieces = all_pieces.get(history)
            if pieces is None:
                pieces = self._history_pieces(history)
            certificates = []
            for test_id, head, paid, paid_day, after_paid, tested, test_day, rest in pieces:
                if only is not None and test_id != only:
                    continue
                if tested is None:
                    certificates.append(f"{head}{start + paid}{paid_text}{days[day + paid_day]}{after_paid}")
                else:
                    certificates.append(
                        f"{head}{start + paid}{paid_text}{days[day + paid_day]}{after_paid}"
                        f"{start + tested}{test_text}{days[day + test_day]}{rest}"
                    )
            plus = "+" if index % 13 == 5 else ""
            last_name = "" if index % 17 == 3 else last[words[0] % 5]
            out.append(
                f'{email}{plus}{index}{name}{index}{registration}{index}"{last_name}{registered}'
                f"{days[day]}{certificates_at}{','.join(certificates)}{end}"
            )
        return out
