"""The fulfillment request and its answer: checked before anything is sent.

A request names a product code: ``GTX-…`` finds an available test ID and
returns it; ``STX-…`` also e-mails it to the candidate, so it needs ``email``.
``assigned-to`` and ``registration`` are JSON objects; registration keys must be
among the field names the document lists. Every rule is checked here and a
broken one is an :class:`~mettl_async.core.errors.InputError` naming the field.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from typing import Any

import attrs

from ..core.checks import check_email
from ..core.errors import InputError

#: The registration field names of the document, in its order ("Assume everything is case-sensitive").
REGISTRATION_FIELDS: tuple[str, ...] = (
    "Last_Name",
    "First_Name",
    "Middle_Name",
    "DOB_Month",
    "DOB_Day",
    "DOB_Year",
    "Email",
    "Contact_Phone",
    "Address",
    "City",
    "Birthday",
    "Country",
    "Nationality",
    "OIN",
    "OIN_Country",
    "OIN_Type",
    "Language",
    "Center",
    "Gender",
    "Education",
    "Taken_Test",
    "DOT_Month",
    "DOT_Day",
    "DOT_Year",
    "Location",
    "Admin_Test_Location",
    "Agree",
    "Honest",
    "Applying_To_School",
    "Apply_School_Type_1",
    "Apply_School_Name_1",
    "Apply_School_Other_1",
    "Apply_School_Type_2",
    "Apply_School_Name_2",
    "Apply_School_Other_2",
    "Apply_School_Type_3",
    "Apply_School_Name_3",
    "Apply_School_Other_3",
    "Field_Of_Study",
    "Location_Country",
    "Location_Region",
    "Location_Name",
    "trSchoolLevel",
    "trReferral",
    "trExternal_ID",
    "trCampus",
    "trCollege",
    "trDepartment",
    "trDegree",
    "trStatus",
    "trAttribute",
    "trStudent_Number",
    "trBatch_Number",
)
_FIELD_SET = frozenset(REGISTRATION_FIELDS)

#: ``GTX-`` or ``STX-`` then the test type (``Academic-Plus``): letters, digits, ``-``, ``_``, ``.``.
PRODUCT_CODE = re.compile(r"^(GTX|STX)-[A-Za-z0-9][A-Za-z0-9_.\-]*$")
#: A test ID as iTEP shows them (``123982B8AP``): letters and digits, maybe dashes.
TEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{2,63}$")
_INT_RANGE = (-(2**63), 2**64 - 1)  # what a JSON encoder writes exactly


def closest_field(name: str) -> str:
    """The valid registration field name nearest to ``name`` (case first, then spelling)."""
    for field in REGISTRATION_FIELDS:
        if field.lower() == name.lower():
            return field
    lowered = {field.lower(): field for field in REGISTRATION_FIELDS}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.0)
    return lowered[close[0]] if close else REGISTRATION_FIELDS[0]


def check_product_code(value: object) -> str:
    """``GTX-<test type>`` or ``STX-<test type>``, exactly (case-sensitive, no spaces)."""
    if not isinstance(value, str) or not PRODUCT_CODE.fullmatch(value):
        raise InputError(
            "product-code",
            f"must be GTX-<test type> or STX-<test type> (e.g. GTX-Academic-Plus; case-sensitive, "
            f"no spaces), got {value!r}",
        )
    return value


def product_group(product_code: str) -> str:
    """``"GTX"`` (the ID comes back to you) or ``"STX"`` (iTEP also e-mails the candidate)."""
    return product_code[:3]


def check_json_value(name: str, value: Any) -> Any:
    """A plain JSON value (dict/list/str/int/float/bool/None) equal to what will be sent.

    Refused, naming the path: keys that are not text, NaN and infinities (an
    encoder writes them as ``null``), integers no encoder writes exactly, text
    that is not valid Unicode, and any other type.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(name, "must be valid Unicode text (a lone surrogate cannot be sent)") from None
        return value
    if isinstance(value, int):
        if not _INT_RANGE[0] <= value <= _INT_RANGE[1]:
            raise InputError(name, f"integer {value} is too large to send exactly; send it as text")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(name, f"must be a finite number (JSON has no {value!r}), got {value!r}")
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputError(name, f"object keys must be text, got {key!r}")
            out[key] = check_json_value(f"{name}.{key}", item)
        return out
    if isinstance(value, list | tuple):
        return [check_json_value(f"{name}[{i}]", item) for i, item in enumerate(value)]
    raise InputError(name, f"must be a JSON value, got {type(value).__name__}")


def check_json_object(name: str, value: object) -> dict[str, Any]:
    """A non-empty JSON object (a mapping with text keys)."""
    if not isinstance(value, Mapping):
        raise InputError(name, f"must be a JSON object, got {type(value).__name__}")
    if not value:
        raise InputError(name, "must not be an empty object")
    try:
        checked: dict[str, Any] = check_json_value(name, value)
    except RecursionError:  # nested thousands deep, or holding itself
        raise InputError(name, "nests too deeply to send (or contains itself)") from None
    return checked


def check_assigned_to(value: object) -> dict[str, Any]:
    """What populates the test's assigned-to field: a non-empty JSON object (an empty one would
    leave the test ID looking available)."""
    return check_json_object("assigned-to", value)


def check_registration(value: object) -> dict[str, str]:
    """Registration fields by the document's names, each value text."""
    fields = check_json_object("registration", value)
    for key, item in fields.items():
        if key not in _FIELD_SET:
            raise InputError(
                "registration",
                f"unknown field name {key!r}; did you mean {closest_field(key)!r}? "
                "(names are case-sensitive; see REGISTRATION_FIELDS)",
            )
        if not isinstance(item, str):
            raise InputError(
                f"registration.{key}",
                f"must be text (the document sends every registration value as a string), "
                f"got {type(item).__name__}",
            )
    return fields


def check_track(value: object) -> str:
    """A tracking code assigned by iTEP: non-blank text without surrounding spaces."""
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise InputError("track", f"must be the tracking code iTEP assigned (non-blank text), got {value!r}")
    return value


@attrs.frozen
class FulfillmentRequest:
    """One request for a test ID, checked. Build it with :meth:`build`."""

    product_code: str
    email: str | None = None
    bcc: str | None = None
    track: str | None = None
    assigned_to: dict[str, Any] | None = None
    registration: dict[str, str] | None = None

    @property
    def group(self) -> str:
        return product_group(self.product_code)

    @classmethod
    def build(
        cls,
        product_code: str,
        *,
        email: str | None = None,
        bcc: str | None = None,
        track: str | None = None,
        assigned_to: Mapping[str, Any] | None = None,
        registration: Mapping[str, str] | None = None,
    ) -> FulfillmentRequest:
        """Check every field against the document's rules; :class:`InputError` on the first broken."""
        code = check_product_code(product_code)
        group = product_group(code)
        if email is None and group == "STX":
            raise InputError(
                "email", f"is required for STX product codes (iTEP e-mails the test ID), got none for {code}"
            )
        if bcc is not None and group != "STX":
            raise InputError("bcc", f"only STX product codes send an e-mail to copy; {code} sends none")
        return cls(
            code,
            check_email("email", email) if email is not None else None,
            check_email("bcc", bcc) if bcc is not None else None,
            check_track(track) if track is not None else None,
            check_assigned_to(assigned_to) if assigned_to is not None else None,
            check_registration(registration) if registration is not None else None,
        )

    def body(self) -> dict[str, Any]:
        """The JSON object sent: the document's field names, in its order, unset fields left out."""
        pairs = (
            ("product-code", self.product_code),
            ("email", self.email),
            ("bcc", self.bcc),
            ("track", self.track),
            ("assigned-to", self.assigned_to),
            ("registration", self.registration),
        )
        return {name: value for name, value in pairs if value is not None}


@attrs.frozen
class Fulfillment:
    """A test ID iTEP handed out. ``emailed``: iTEP also sent it to the candidate (STX)."""

    test_id: str
    product_code: str
    emailed: bool
    #: The decoded answer as received.
    raw: Any = attrs.field(default=None, repr=False, eq=False)
