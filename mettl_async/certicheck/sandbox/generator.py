"""How a generated applicant looks: a pure function of ``(seed, index)``.

Applicant ``i``'s e-mail (``app{i}@yopmail.com``, or ``app+{i}@...`` for every
thirteenth), name, status and quirks follow ``i``; its last name, country,
registration date and certificates come from a keyed BLAKE2b hash of ``i``. Which
assessments it holds repeats with a period of ``PERIOD`` applicants (drawn once from
the seed), so the applicants of one assessment are computed, not searched.

``Generator.row`` gives an applicant as a row; ``Generator.render`` writes results
records straight to JSON text from the same numbers (the tests check the two agree).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import struct
from array import array
from collections.abc import Iterable, Mapping, Sequence

import orjson

from .formats import CLOCK, DAYS, IST_SECONDS, START_MS, at_ms
from .gson import gson_escape
from .rows import ApplicantRow, CertificateRow, TestRow

#: The assessments held repeat every ``PERIOD`` applicants (a prime: no step with the quirks).
PERIOD = 4093
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
_WORDS = struct.Struct("<12I").unpack
GENERATED_EMAIL = re.compile(r"app\+?([0-9]{1,10})@yopmail\.com")

CertificateNumbers = tuple[int, int | None, int | None, int, int | None]


def generated_email(index: int) -> str:
    """The e-mail of generated applicant ``index``."""
    return f"app+{index}@yopmail.com" if index % 13 == 5 else f"app{index}@yopmail.com"


def certificate_numbers(words: Sequence[int], j: int, day: int) -> CertificateNumbers:
    """Certificate ``j`` of an applicant registered on ``day``, from its words: paid and tested
    (ms after ``START``; tested ``None`` when not taken), score in tenths, amount and category
    indexes. ``Generator.render`` inlines the same arithmetic."""
    paid_word, test_word, kind = words[3 + 3 * j : 6 + 3 * j]
    paid = day * _DAY_MS + paid_word % _PAY_WINDOW_MS
    amount = kind // 5 % 4
    if kind % 5 == 0:  # one in five paid and not taken
        return paid, None, None, amount, None
    tested = paid + _TEST_DELAY_MS + test_word % _TEST_SPREAD_S * 1000
    return paid, tested, _SCORE_LOW + kind // 60 % _SCORES, amount, kind // 20 % 3


def _ascii_json(text: str) -> str:
    """``text`` as a JSON string, ASCII only and escaped as the server escapes."""
    return gson_escape(json.dumps(text).encode()).decode()


#: Fixed pieces of the JSON of generated records: ASCII only (no costly encoding of the
#: page) and with nothing the server's escaping would change (no second pass over them).
_LAST = tuple(f',"Last Name":{_ascii_json(n)}' for n in LAST_NAMES)
_SCORE = tuple(
    f',"scorePercentage":{t // 10}.{t % 10},"certificationPassed":{"true" if t >= 600 else "false"}'
    for t in range(_SCORE_LOW, _SCORE_LOW + _SCORES)
)
_TAIL = tuple(  # by amount + 4 * category
    f',"amountPaid":{{"amountPaid":{orjson.dumps(a).decode()},"currency":"USD"}},"discountCoupon":null,'
    f'"performanceCategory":{_ascii_json(c) if c else "null"},"certificateCustomMessage":""}}'
    for c in CATEGORIES
    for a in AMOUNTS
)
_UNTAKEN = tuple(
    ',"testDate":null,"testDateString":null,"scorePercentage":null,"certificationPassed":null' + _TAIL[a]
    for a in range(len(AMOUNTS))
)


class Generator:
    """How every generated applicant looks, from the seed: pure and shared."""

    __slots__ = ("_heads", "_key", "combos", "members", "seed", "tests")

    def __init__(self, seed: int, tests: Mapping[int, TestRow]) -> None:
        self.seed = seed
        self.tests = tests
        self._key = hashlib.blake2b(key=f"certicheck:{seed}".encode(), digest_size=48)
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
            t.test_id: f'{{"certificationName":{_ascii_json(t.name)},"paymentDate":' for t in tests.values()
        }

    def words(self, index: int) -> tuple[int, ...]:
        """Twelve 32-bit words: applicant ``index``'s own random numbers."""
        hasher = self._key.copy()
        hasher.update(index.to_bytes(8, "little"))
        return _WORDS(hasher.digest())

    def row(self, index: int) -> ApplicantRow:
        """Generated applicant ``index`` as a row (a fresh copy on every call)."""
        words = self.words(index)
        day = words[2] % REGISTRATION_DAYS
        combo = self.combos[index % PERIOD]
        certificates = []
        for j, test_id in enumerate(combo):
            paid, tested, tenths, amount, category = certificate_numbers(words, j, day)
            certificates.append(
                CertificateRow(
                    assessment_id=test_id,
                    paid_at=at_ms(paid),
                    tested_at=None if tested is None else at_ms(tested),
                    score=None if tenths is None else tenths / 10,
                    amount=AMOUNTS[amount],
                    currency="USD",
                    performance_category=None if category is None else CATEGORIES[category],
                )
            )
        return ApplicantRow(
            email=generated_email(index),
            first_name=f"APP {index}",
            last_name=None if index % 17 == 3 else LAST_NAMES[words[0] % 5],
            country=COUNTRIES[words[1] % 6],
            registered_on=at_ms(day * _DAY_MS).date(),
            status="Deleted" if index % 29 == 13 else "Active" if index % 4 == 0 else "Activation Pending",
            admin_verified=index % 4 == 0,
            certificates=certificates,
            tests=set(combo),
            crf_as_text=index % 11 == 7,
        )

    def result_json(self, index: int, only: int | None = None) -> str:
        """``result_record(row(index), only)`` as compact JSON text, escaped as the server escapes."""
        return self.render((index,), only)[0]

    def render(self, indexes: Iterable[int], only: int | None = None) -> list[str]:
        """``result_json`` of each index: the hot loop of a results page, so everything it
        reads is a local, every fixed piece of text is precomputed, and ``row``'s
        arithmetic (``certificate_numbers``) is written out inline."""
        key, unpack, combos, heads = self._key, _WORDS, self.combos, self._heads
        days, clock, last, score, tail, untaken = DAYS, CLOCK, _LAST, _SCORE, _TAIL, _UNTAKEN
        start, ist = START_MS, IST_SECONDS
        out = []
        for index in indexes:
            hasher = key.copy()
            hasher.update(index.to_bytes(8, "little"))
            words = unpack(hasher.digest())
            day = words[2] % REGISTRATION_DAYS
            certificates = []
            j = 3
            for test_id in combos[index % PERIOD]:
                if only is None or test_id == only:
                    paid = day * _DAY_MS + words[j] % _PAY_WINDOW_MS
                    paid_day, paid_second = divmod(paid // 1000 + ist, 86_400)
                    paid_text = (
                        f'{heads[test_id]}{start + paid},"paymentDateString":"{days[paid_day]} '
                        f'{clock[paid_second]} IST"'
                    )
                    kind = words[j + 2]
                    if kind % 5:
                        tested = paid + _TEST_DELAY_MS + words[j + 1] % _TEST_SPREAD_S * 1000
                        test_day, test_second = divmod(tested // 1000 + ist, 86_400)
                        certificates.append(
                            f'{paid_text},"testDate":{start + tested},"testDateString":"{days[test_day]} '
                            f'{clock[test_second]} IST"{score[kind // 60 % _SCORES]}{tail[kind // 5 % 12]}'
                        )
                    else:
                        certificates.append(f"{paid_text}{untaken[kind // 5 % 4]}")
                j += 3
            plus = "+" if index % 13 == 5 else ""
            last_name = "" if index % 17 == 3 else last[words[0] % 5]
            out.append(
                f'{{"email":"app{plus}{index}@yopmail.com","First Name":"APP {index}",'
                f'"registration":{{"First Name":"APP {index}"{last_name}}},'
                f'"registrationDate":"{days[day]}","certificates":[{",".join(certificates)}],'
                '"applicationStatus":null}'
            )
        return out
