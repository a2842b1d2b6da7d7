"""What can be harvested: each kind names its list, its flat columns and its natural key.

JSONL keeps every record exactly as the API returned it. CSV and SQLite flatten:
one row per record, except that nested lists become one row per element
(applicant x certificate, slot window x slot). Columns hold the API's values as
sent (epoch milliseconds stay numbers, ``"Jan 14, 2019 1:00:00 AM"`` stays text);
keys the columns do not name go to the ``extra`` column as JSON, so a row loses
nothing either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
import orjson

from ..certicheck import CertiCheckClient
from ..errors import InputError
from ..pagination import Paginator

Row = dict[str, Any]


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _extra(record: Mapping[str, Any], known: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in known}


def _extra_column(parts: Mapping[str, Mapping[str, Any]]) -> str | None:
    present = {name: values for name, values in parts.items() if values}
    return _json(present) if present else None


def _as_mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# -- results: one row per applicant x certificate ---------------------------------------------

_APPLICANT_KEYS = frozenset(
    {"email", "registration", "registrationDate", "applicationStatus", "certificates"}
)
_CERTIFICATE_KEYS = frozenset(
    {
        "certificationName",
        "paymentDate",
        "paymentDateString",
        "testDate",
        "testDateString",
        "scorePercentage",
        "certificationPassed",
        "amountPaid",
        "discountCoupon",
        "performanceCategory",
        "certificateCustomMessage",
    }
)


def rows_of_result(record: Mapping[str, Any]) -> list[Row]:
    certificates = record.get("certificates") or [{}]
    rows = []
    for index, certificate in enumerate(certificates):
        certificate = _as_mapping(certificate)
        amount = _as_mapping(certificate.get("amountPaid"))
        rows.append(
            {
                "email": record.get("email"),
                "registration_date": record.get("registrationDate"),
                "application_status": record.get("applicationStatus"),
                "registration": _json(record.get("registration")),
                "certificate_index": index,
                "certification_name": certificate.get("certificationName"),
                "payment_date": certificate.get("paymentDate"),
                "payment_date_string": certificate.get("paymentDateString"),
                "test_date": certificate.get("testDate"),
                "test_date_string": certificate.get("testDateString"),
                "score_percentage": certificate.get("scorePercentage"),
                "certification_passed": certificate.get("certificationPassed"),
                "amount_paid": amount.get("amountPaid"),
                "currency": amount.get("currency"),
                "discount_coupon": _json(certificate.get("discountCoupon")),
                "performance_category": certificate.get("performanceCategory"),
                "certificate_custom_message": certificate.get("certificateCustomMessage"),
                "extra": _extra_column(
                    {
                        "applicant": _extra(record, _APPLICANT_KEYS),
                        "certificate": _extra(certificate, _CERTIFICATE_KEYS),
                        "amountPaid": _extra(amount, frozenset({"amountPaid", "currency"})),
                    }
                ),
            }
        )
    return rows


# -- tests -------------------------------------------------------------------------------------


def rows_of_test(record: Mapping[str, Any]) -> list[Row]:
    return [
        {
            "test_id": record.get("testId"),
            "test_name": record.get("testName"),
            "status": record.get("status"),
            "extra": _extra_column({"test": _extra(record, frozenset({"testId", "testName", "status"}))}),
        }
    ]


# -- slot windows: one row per window x slot ---------------------------------------------------

_WINDOW_KEYS = frozenset(
    {"slotWindowId", "certificationClientId", "name", "fromDate", "toDate", "capacity", "status", "slots"}
)
_SLOT_KEYS = frozenset({"slotId", "fromTime", "toTime", "capacity"})


def rows_of_slot_window(record: Mapping[str, Any]) -> list[Row]:
    rows = []
    for slot in record.get("slots") or [{}]:
        slot = _as_mapping(slot)
        rows.append(
            {
                "slot_window_id": record.get("slotWindowId"),
                "certification_client_id": record.get("certificationClientId"),
                "name": record.get("name"),
                "from_date": record.get("fromDate"),
                "to_date": record.get("toDate"),
                "capacity": record.get("capacity"),
                "status": record.get("status"),
                "slot_id": slot.get("slotId"),
                "slot_from_time": slot.get("fromTime"),
                "slot_to_time": slot.get("toTime"),
                "slot_capacity": slot.get("capacity"),
                "extra": _extra_column(
                    {"window": _extra(record, _WINDOW_KEYS), "slot": _extra(slot, _SLOT_KEYS)}
                ),
            }
        )
    return rows


# -- enrolled applicants -----------------------------------------------------------------------

_ENROLLED_KEYS = frozenset(
    {
        "candidateName",
        "email",
        "crf",
        "bookingTime",
        "slotId",
        "slotFromTime",
        "slotToTime",
        "scheduleKey",
        "bookingTimezone",
        "assessmentName",
        "assessmentId",
    }
)


def rows_of_enrolled(record: Mapping[str, Any]) -> list[Row]:
    timezone = _as_mapping(record.get("bookingTimezone"))
    crf = record.get("crf")
    return [
        {
            "email": record.get("email"),
            "candidate_name": record.get("candidateName"),
            "slot_id": record.get("slotId"),
            "slot_from_time": record.get("slotFromTime"),
            "slot_to_time": record.get("slotToTime"),
            "booking_time": record.get("bookingTime"),
            "schedule_key": record.get("scheduleKey"),
            "assessment_id": record.get("assessmentId"),
            "assessment_name": record.get("assessmentName"),
            "booking_timezone_id": timezone.get("id"),
            "booking_timezone_name": timezone.get("name"),
            "booking_timezone_difference": timezone.get("difference"),
            # Kept as sent: the form arrives as an object or as a JSON string.
            "crf": crf if isinstance(crf, str) else _json(crf),
            "extra": _extra_column(
                {
                    "applicant": _extra(record, _ENROLLED_KEYS),
                    "bookingTimezone": _extra(timezone, frozenset({"id", "name", "difference"})),
                }
            ),
        }
    ]


# -- the registry ------------------------------------------------------------------------------


@attrs.frozen
class HarvestKind:
    """One list that can be harvested, and how its records become rows."""

    name: str
    table: str
    columns: tuple[str, ...]
    #: Columns that identify a row; a re-run or resume updates instead of duplicating.
    key: tuple[str, ...]
    rows: Callable[[Mapping[str, Any]], list[Row]]
    #: ``open(client, filters, page_size)`` -> the paginator of the records.
    open: Callable[[CertiCheckClient, Mapping[str, Any], int | None], Paginator[Any]]
    #: The page size asked for when the user names none (``None``: the server's default).
    default_page_size: int | None
    help: str


def _open_results(
    client: CertiCheckClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    assessment, email = filters.get("assessment"), filters.get("email")
    if assessment is not None and email is not None:
        raise InputError("--assessment/--email", "give one of them, not both")
    if assessment is not None:
        return client.results.of_assessment(assessment, page_size=page_size)
    if email is not None:
        return client.results.of_applicant(email, page_size=page_size)
    return client.results.all(page_size=page_size)


def _open_tests(
    client: CertiCheckClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    return client.tests.list(filters.get("status") or "Published", page_size=page_size)


def _open_slot_windows(
    client: CertiCheckClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    return client.slots.windows(page_size=page_size)


def _open_enrolled(
    client: CertiCheckClient, filters: Mapping[str, Any], page_size: int | None
) -> Paginator[Any]:
    if filters.get("slot_window") is None:
        raise InputError("--slot-window", "is required for the enrolled kind")
    return client.applicants.enrolled(filters["slot_window"], page_size=page_size)


KINDS: dict[str, HarvestKind] = {
    kind.name: kind
    for kind in (
        HarvestKind(
            name="results",
            table="results",
            columns=tuple(rows_of_result({})[0]),
            key=("email", "certification_name", "payment_date"),
            rows=rows_of_result,
            open=_open_results,
            default_page_size=None,
            help="applicants with their certificates (all, --assessment ID, or --email E)",
        ),
        HarvestKind(
            name="tests",
            table="tests",
            columns=tuple(rows_of_test({})[0]),
            key=("test_id",),
            rows=rows_of_test,
            open=_open_tests,
            default_page_size=500,
            help="the account's tests (--status Published|UnPublished)",
        ),
        HarvestKind(
            name="slot-windows",
            table="slot_windows",
            columns=tuple(rows_of_slot_window({})[0]),
            key=("slot_window_id", "slot_id"),
            rows=rows_of_slot_window,
            open=_open_slot_windows,
            default_page_size=None,
            help="slot windows with their slots",
        ),
        HarvestKind(
            name="enrolled",
            table="enrolled",
            columns=tuple(rows_of_enrolled({})[0]),
            key=("email", "slot_id", "assessment_id"),
            rows=rows_of_enrolled,
            open=_open_enrolled,
            default_page_size=500,
            help="applicants enrolled in a slot window (--slot-window ID)",
        ),
    )
}
