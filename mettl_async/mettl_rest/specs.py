"""Requests to the Mettl REST API: frozen values that check themselves when built.

A value that breaks a documented rule raises :class:`~mettl_async.core.errors.InputError`
naming the field and the rule, before any request exists. ``to_wire()`` gives
the JSON object sent (camelCase keys, unset values left out); ``extra`` adds
keys this package does not model, sent as given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from ..core.checks import check_email, check_text_mapping, check_url
from ..core.errors import InputError
from ..core.records import camel, to_wire
from .uploads import check_colour, check_custom_test_url

ACCESS_TYPES = ("OpenForAll", "ByInvitation")
SCHEDULE_TYPES = ("AlwaysOn", "Fixed")
FIXED_ACCESS_OPTIONS = ("ExactTime", "SlotWindow")
#: The registration field that holds the candidate's e-mail address.
EMAIL_FIELD = "Email Address"
#: At most this many candidates per registration call.
MAX_CANDIDATES_PER_CALL = 20


def _wire(obj: Any, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The set fields of ``obj`` by their camelCase names, after ``extra``."""
    body = {
        camel(f.name): value
        for f in attrs.fields(type(obj))
        if f.name != "extra" and (value := getattr(obj, f.name)) is not None
    }
    return {**extra, **to_wire(body)}


Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _checked(field: str, check: Callable[[str, Any], Any]) -> Validator:
    """A validator running ``check(field, value)`` on a value that is set."""

    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            check(field, value)

    return validate


def _is_flag(field: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InputError(field, f"must be true, false or None, got {value!r}")


def _is_text(field: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, f"must be non-blank text, got {value!r}")


def _is_positive(field: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(field, f"must be a positive whole number, got {value!r}")


def _flag(field: str) -> Validator:
    return _checked(field, _is_flag)


def _text(field: str) -> Validator:
    return _checked(field, _is_text)


def _positive(field: str) -> Validator:
    return _checked(field, _is_positive)


def _url(field: str) -> Validator:
    return _checked(field, check_url)


def _colour(field: str) -> Validator:
    return _checked(field, check_colour)


def _choice(field: str, allowed: Sequence[str]) -> Validator:
    def check(name: str, value: object) -> None:
        if value not in allowed:
            raise InputError(name, f"must be one of {', '.join(allowed)}, got {value!r}")

    return _checked(field, check)


def _required_text(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    _is_text(attribute.name, value)


@attrs.frozen(kw_only=True)
class WhiteLabel:
    """The ``wl`` JSON of Update White Label. Every property is optional; colours are six hex
    digits without ``#``."""

    header_background_color: str | None = attrs.field(
        default=None, validator=_colour("header_background_color")
    )
    header_font_color: str | None = attrs.field(default=None, validator=_colour("header_font_color"))
    button_color: str | None = attrs.field(default=None, validator=_colour("button_color"))
    button_font_color: str | None = attrs.field(default=None, validator=_colour("button_font_color"))
    custom_test_url: str | None = attrs.field(
        default=None, validator=_checked("custom_test_url", lambda _, v: check_custom_test_url(v))
    )

    def to_wire(self) -> dict[str, Any]:
        return _wire(self, {})


@attrs.frozen(kw_only=True)
class AssessmentSpec:
    """The ``assessments`` JSON of Create Assessment.

    ``duration`` (minutes) is required unless every section has its own.
    ``sections`` are sent as given (names, durations, questions: see Mettl's page).
    """

    name: str = attrs.field(validator=_required_text)
    duration: int | None = attrs.field(default=None, validator=_positive("duration"))
    instructions: str | None = None
    allow_copy_paste: bool | None = attrs.field(default=None, validator=_flag("allow_copy_paste"))
    exit_redirection_url: str | None = attrs.field(default=None, validator=_url("exit_redirection_url"))
    show_report_to_candidate_on_exit: bool | None = attrs.field(
        default=None, validator=_flag("show_report_to_candidate_on_exit")
    )
    on_screen_calculator: bool | None = attrs.field(default=None, validator=_flag("on_screen_calculator"))
    sections: tuple[Mapping[str, Any], ...] = attrs.field(default=(), converter=tuple)
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        for index, section in enumerate(self.sections):
            if not isinstance(section, Mapping):
                raise InputError(f"sections[{index}]", f"must be a mapping, got {type(section).__name__}")
        if self.duration is None:
            timed = self.sections and all(
                isinstance(s.get("duration"), int) and s["duration"] > 0 for s in self.sections
            )
            if not timed:
                raise InputError("duration", "is required unless every section has its own duration")

    def to_wire(self) -> dict[str, Any]:
        body = _wire(self, self.extra)
        body["sections"] = [dict(s) for s in self.sections] if self.sections else None
        body["exitRedirectionURL"] = body.pop("exitRedirectionUrl", None)
        return {k: v for k, v in body.items() if v is not None}


@attrs.frozen(kw_only=True)
class AssessmentSettings:
    """The ``as`` JSON of Edit Assessment Settings: only the settings given are changed."""

    instructions: str | None = None
    allow_copy_paste: bool | None = attrs.field(default=None, validator=_flag("allow_copy_paste"))
    exit_redirection_url: str | None = attrs.field(default=None, validator=_url("exit_redirection_url"))
    show_report_to_candidate: bool | None = attrs.field(
        default=None, validator=_flag("show_report_to_candidate")
    )
    on_screen_calculator: bool | None = attrs.field(default=None, validator=_flag("on_screen_calculator"))
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    def to_wire(self) -> dict[str, Any]:
        body = _wire(self, self.extra)
        if "exitRedirectionUrl" in body:
            body["exitRedirectionURL"] = body.pop("exitRedirectionUrl")
        if not body:
            raise InputError("settings", "at least one setting must be given")
        return body


def _candidates(value: Any) -> tuple[tuple[str, str | None], ...]:
    if value is None:
        return ()
    out = []
    for index, item in enumerate(value):
        email, name = (item, None) if isinstance(item, str) else item
        out.append((check_email(f"access.candidates[{index}]", email), name))
    return tuple(out)


@attrs.frozen(kw_only=True)
class Access:
    """Who may take a schedule: anyone with the link, or the candidates invited."""

    type: str = attrs.field(default="OpenForAll", validator=_choice("access.type", ACCESS_TYPES))
    send_email: bool | None = attrs.field(default=None, validator=_flag("access.send_email"))
    #: E-mail addresses, or ``(email, name)`` pairs, of invited candidates.
    candidates: tuple[tuple[str, str | None], ...] = attrs.field(default=(), converter=_candidates)

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type}
        if self.send_email is not None:
            body["sendEmail"] = self.send_email
        if self.candidates:
            body["candidates"] = [
                {"email": email, **({"name": name} if name else {})} for email, name in self.candidates
            ]
        return body


@attrs.frozen(kw_only=True)
class Window:
    """When a ``Fixed`` schedule is open. Times are sent as ``YYYY-MM-DDTHH:MM:SS`` in
    ``time_zone`` (an IANA name); an aware datetime is sent as its wall time."""

    open_time: datetime
    close_time: datetime | None = None
    time_zone: str = "UTC"
    fixed_access_option: str = attrs.field(
        default="SlotWindow", validator=_choice("schedule_window.fixed_access_option", FIXED_ACCESS_OPTIONS)
    )
    #: Minutes a candidate may start after ``open_time`` (``ExactTime``).
    duration: int | None = attrs.field(default=None, validator=_positive("schedule_window.duration"))

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.open_time, datetime):
            raise InputError("schedule_window.open_time", f"must be a datetime, got {self.open_time!r}")
        if self.close_time is not None and (
            not isinstance(self.close_time, datetime) or self.close_time <= self.open_time
        ):
            raise InputError("schedule_window.close_time", "must be a datetime after open_time")

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "openTime": self.open_time.strftime("%Y-%m-%dT%H:%M:%S"),
            "timeZone": self.time_zone,
            "fixedAccessOption": self.fixed_access_option,
        }
        if self.close_time is not None:
            body["closeTime"] = self.close_time.strftime("%Y-%m-%dT%H:%M:%S")
        if self.duration is not None:
            body["duration"] = self.duration
        return body


@attrs.frozen(kw_only=True)
class WebProctoringSpec:
    enabled: bool = attrs.field(default=False, validator=_flag("web_proctoring.enabled"))
    count: int | None = attrs.field(default=None, validator=_positive("web_proctoring.count"))
    show_remaining_counts: bool | None = attrs.field(
        default=None, validator=_flag("web_proctoring.show_remaining_counts")
    )

    def to_wire(self) -> dict[str, Any]:
        return _wire(self, {})


def _notification(field: str) -> Any:
    return attrs.field(default=None, validator=_url(field))


@attrs.frozen(kw_only=True)
class ScheduleSpec:
    """The ``sc`` JSON of Create Schedule and Edit Schedule.

    Creating needs ``name``; editing sends only what is set. A ``Fixed``
    schedule needs ``schedule_window``. The four notification URLs are where
    Mettl posts its webhooks (``mettl-async webhooks serve`` receives them).
    Other blocks (``visualProctoring``, ``secureBrowser``, …) go in ``extra``.
    """

    name: str | None = attrs.field(default=None, validator=_text("name"))
    source_app: str | None = attrs.field(default=None, validator=_text("source_app"))
    access: Access | None = None
    schedule_type: str | None = attrs.field(default=None, validator=_choice("schedule_type", SCHEDULE_TYPES))
    schedule_window: Window | None = None
    web_proctoring: WebProctoringSpec | None = None
    image_proctoring: bool | None = attrs.field(default=None, validator=_flag("image_proctoring"))
    test_start_notification_url: str | None = _notification("test_start_notification_url")
    test_finish_notification_url: str | None = _notification("test_finish_notification_url")
    test_graded_notification_url: str | None = _notification("test_graded_notification_url")
    test_resume_enabled_for_expired_test_url: str | None = _notification(
        "test_resume_enabled_for_expired_test_url"
    )
    extra: Mapping[str, Any] = attrs.field(factory=dict)

    def __attrs_post_init__(self) -> None:
        if self.schedule_type == "Fixed" and self.schedule_window is None:
            raise InputError("schedule_window", "is required for a Fixed schedule")
        if self.schedule_type == "AlwaysOn" and self.schedule_window is not None:
            raise InputError("schedule_window", "applies to Fixed schedules only")
        for field, value, kind in (
            ("access", self.access, Access),
            ("schedule_window", self.schedule_window, Window),
            ("web_proctoring", self.web_proctoring, WebProctoringSpec),
        ):
            if value is not None and not isinstance(value, kind):
                raise InputError(field, f"must be a {kind.__name__}, got {type(value).__name__}")

    def to_wire(self) -> dict[str, Any]:
        body: dict[str, Any] = dict(self.extra)
        plain = {
            "name": self.name,
            "sourceApp": self.source_app,
            "scheduleType": self.schedule_type,
            "imageProctoring": self.image_proctoring,
            "testStartNotificationUrl": self.test_start_notification_url,
            "testFinishNotificationUrl": self.test_finish_notification_url,
            "testGradedNotificationUrl": self.test_graded_notification_url,
            "testResumeEnabledForExpiredTestURL": self.test_resume_enabled_for_expired_test_url,
        }
        body.update({k: v for k, v in plain.items() if v is not None})
        for key, block in (
            ("access", self.access),
            ("scheduleWindow", self.schedule_window),
            ("webProctoring", self.web_proctoring),
        ):
            if block is not None:
                body[key] = block.to_wire()
        if not body:
            raise InputError("schedule", "at least one property must be set")
        return body


def _email(value: object) -> str:
    return check_email("email", value)


def _fields(value: object) -> Mapping[str, str]:
    return check_text_mapping("fields", value)


@attrs.frozen
class CandidateRegistration:
    """One candidate to register in a schedule.

    ``fields`` are the assessment's other registration fields by their display
    names (``{"First Name": "Asha"}``); ``context_data`` is free text Mettl
    returns in the webhooks (a good place for your own reference).
    """

    email: str = attrs.field(converter=_email)
    fields: Mapping[str, str] = attrs.field(factory=dict, converter=_fields)
    context_data: str | None = attrs.field(default=None, validator=_text("context_data"))

    def registration_details(self) -> dict[str, str]:
        return {EMAIL_FIELD: self.email, **{k: v for k, v in self.fields.items() if k != EMAIL_FIELD}}


__all__ = [
    "ACCESS_TYPES",
    "EMAIL_FIELD",
    "FIXED_ACCESS_OPTIONS",
    "MAX_CANDIDATES_PER_CALL",
    "SCHEDULE_TYPES",
    "Access",
    "AssessmentSettings",
    "AssessmentSpec",
    "CandidateRegistration",
    "ScheduleSpec",
    "WebProctoringSpec",
    "WhiteLabel",
    "Window",
    "check_url",
]
