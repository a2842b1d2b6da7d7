"""ProctorExam API v3 records, as its document shows them.

Every field is optional (``X | None``) and each record keeps the mapping it was
read from in ``raw`` (``extra`` lists the keys not modelled). The institute is
the seed's sample; exams, student sessions, users, attachments and documents
follow the vendor's published samples.

Users carry their own ``api_token`` and ``secret_key`` in some answers (user
show/update, co-manager replies): those fields never show in a repr, and
:meth:`User.without_credentials` gives the record without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ..core.records import Record

#: The ``status`` filter of the exam list.
EXAM_STATUSES = ("draft", "open", "closed", "deleted")
#: Report frequencies a user may choose.
REPORT_FREQUENCIES = ("day", "week", "month")
#: Keys of a user record that are that user's credentials.
CREDENTIAL_KEYS = frozenset({"api_token", "secret_key"})


def _hidden(value: object) -> str:
    return "None" if value is None else "<hidden>"


def snake_case_keys(cls: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    """ProctorExam's keys are the field names themselves (snake_case), not their camelCase."""
    return [f if "key" in f.metadata else f.evolve(metadata={**f.metadata, "key": f.name}) for f in fields]


@attrs.frozen(kw_only=True, field_transformer=snake_case_keys)
class Institute(Record):
    """An institute (the seed's sample). ``tokens`` and ``custom_languages`` are kept as sent."""

    id: int | None = None
    name: str | None = None
    short_name: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    callback_url: str | None = None
    logo_image: str | None = None
    logo_image_file_name: str | None = None
    logo_image_content_type: str | None = None
    logo_image_file_size: int | None = None
    logo_image_updated_at: datetime | None = None
    tawk_url: str | None = None
    check_requirements_emails_enabled: bool | None = None
    reminder_emails_enabled: bool | None = None
    exam_link_emails_enabled: bool | None = None
    exam_changed_emails_enabled: bool | None = None
    exam_finalized_emails_enabled: bool | None = None
    global_proctor: bool | None = None
    global_reviewer: bool | None = None
    token_value: int | None = None
    #: A third-party chat widget's key, as sent: shown only as hidden in a repr.
    tawk_api_key: str | None = attrs.field(default=None, repr=_hidden)
    default_exam_languages: str | None = None
    default_language: str | None = None
    student_experience: bool | None = None
    tokens: list[Any] = attrs.field(factory=list)


@attrs.frozen(kw_only=True, field_transformer=snake_case_keys)
class Exam(Record):
    """An exam. ``restrictions`` is kept as sent (the samples show a text, not JSON);
    ``mode`` is the vendor's bit string (``"01110000"``)."""

    id: int | None = None
    institute_id: int | None = None
    user_id: int | None = None
    name: str | None = None
    status: str | None = None
    mode: str | None = None
    terms: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration_minutes: int | None = None
    use_duration: bool | None = None
    published: bool | None = None
    for_reviewing: bool | None = None
    upload_answers: bool | None = None
    global_proctoring: bool | None = None
    global_reviewing: bool | None = None
    web_cam: bool | None = None
    mobile_cam: bool | None = None
    screen_share: bool | None = None
    live_proctoring: bool | None = None
    exam_language: str | None = None
    timezone: Any = None
    restrictions: Any = None
    #: The exam's link token (students' access), kept out of reprs.
    token: str | None = attrs.field(default=None, repr=_hidden)


@attrs.frozen(kw_only=True, field_transformer=snake_case_keys)
class StudentSession(Record):
    """One student's session of an exam (``students`` in lists). ``reviewed`` is text in the
    samples (``"10"``); ``token`` is the student's access token, kept out of reprs."""

    id: int | None = None
    exam_id: int | None = None
    name: str | None = None
    email: str | None = None
    status: str | None = None
    external_id: Any = None
    student_id: Any = None
    proctor_id: int | None = None
    pre_assigned_proctor_id: int | None = None
    time_slot: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    open_time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    expires_at: datetime | None = None
    reservation_time: datetime | None = None
    entered_room: bool | None = None
    reviewed: Any = None
    attempt: int | None = None
    archived: bool | None = None
    individual_info: str | None = None
    send_confirmation: bool | None = None
    skip_requirements: bool | None = None
    operating_system: str | None = None
    browser: str | None = None
    browser_version: str | None = None
    current_exam_mode: str | None = None
    transcoding_status: str | None = None
    token: str | None = attrs.field(default=None, repr=_hidden)


@attrs.frozen(kw_only=True, field_transformer=snake_case_keys)
class User(Record):
    """A user of an institute. Lists show a short form; show, create and update answers (and
    co-manager replies) carry the user's own ``api_token`` and ``secret_key``: never shown in
    a repr."""

    id: int | None = None
    institute_id: int | None = None
    email: str | None = None
    name: str | None = None
    role: str | None = None
    institute_name: str | None = None
    student_number: Any = None
    receives_reports: bool | None = None
    report_frequency: str | None = None
    global_proctor: bool | None = None
    global_reviewer: bool | None = None
    omniauth_config_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    api_token: str | None = attrs.field(default=None, repr=_hidden)
    secret_key: str | None = attrs.field(default=None, repr=_hidden)
    invitation_token: str | None = attrs.field(default=None, repr=_hidden)

    @property
    def has_credentials(self) -> bool:
        """Whether the answer carried this user's API credentials."""
        return self.api_token is not None or self.secret_key is not None

    def without_credentials(self) -> User:
        """This user without ``api_token``, ``secret_key`` and ``invitation_token`` (in ``raw`` too),
        to keep or pass on."""
        raw = {k: v for k, v in self.raw.items() if k not in CREDENTIAL_KEYS | {"invitation_token"}}
        return attrs.evolve(self, raw=raw, api_token=None, secret_key=None, invitation_token=None)


@attrs.frozen(kw_only=True, field_transformer=snake_case_keys)
class ProctorAssignment(Record):
    """The answer of assign proctor: the proctor and how many sessions they now proctor."""

    proctor_id: int | None = None
    active_proctoring_sessions: int | None = None


@attrs.frozen(kw_only=True, field_transformer=snake_case_keys)
class Reviewable(Record):
    """Whether a session can be reviewed (the document prints no sample: see docs/NOTES.md);
    the session comes with it when the server sends it."""

    reviewable: bool | None = None
    student_session: StudentSession | None = None


@attrs.frozen(kw_only=True, field_transformer=snake_case_keys)
class Attachment(Record):
    """A file attached to an exam; ``placeholder`` is how a document's text refers to it."""

    id: int | None = None
    exam_id: int | None = None
    document_file_name: str | None = None
    document_content_type: str | None = None
    document_file_size: int | None = None
    document_updated_at: datetime | None = None
    placeholder: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True, field_transformer=snake_case_keys)
class Document(Record):
    """An exam's instructions document (``exam_content``), optionally with a file."""

    id: int | None = None
    exam_id: int | None = None
    exam_content: str | None = None
    file_file_name: str | None = None
    file_content_type: str | None = None
    file_file_size: int | None = None
    file_updated_at: datetime | None = None
    file_processing: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


def strip_credentials(record: Mapping[str, Any]) -> dict[str, Any]:
    """A user mapping without its credential keys."""
    return {k: v for k, v in record.items() if k not in CREDENTIAL_KEYS}
