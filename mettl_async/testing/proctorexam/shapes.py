"""The records the ProctorExam sandbox sends, keyed as :mod:`mettl_async.proctorexam.models`
declares them (see :mod:`mettl_async.testing.shapes`).

ProctorExam's keys are its fields' names, so the sandbox keeps its records as dictionaries by
field name and hands each to its shape on the way out: the dictionary itself while no model
renames a key, the record under the models' keys as soon as one does.
"""

from __future__ import annotations

from ...proctorexam.models import (
    Attachment,
    Document,
    Exam,
    Institute,
    ProctorAssignment,
    Reviewable,
    StudentSession,
    User,
)
from ..shapes import Shape

#: Keys of the vendor's published samples that the models do not declare (the client keeps
#: them in ``extra``), by the record that carries them.
INSTITUTE = Shape(Institute, extras=("custom_languages",))
USER = Shape(
    User,
    extras=(
        "invitation_created_at",
        "invitation_sent_at",
        "invitation_accepted_at",
        "invitation_limit",
        "invited_by_id",
        "invited_by_type",
        "first_visit_guide",
        "logo_image",
    ),
)
EXAM = Shape(Exam, extras=("clipboard", "type", "uploaded_exam_documents_file_name"))
SESSION = Shape(
    StudentSession,
    extras=(
        "session_id",
        "screenshare_check",
        "microphone_check",
        "webcam_check",
        "rtc_session_ids",
        "priority",
        "incidents_count",
    ),
)
PROCTOR_ASSIGNMENT = Shape(ProctorAssignment)
REVIEWABLE = Shape(Reviewable)
ATTACHMENT = Shape(Attachment)
DOCUMENT = Shape(Document)
