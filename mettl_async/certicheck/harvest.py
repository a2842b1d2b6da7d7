"""The CertiCHECK lists that can be harvested, and how each becomes rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.errors import InputError
from ..core.paginator import Paginator
from ..core.settings import Setting
from ..harvest.kinds import (
    Filter,
    HarvestKind,
    Row,
    as_mapping,
    extra_column,
    extra_keys,
    json_text,
    objects_of,
)
from ..mettlfamily.signing import ENV_PRIVATE_KEY, ENV_PUBLIC_KEY
from .config import ENV_BASE_URL, ENV_SUBDOMAIN

if TYPE_CHECKING:
    from .client import CertiCheckClient

#: What a client of this platform needs, as options and environment variables.
SETTINGS = (
    Setting("public_key", "--public-key", ENV_PUBLIC_KEY, "Mettl API public key."),
    Setting(
        "private_key",
        "--private-key",
        ENV_PRIVATE_KEY,
        "Mettl API private key (prefer the environment variable: options show in process lists).",
        secret=True,
    ),
    Setting("subdomain", "--subdomain", ENV_SUBDOMAIN, "CertiCHECK account subdomain."),
    Setting(
        "base_url",
        "--base-url",
        ENV_BASE_URL,
        "CertiCHECK base URL [default: https://certification.mettl.com/api/v2].",
    ),
)

ASSESSMENT = Filter("assessment", "results: one assessment's applicants.", int)
EMAIL = Filter("email", "results: one applicant across assessments.")
STATUS = Filter("status", "tests: by status.", ("Published", "UnPublished"))
SLOT_WINDOW = Filter("slot_window", "enrolled: the slot window (required).", int)

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
    rows = []
    for index, certificate in enumerate(objects_of(record.get("certificates"))):
        amount = as_mapping(certificate.get("amountPaid"))
        rows.append(
            {
                "email": record.get("email"),
                "registration_date": record.get("registrationDate"),
                "application_status": record.get("applicationStatus"),
                "registration": json_text(record.get("registration")),
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
                "discount_coupon": json_text(certificate.get("discountCoupon")),
                "performance_category": certificate.get("performanceCategory"),
                "certificate_custom_message": certificate.get("certificateCustomMessage"),
                "extra": extra_column(
                    {
                        "applicant": extra_keys(record, _APPLICANT_KEYS, lists=("certificates",)),
                        "certificate": extra_keys(certificate, _CERTIFICATE_KEYS, objects=("amountPaid",)),
                        "amountPaid": extra_keys(amount, frozenset({"amountPaid", "currency"})),
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
            "extra": extra_column({"test": extra_keys(record, frozenset({"testId", "testName", "status"}))}),
        }
    ]


# -- slot windows: one row per window x slot ---------------------------------------------------

_WINDOW_KEYS = frozenset(
    {"slotWindowId", "certificationClientId", "name", "fromDate", "toDate", "capacity", "status", "slots"}
)
_SLOT_KEYS = frozenset({"slotId", "fromTime", "toTime", "capacity"})


def rows_of_slot_window(record: Mapping[str, Any]) -> list[Row]:
    rows = []
    for slot in objects_of(record.get("slots")):
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
                "extra": extra_column(
                    {
                        "window": extra_keys(record, _WINDOW_KEYS, lists=("slots",)),
                        "slot": extra_keys(slot, _SLOT_KEYS),
                    }
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
    timezone = as_mapping(record.get("bookingTimezone"))
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
            "crf": crf if isinstance(crf, str) else json_text(crf),
            "extra": extra_column(
                {
                    "applicant": extra_keys(record, _ENROLLED_KEYS, objects=("bookingTimezone",)),
                    "bookingTimezone": extra_keys(timezone, frozenset({"id", "name", "difference"})),
                }
            ),
        }
    ]


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


KINDS = (
    HarvestKind(
        name="results",
        table="results",
        columns=tuple(rows_of_result({})[0]),
        key=("email", "certification_name", "payment_date"),
        flatten=rows_of_result,
        open=_open_results,
        filters=(ASSESSMENT, EMAIL),
        default_page_size=None,
        help="applicants with their certificates (all, --assessment ID, or --email E)",
    ),
    HarvestKind(
        name="tests",
        table="tests",
        columns=tuple(rows_of_test({})[0]),
        key=("test_id",),
        flatten=rows_of_test,
        open=_open_tests,
        filters=(STATUS,),
        default_page_size=500,
        help="the account's tests (--status Published|UnPublished)",
    ),
    HarvestKind(
        name="slot-windows",
        table="slot_windows",
        columns=tuple(rows_of_slot_window({})[0]),
        key=("slot_window_id", "slot_id"),
        flatten=rows_of_slot_window,
        open=_open_slot_windows,
        default_page_size=None,
        help="slot windows with their slots",
    ),
    HarvestKind(
        name="enrolled",
        table="enrolled",
        columns=tuple(rows_of_enrolled({})[0]),
        key=("email", "slot_id", "assessment_id"),
        flatten=rows_of_enrolled,
        open=_open_enrolled,
        filters=(SLOT_WINDOW,),
        default_page_size=500,
        help="applicants enrolled in a slot window (--slot-window ID)",
    ),
)
