"""The account's applicants: generated on demand (``generator``), plus an overlay.

Nothing is stored per applicant until the API changes one (registration,
re-registration of a deleted applicant, test allocation): those rows live in a
small overlay, and lookups by e-mail derive the index from the e-mail itself.
"""

from __future__ import annotations

from array import array
from collections.abc import ItemsView, Iterator, Mapping, Sequence, ValuesView
from typing import Any

from ..periodic import PeriodicIndexes
from .formats import epoch_ms, ist_string
from .generator import GENERATED_EMAIL, PERIOD, Generator, generated_email
from .gson import gson_json
from .rows import ApplicantRow, CertificateRow, TestRow
from .shapes import AMOUNT_PAID, APPLICANT_RESULT, CERTIFICATE, FIRST_NAME

__all__ = ["PERIOD", "Applicants", "certificate_record", "result_record"]


def certificate_record(tests: Mapping[int, TestRow], row: CertificateRow) -> dict[str, Any]:
    """A certificate in the document's shape (sections 4.5 to 4.8)."""
    return CERTIFICATE.make(
        certification_name=tests[row.assessment_id].name,
        payment_date=epoch_ms(row.paid_at) if row.paid_at else None,
        payment_date_string=ist_string(row.paid_at) if row.paid_at else None,
        test_date=epoch_ms(row.tested_at) if row.tested_at else None,
        test_date_string=ist_string(row.tested_at) if row.tested_at else None,
        score_percentage=row.score,
        certification_passed=None if row.score is None else row.score >= 60.0,
        amount_paid=AMOUNT_PAID.make(amount_paid=row.amount, currency=row.currency),
        discount_coupon=None,
        performance_category=row.performance_category,
        certificate_custom_message="",
    )


def result_record(
    tests: Mapping[int, TestRow], applicant: ApplicantRow, assessment_id: int | None = None
) -> dict[str, Any]:
    """An applicant's results (of one assessment, or all) in the document's shape."""
    registration = {FIRST_NAME: applicant.first_name}
    if applicant.last_name is not None:
        registration["Last Name"] = applicant.last_name
    return APPLICANT_RESULT.make(
        {FIRST_NAME: applicant.first_name},
        email=applicant.email,
        registration=registration,
        registration_date=applicant.registered_on.isoformat(),
        certificates=[
            certificate_record(tests, c)
            for c in applicant.certificates
            if assessment_id is None or c.assessment_id == assessment_id
        ],
        application_status=None,
    )


class Applicants(Mapping[str, ApplicantRow]):
    """Every applicant by lower-cased e-mail, in registration order: ``count`` generated
    ones, then those registered through the API.

    ``applicants[email]`` gives the live row and keeps it (changes made through the API
    show on it); ``row``, ``lookup``, ``values()`` and ``items()`` keep nothing: an
    unchanged generated applicant is a fresh copy each time.
    """

    def __init__(self, generator: Generator, count: int) -> None:
        self.generator = generator
        self.count = count
        generator.prepare(count)
        self._kept: dict[int, ApplicantRow] = {}
        self._registered: dict[str, int] = {}  # lower-cased e-mail -> index (>= count)
        self._rows: list[ApplicantRow] = []  # the registered, in order

    def index_of(self, email: str) -> int | None:
        """The index of the applicant with this e-mail (any case), if there is one."""
        folded = email.strip().lower()
        match = GENERATED_EMAIL.fullmatch(folded)
        if match is not None:
            index = int(match.group(1))
            if index < self.count and generated_email(index) == folded:
                return index
        return self._registered.get(folded)

    def row(self, index: int) -> ApplicantRow:
        """Applicant ``index`` (``0 <= index < len(self)``), without keeping it."""
        kept = self._kept.get(index)
        if kept is not None:
            return kept
        if index >= self.count:
            return self._rows[index - self.count]
        return self.generator.row(index)

    def lookup(self, email: str) -> ApplicantRow | None:
        """The applicant with this e-mail, without keeping it."""
        index = self.index_of(email)
        return None if index is None else self.row(index)

    def live(self, index: int) -> ApplicantRow:
        """Applicant ``index``, kept: the row to change."""
        row = self.row(index)
        if index < self.count:
            self._kept[index] = row
        return row

    def register(self, row: ApplicantRow) -> int:
        """Add a new applicant (its e-mail must be new); its index."""
        index = self.count + len(self._rows)
        self._registered[row.email.lower()] = index
        self._rows.append(row)
        return index

    def is_generated(self, index: int) -> bool:
        """Whether ``index`` renders straight from the generator (unchanged and generated)."""
        return index < self.count and index not in self._kept

    def of_assessment(self, test_id: int) -> Sequence[int]:
        """The indexes of the applicants holding ``test_id``, in order (registered ones hold none)."""
        return PeriodicIndexes(self.generator.members.get(test_id, array("i")), PERIOD, self.count)

    def render(self, indexes: Sequence[int], only: int | None = None) -> list[str]:
        """The results records (of ``only``, or all) of the applicants at ``indexes``
        (ascending) as JSON text, escaped as the server escapes."""
        if not self._kept and (not indexes or indexes[-1] < self.count):
            return self.generator.render(indexes, only)
        out: list[str] = []
        run: list[int] = []  # consecutive generated ones, rendered together
        for index in indexes:
            if self.is_generated(index):
                run.append(index)
                continue
            out += self.generator.render(run, only)
            run.clear()
            out.append(gson_json(result_record(self.generator.tests, self.row(index), only)).decode())
        return out + self.generator.render(run, only)

    def __getitem__(self, email: str) -> ApplicantRow:
        index = self.index_of(email)
        if index is None:
            raise KeyError(email)
        return self.live(index)

    def __contains__(self, email: object) -> bool:
        return isinstance(email, str) and self.index_of(email) is not None

    def __len__(self) -> int:
        return self.count + len(self._rows)

    def __iter__(self) -> Iterator[str]:
        for index in range(len(self)):
            yield (
                generated_email(index) if index < self.count else self._rows[index - self.count].email.lower()
            )

    def values(self) -> ValuesView[ApplicantRow]:
        """Every applicant, in order, without keeping them."""
        return _Values(self)

    def items(self) -> ItemsView[str, ApplicantRow]:
        """``(lower-cased e-mail, applicant)``, in order, without keeping them."""
        return _Items(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Applicants):
            return NotImplemented
        return (self.generator.seed, self.count, self._kept, self._rows) == (
            other.generator.seed,
            other.count,
            other._kept,
            other._rows,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Applicants(seed={self.generator.seed}, generated={self.count}, registered={len(self._rows)})"


class _Values(ValuesView[ApplicantRow]):
    def __init__(self, applicants: Applicants) -> None:
        super().__init__(applicants)
        self._applicants = applicants

    def __iter__(self) -> Iterator[ApplicantRow]:
        return (self._applicants.row(index) for index in range(len(self._applicants)))


class _Items(ItemsView[str, ApplicantRow]):
    def __init__(self, applicants: Applicants) -> None:
        super().__init__(applicants)
        self._applicants = applicants

    def __iter__(self) -> Iterator[tuple[str, ApplicantRow]]:
        return ((row.email.lower(), row) for row in _Values(self._applicants))
