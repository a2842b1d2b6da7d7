"""CertiCHECK v2 records (responses) and requests, as the document shows them.

Responses: every field is optional (the API omits and nulls freely) and each
record keeps its source mapping in ``raw``. Requests: frozen attrs classes that
check themselves where the document states a rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import attrs

from ..core.checks import check_email, check_text_mapping
from ..core.errors import InputError
from ..core.readers import parse_json_object
from ..core.records import Record

# -- responses ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Timezone(Record):
    """One entry of getAllTimezones (the document does not show its shape; these are the
    fields other responses use for a time zone, and anything else stays in ``extra``)."""

    id: int | None = None
    tzid: str | None = None
    name: str | None = None
    difference: str | None = None


@attrs.frozen(kw_only=True)
class RegistrationField(Record):
    name: str | None = None
    type: str | None = None
    required: bool | None = None
    validate: bool | None = None


@attrs.frozen(kw_only=True)
class AccountInfo(Record):
    email: str | None = None
    username: str | None = None
    terms_and_condition_url: str | None = None
    # The document's spelling.
    registration_fields: list[RegistrationField] = attrs.field(
        factory=list, metadata={"key": "applicatnRegistrationFields"}
    )


@attrs.frozen(kw_only=True)
class RegisteredApplicant(Record):
    """Outcome for one applicant of registerApplicant: ``status`` is e.g. "Activation Pending",
    "Active" (admin-verified), "Deleted" or "PENDING"."""

    email: str | None = None
    status: str | None = None
    activation_url: str | None = None


@attrs.frozen(kw_only=True)
class BookingTimezone(Record):
    id: int | None = None
    name: str | None = None
    difference: str | None = None


@attrs.frozen(kw_only=True)
class EnrolledApplicant(Record):
    """One row of getAllCandidateEnrolledInSlotWindow. ``crf`` (the registration form)
    arrives as an object or as a JSON string; both read as a dict."""

    email: str | None = None
    candidate_name: str | None = None
    slot_id: int | None = None
    slot_from_time: datetime | None = None
    slot_to_time: datetime | None = None
    booking_time: datetime | None = None
    schedule_key: str | None = None
    assessment_id: int | None = None
    assessment_name: str | None = None
    booking_timezone: BookingTimezone | None = None
    #: Kept as sent in outputs: the form arrives as an object or as a JSON string.
    crf: dict[str, Any] | None = attrs.field(default=None, metadata={"parse": parse_json_object})


@attrs.frozen(kw_only=True)
class AmountPaid(Record):
    amount_paid: float | None = None
    currency: str | None = None


@attrs.frozen(kw_only=True)
class Certificate(Record):
    """One certification attempt of an applicant. ``payment_date``/``test_date`` are aware
    UTC datetimes read from epoch milliseconds; the ``*_string`` fields are the server's text."""

    certification_name: str | None = None
    payment_date: datetime | None = None
    payment_date_string: str | None = None
    test_date: datetime | None = None
    test_date_string: str | None = None
    score_percentage: float | None = None
    certification_passed: bool | None = None
    amount_paid: AmountPaid | None = attrs.field(default=None, metadata={"prefix": ""})
    discount_coupon: Any = None
    performance_category: str | None = None
    certificate_custom_message: str | None = None


@attrs.frozen(kw_only=True)
class ApplicantResult(Record):
    """An applicant with their certificates (sections 4.5 to 4.8)."""

    email: str | None = None
    registration_date: date | None = None
    application_status: str | None = None
    registration: dict[str, Any] | None = None
    certificates: list[Certificate] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class Slot(Record):
    slot_id: int | None = None
    from_time: datetime | None = None
    to_time: datetime | None = None
    capacity: int | None = None


@attrs.frozen(kw_only=True)
class SlotWindow(Record):
    slot_window_id: int | None = None
    certification_client_id: int | None = None
    name: str | None = None
    from_date: datetime | None = None
    to_date: datetime | None = None
    capacity: int | None = None
    #: False for a deactivated window (the server lists those last).
    status: bool | None = None
    slots: list[Slot] = attrs.field(factory=list, metadata={"prefix": "slot_"})


@attrs.frozen(kw_only=True)
class SlotCandidate(Record):
    first_name: str | None = None
    email: str | None = None
    certification_name: str | None = None
    booking_time: datetime | None = None
    mettl_assessment_id: int | None = None


@attrs.frozen(kw_only=True)
class SlotDetails(Record):
    client_id: int | None = None
    slot_window_id: int | None = None
    slot_window_name: str | None = None
    from_time: datetime | None = None
    to_time: datetime | None = None
    enrolled_count: int | None = None
    candidates: list[SlotCandidate] = attrs.field(factory=list, metadata={"key": "candidateDetailsList"})


@attrs.frozen(kw_only=True)
class Test(Record):
    __test__ = False  # not a pytest test class

    test_id: int | None = None
    test_name: str | None = None
    status: str | None = None


# -- requests ----------------------------------------------------------------------------

#: At most this many applicants per registerApplicant or applicants/certificate call.
MAX_APPLICANTS_PER_CALL = 20
TEST_STATUSES = ("Published", "UnPublished")
#: The registration field that holds the applicant's e-mail address.
EMAIL_FIELD = "Email Address"


def _email(value: str) -> str:
    return check_email("email", value)


@attrs.frozen
class ApplicantRegistration:
    """One applicant for registerApplicant.

    ``fields`` are the account's other registration fields by their display
    names (``{"First Name": "Albert", "Date of birth": "Jan 29 1981"}``; see
    ``AccountInfo.registration_fields`` for which are required). ``context_data``
    is free text stored with the applicant.
    """

    email: str = attrs.field(converter=_email)
    fields: Mapping[str, str] = attrs.field(factory=dict)
    context_data: str | None = attrs.field(default=None)

    @context_data.validator
    def _context(self, attribute: Any, value: Any) -> None:
        if value is not None and not isinstance(value, str):
            raise InputError("context_data", f"must be text or None, got {type(value).__name__}")

    @fields.validator
    def _fields(self, attribute: Any, value: Mapping[str, str]) -> None:
        check_text_mapping("fields", value)
        if EMAIL_FIELD in value:
            raise InputError("fields", f"must not hold {EMAIL_FIELD!r}: the address is given as email")

    def registration_details(self) -> dict[str, str]:
        """This applicant's entry of ``registrationDetails``."""
        return {EMAIL_FIELD: self.email, **self.fields}


def _test_id(instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError("test_id", f"must be a positive integer id, got {value!r}")


def _test_name(instance: Any, attribute: Any, value: Any) -> None:
    if not isinstance(value, str):
        raise InputError("test_name", f"must be text, got {type(value).__name__}")


@attrs.frozen
class TestRef:
    __test__ = False

    test_id: int = attrs.field(validator=_test_id)
    test_name: str = attrs.field(default="", validator=_test_name)


def _test_refs(name: str, value: Any) -> tuple[TestRef, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InputError(name, f"must be a sequence of TestRef, got {type(value).__name__}")
    refs = tuple(value)
    for i, ref in enumerate(refs):
        if not isinstance(ref, TestRef):
            raise InputError(f"{name}[{i}]", f"must be a TestRef(test_id, test_name), got {ref!r}")
    return refs


def _add(value: Any) -> tuple[TestRef, ...]:
    return _test_refs("add", value)


def _remove(value: Any) -> tuple[TestRef, ...]:
    return _test_refs("remove", value)


@attrs.frozen
class TestAllocation:
    """Tests to add to and remove from one applicant (applicants/certificate)."""

    __test__ = False

    email: str = attrs.field(converter=_email)
    add: Sequence[TestRef] = attrs.field(default=(), converter=_add)
    remove: Sequence[TestRef] = attrs.field(default=(), converter=_remove)


@attrs.frozen
class EmailSettings:
    send_slot_selection_email: bool | None = None
    send_slot_reminder_email: bool | None = None
    #: Only for invite-only accounts (E106 otherwise).
    send_email_on_assigning_test: bool | None = None


@attrs.frozen
class ApplicantReportSettings:
    show_report_to_applicant: bool | None = None
    show_result_on_test_completion: bool | None = None


def _one_sort(instance: ApplicantDashboardViewSettings, attribute: Any, value: Any) -> None:
    if instance.sort_by_name and instance.sort_by_publish_date:
        raise InputError(
            "applicant_dashboard_view_settings", "sort_by_name and sort_by_publish_date cannot both be true"
        )


@attrs.frozen
class ApplicantDashboardViewSettings:
    sort_by_name: bool | None = None
    sort_by_publish_date: bool | None = attrs.field(default=None, validator=_one_sort)


@attrs.frozen
class WeekendSlotSetting:
    disable_weekend_slotting: bool | None = None


@attrs.frozen
class DataSecuritySettings:
    enable_mettl_support_team_access: bool | None = None


@attrs.frozen
class AccountSettings:
    """The ``as`` parameter of POST accountSettings; sections left ``None`` are not sent."""

    email_settings: EmailSettings | None = None
    applicant_report_settings: ApplicantReportSettings | None = None
    applicant_dashboard_view_settings: ApplicantDashboardViewSettings | None = None
    weekend_slot_setting: WeekendSlotSetting | None = None
    data_security_settings: DataSecuritySettings | None = None
