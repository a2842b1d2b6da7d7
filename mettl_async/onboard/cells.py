"""A row's cells by column name, matched without regard to case, checked as the clients check."""

from __future__ import annotations

from collections.abc import Mapping

from ..certicheck.models import EMAIL_FIELD  # the REST API's registration names it alike
from ..core.checks import check_email, check_id
from ..core.errors import InputError
from ..core.readers import ascii_digits
from .model import Column

EMAIL = Column("email", f"the e-mail address (or a column named {EMAIL_FIELD!r})")
CONTEXT = Column("context_data", "free text kept with the person (Mettl returns it)", required=False)
#: The columns that may hold the e-mail address, lower-cased.
EMAIL_COLUMNS = ("email", EMAIL_FIELD.lower())


def cell(values: Mapping[str, str], name: str) -> str:
    """The value of column ``name`` (any case), ``""`` when the row has none."""
    if name in values:
        return values[name]
    folded = name.lower()
    return next((v for k, v in values.items() if k.lower() == folded), "")


def required(values: Mapping[str, str], name: str) -> str:
    """The non-empty value of column ``name``."""
    value = cell(values, name)
    if not value:
        raise InputError(name, "is empty")
    return value


def identifier(values: Mapping[str, str], name: str) -> int:
    """Column ``name`` as a positive integer id (``12``, or ``12.0`` as a spreadsheet may write it)."""
    text = required(values, name)
    whole = text[:-2] if text.endswith(".0") else text
    if not ascii_digits(whole) or len(whole) > 19:
        raise InputError(name, f"must be a positive whole number, got {text!r}")
    return int(check_id(name, int(whole)))


def email_of(values: Mapping[str, str]) -> str:
    """The row's e-mail address, from ``email`` or ``Email Address``."""
    text = cell(values, "email") or cell(values, EMAIL_FIELD)
    if not text:
        raise InputError("email", "is empty")
    return check_email("email", text)
