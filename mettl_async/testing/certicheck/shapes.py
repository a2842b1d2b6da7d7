"""The records the CertiCHECK sandbox sends, keyed as :mod:`mettl_async.certicheck.models` declares
them (see :mod:`mettl_async.testing.shapes`)."""

from __future__ import annotations

from ...certicheck.models import (
    AccountInfo,
    AmountPaid,
    ApplicantResult,
    BookingTimezone,
    Certificate,
    EnrolledApplicant,
    RegisteredApplicant,
    RegistrationField,
    Slot,
    SlotCandidate,
    SlotDetails,
    SlotWindow,
    Test,
    Timezone,
)
from ..shapes import Shape

#: The results samples (sections 4.5 to 4.8) repeat the applicant's first name beside their
#: e-mail, under the registration field's display name; the model leaves it in ``extra``.
FIRST_NAME = "First Name"

TIMEZONE = Shape(Timezone)
REGISTRATION_FIELD = Shape(RegistrationField)
ACCOUNT_INFO = Shape(AccountInfo)
REGISTERED = Shape(RegisteredApplicant)
BOOKING_TIMEZONE = Shape(BookingTimezone)
ENROLLED = Shape(EnrolledApplicant)
AMOUNT_PAID = Shape(AmountPaid)
CERTIFICATE = Shape(Certificate)
APPLICANT_RESULT = Shape(ApplicantResult, extras=(FIRST_NAME,))
SLOT = Shape(Slot)
SLOT_WINDOW = Shape(SlotWindow)
SLOT_CANDIDATE = Shape(SlotCandidate)
SLOT_DETAILS = Shape(SlotDetails)
TEST = Shape(Test)
