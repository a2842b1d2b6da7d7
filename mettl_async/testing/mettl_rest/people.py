"""The REST sandbox's seeded candidates, generated on demand.

Seeded candidate ``j`` (``cand{j}@example.com``, ``cand+{j}@…`` for every thirteenth)
is in the first of the ``K`` seeded schedules when ``j`` is even, else in schedule
``(j // 2) % K``; every fifth is also in the next one. That repeats every ``10 K``
candidates, so a schedule's candidates are computed (``PeriodicIndexes``), never
listed. What candidate ``j`` did in schedule ``k`` comes from the seed: its fate from
a table of ``FATE_PERIOD`` fates (six in ten finished and graded, one running, one
expired, two not started) read at its position in the schedule, so a schedule's count
of finished tests is arithmetic; its last name, start, marks and proctoring from its
own numbers (``Draws``: a keyed hash of ``j * K + k``). Its instance id is
``SEEDED_IDS + j * K + k``.

Nothing is stored per candidate until it changes: a schedule keeps the rows the API
or the lifecycle changed, the candidates registered, and the positions deleted.
"""

from __future__ import annotations

import hashlib
import random
import re
import struct
from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterator, Mapping, Sequence, ValuesView
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any, TypeVar, overload

from ..periodic import PeriodicIndexes
from .rows import BASE_TIME, AssessmentRow, CandidateRow, marks, proctoring

T = TypeVar("T")
SEEDED_IDS = 100_000_000
FATE_PERIOD = 4099
_FATE_SHIFT = 1013  # where schedule k starts reading the fates: k * 1013
LAST_NAMES = ("Rao", "Silva", "Ng")
_WORDS = struct.Struct("<16I").unpack
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_BASE_US = (BASE_TIME - _EPOCH) // _MICROSECOND
_NOT_STARTED = "1" + "0" * 20 + "\0"
_SEEDED_EMAIL = re.compile(r"cand\+?([0-9]{1,10})@example\.com")


class Draws:
    """A candidate's own random numbers: 32-bit words of a keyed BLAKE2b hash of its id
    (and a block counter), with the few methods of ``random.Random`` a history uses."""

    __slots__ = ("_at", "_block", "_ident", "_key", "_words")

    def __init__(self, key: Any, ident: int) -> None:
        self._key = key
        self._ident = ident
        self._block = -1
        self._words: tuple[int, ...] = ()
        self._at = 16

    def word(self) -> int:
        """The next 32-bit word."""
        if self._at == 16:
            self._block += 1
            hasher = self._key.copy()
            hasher.update(self._ident.to_bytes(8, "little") + self._block.to_bytes(4, "little"))
            self._words, self._at = _WORDS(hasher.digest()), 0
        self._at += 1
        return self._words[self._at - 1]

    def random(self) -> float:
        """In ``[0, 1)``."""
        return self.word() / 4_294_967_296

    def uniform(self, a: float, b: float) -> float:
        """In ``[a, b)``."""
        return a + (b - a) * self.random()

    def randrange(self, start: int, stop: int) -> int:
        """In ``range(start, stop)`` (a bias below one in ten thousand for these ranges)."""
        return start + self.word() % (stop - start)

    def choice(self, seq: Sequence[T]) -> T:
        """One of ``seq``."""
        return seq[self.word() % len(seq)]


def seeded_email(j: int) -> str:
    """The e-mail of seeded candidate ``j``."""
    return f"cand+{j}@example.com" if j % 13 == 5 else f"cand{j}@example.com"


class SeededCandidates:
    """Who the ``count`` seeded candidates of ``schedules`` seeded schedules are, and what
    each did: pure, from the seed."""

    def __init__(self, seed: int, count: int, schedules: int) -> None:
        self.seed, self.count, self.schedules = seed, count, max(1, schedules)
        self.period = 10 * self.schedules
        self._positions: list[array[int]] = [array("i") for _ in range(self.schedules)]
        for j in range(self.period):
            for k in self.homes(j):
                self._positions[k].append(j)
        self._key = hashlib.blake2b(key=f"mettl-rest:{seed}".encode(), digest_size=64)
        rng = random.Random(f"mettl-rest-fates:{seed}")
        self._fates = bytes(
            0 if f < 0.6 else 1 if f < 0.7 else 2 if f < 0.8 else 3
            for f in (rng.random() for _ in range(FATE_PERIOD))
        )
        self._members = [PeriodicIndexes(p, self.period, count) for p in self._positions]
        #: Graded fates among the first ``i`` of the table: a schedule's count in O(1).
        self._graded_before = array("i", accumulate((fate == 0 for fate in self._fates), initial=0))

    def homes(self, j: int) -> tuple[int, ...]:
        """The seeded schedules (by creation order) candidate ``j`` is in."""
        home = 0 if j % 2 == 0 else (j // 2) % self.schedules
        if j % 5 == 0 and self.schedules > 1:
            return home, (home + 1) % self.schedules
        return (home,)

    def members(self, k: int) -> PeriodicIndexes:
        """The seeded candidates of schedule ``k``, in registration order."""
        return self._members[k]

    def index_of(self, email: str) -> int | None:
        """The seeded candidate with this e-mail (any case), if there is one."""
        folded = email.strip().lower()
        match = _SEEDED_EMAIL.fullmatch(folded)
        if match is None:
            return None
        j = int(match.group(1))
        return j if j < self.count and seeded_email(j) == folded else None

    def fate(self, k: int, position: int) -> int:
        """0 graded, 1 running, 2 expired, 3 not started: the fate of the ``position``-th
        seeded candidate of schedule ``k`` (each schedule reads the table from its own place)."""
        return self._fates[(position + k * _FATE_SHIFT) % FATE_PERIOD]

    def draws(self, k: int, j: int) -> Draws:
        """The own numbers of candidate ``j`` in schedule ``k``."""
        return Draws(self._key, j * self.schedules + k)

    def row(self, k: int, position: int, assessment: AssessmentRow) -> CandidateRow:
        """The ``position``-th seeded candidate of schedule ``k`` (a fresh row on every call)."""
        j = self.members(k)[position]
        draws = self.draws(k, j)
        email = seeded_email(j)
        fields = {"First Name": f"Cand {email.split('@')[0]}", "Last Name": draws.choice(LAST_NAMES)}
        row = CandidateRow(email=email, fields=fields, instance_id=SEEDED_IDS + j * self.schedules + k)
        started = BASE_TIME + timedelta(minutes=draws.randrange(0, 100_000))
        fate = self.fate(k, position)
        if fate == 0:
            row.started_at = started
            row.result, row.ended_at = marks(draws, assessment, started)
            row.status, row.completion_mode, row.graded = "Completed", "Submitted", True
            row.proctoring = proctoring(draws)
        elif fate == 1:
            row.status, row.started_at = "InProgress", started
        elif fate == 2:
            row.status = "Expired"
        return row

    def sort_text(self, k: int, position: int, j: int, sort: str) -> str:
        """``_sort_text`` of the ``position``-th seeded candidate of schedule ``k`` (candidate
        ``j``), without its row."""
        draws = self.draws(k, j)
        email = seeded_email(j)
        last = draws.choice(LAST_NAMES)
        if sort == "name":
            return f"cand {email.split('@')[0]} {last}".lower() + "\0" + email
        minute = draws.randrange(0, 100_000)
        if self.fate(k, position) > 1:
            return _NOT_STARTED + email
        return f"0{_BASE_US + minute * 60_000_000:020d}\0{email}"

    def completed(self, k: int) -> int:
        """How many seeded candidates of schedule ``k`` finished their test (in O(1))."""
        count, start = len(self.members(k)), k * _FATE_SHIFT % FATE_PERIOD
        full, rest = divmod(count, FATE_PERIOD)
        before = self._graded_before
        graded = full * before[FATE_PERIOD]
        end = start + rest
        if end <= FATE_PERIOD:
            return graded + before[end] - before[start]
        return graded + before[FATE_PERIOD] - before[start] + before[end - FATE_PERIOD]


class ScheduleCandidates(Mapping[str, CandidateRow]):
    """A schedule's candidates by lower-cased e-mail, in registration order: its seeded
    ones (schedule ``slot`` of ``seeded``), then those registered through the API.

    ``candidates[email]`` (and ``get``) gives the live row and keeps it: the row to
    change. ``lookup``, ``values()`` and the ordered views keep nothing.
    """

    def __init__(
        self, seeded: SeededCandidates | None = None, slot: int = 0, assessment: AssessmentRow | None = None
    ) -> None:
        self._seeded = seeded
        self._slot = slot
        self._assessment = assessment
        self._members = seeded.members(slot) if seeded else PeriodicIndexes(array("i"), 1, 0)
        self._kept: dict[int, CandidateRow] = {}  # by seeded position
        self._removed: list[int] = []  # seeded positions, sorted
        self._added: dict[str, CandidateRow] = {}

    def _position(self, email: str) -> int | None:
        """The seeded position of the seeded candidate with this e-mail, if it is still here."""
        j = self._seeded.index_of(email) if self._seeded else None
        if j is None:
            return None
        try:
            position = self._members.index(j)
        except ValueError:
            return None
        at = bisect_left(self._removed, position)
        return None if at < len(self._removed) and self._removed[at] == position else position

    def _seeded_row(self, position: int) -> CandidateRow:
        kept = self._kept.get(position)
        if kept is not None:
            return kept
        assert self._seeded is not None
        assert self._assessment is not None
        return self._seeded.row(self._slot, position, self._assessment)

    def lookup(self, email: str) -> CandidateRow | None:
        """The candidate with this e-mail, without keeping it."""
        added = self._added.get(email.strip().lower())
        if added is not None:
            return added
        position = self._position(email)
        return None if position is None else self._seeded_row(position)

    def __getitem__(self, email: str) -> CandidateRow:
        added = self._added.get(email.strip().lower())
        if added is not None:
            return added
        position = self._position(email)
        if position is None:
            raise KeyError(email)
        row = self._kept[position] = self._seeded_row(position)
        return row

    def __contains__(self, email: object) -> bool:
        return isinstance(email, str) and (
            email.strip().lower() in self._added or self._position(email) is not None
        )

    def add(self, row: CandidateRow) -> None:
        """A newly registered candidate (its e-mail must be new here)."""
        self._added[row.email.lower()] = row

    def remove(self, email: str) -> None:
        """Take the candidate with this e-mail out (it must be here)."""
        if self._added.pop(email.strip().lower(), None) is None:
            position = self._position(email)
            assert position is not None, "only a candidate of the schedule is removed"
            insort(self._removed, position)
            self._kept.pop(position, None)

    def __len__(self) -> int:
        return len(self._members) - len(self._removed) + len(self._added)

    def _seeded_slice(self, start: int, stop: int) -> list[int]:
        """The seeded positions of the live seeded candidates ``start … stop - 1``."""
        removed, members = self._removed, self._members
        if not removed:
            return list(range(start, min(stop, len(members))))
        position = start + bisect_right(removed, start)
        while (moved := start + bisect_right(removed, position)) != position:
            position = moved  # the first member position with ``start`` live ones before it
        out: list[int] = []
        at = bisect_left(removed, position)
        while len(out) < stop - start and position < len(members):
            if at < len(removed) and removed[at] == position:
                at += 1
            else:
                out.append(position)
            position += 1
        return out

    def rows(self, start: int, stop: int) -> list[CandidateRow]:
        """The candidates at positions ``start … stop - 1`` of registration order."""
        live = len(self._members) - len(self._removed)
        stop = min(stop, len(self))
        out = (
            [self._seeded_row(p) for p in self._seeded_slice(start, min(stop, live))] if start < live else []
        )
        if stop > live:
            added = list(self._added.values())
            out += added[max(0, start - live) : stop - live]
        return out

    def sorted_positions(self, sort: str, descending: bool) -> array[int]:
        """Every position of registration order, sorted by name or by start time (those not
        started last), then e-mail. One text per candidate is held while sorting (about
        90 bytes each)."""
        seeded = self._seeded
        live = len(self._members) - len(self._removed)
        keys: list[str] = []
        for position in self._seeded_slice(0, live):
            kept = self._kept.get(position)
            if kept is None:
                assert seeded is not None
                keys.append(seeded.sort_text(self._slot, position, self._members[position], sort))
            else:
                keys.append(_sort_text(kept, sort))
        keys += [_sort_text(row, sort) for row in self._added.values()]
        return array("i", sorted(range(len(keys)), key=keys.__getitem__, reverse=descending))

    def __iter__(self) -> Iterator[str]:
        return (row.email.lower() for row in self.values())

    def values(self) -> ValuesView[CandidateRow]:
        """Every candidate, in registration order, read a page at a time, without keeping them."""
        return _Rows(self)

    def ordered(self, positions: array[int] | None = None) -> Sequence[CandidateRow]:
        """Registration order, or the order of ``positions``, as a lazily read sequence."""
        return CandidateView(self, positions)


class CandidateView(Sequence[CandidateRow]):
    """A schedule's candidates in one order, read only where a page asks."""

    def __init__(self, candidates: ScheduleCandidates, positions: array[int] | None) -> None:
        self._candidates = candidates
        self._positions = positions

    def __len__(self) -> int:
        return len(self._candidates)

    @overload
    def __getitem__(self, k: int) -> CandidateRow: ...

    @overload
    def __getitem__(self, k: slice) -> Sequence[CandidateRow]: ...

    def __getitem__(self, k: int | slice) -> CandidateRow | Sequence[CandidateRow]:
        if isinstance(k, int):
            at = range(len(self))[k]
            position = at if self._positions is None else self._positions[at]
            return self._candidates.rows(position, position + 1)[0]
        start, stop, step = k.indices(len(self))
        if self._positions is None and step == 1:
            return self._candidates.rows(start, stop)
        return [self[at] for at in range(start, stop, step)]


def _sort_text(row: CandidateRow, sort: str) -> str:
    """The order of a sorted list as one text: by name (``name.lower()``, then e-mail) or by
    start time (microseconds since 1970, those not started last, then e-mail). NUL, the
    least character, ends each part, so a name before a longer one sorts first."""
    if sort == "name":
        return f"{row.name.lower()}\0{row.email}"
    if row.started_at is None:
        return _NOT_STARTED + row.email
    return f"0{(row.started_at - _EPOCH) // _MICROSECOND:020d}\0{row.email}"


class _Rows(ValuesView[CandidateRow]):
    def __init__(self, candidates: ScheduleCandidates) -> None:
        super().__init__(candidates)
        self._candidates = candidates

    def __iter__(self) -> Iterator[CandidateRow]:
        for start in range(0, len(self._candidates), 500):
            yield from self._candidates.rows(start, start + 500)
