"""The sandbox's records, each a pure function of (seed, index), in the vendor's sample shapes.

Times are written as the samples write them (``2018-11-17T17:01:25.788+01:00``).
A record's numbers come from a BLAKE2 digest of its seed and index, so that the
millionth session costs what the first does and no record depends on another.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any

from ..texttime import CLOCK, iso_days

CET = timezone(timedelta(hours=1))
EPOCH = datetime(2024, 1, 8, 9, 0, tzinfo=CET)
_EPOCH_CLOCK_MS = (EPOCH.hour * 3600 + EPOCH.minute * 60) * 1000
#: Local dates from ``EPOCH``'s day on (about eleven years; later times use ``datetime``).
_DAYS = iso_days(EPOCH.date(), 4_000)
SESSION_STATUSES = (
    "registered",
    "email_sent",
    "after_check_req",
    "in_setup",
    "exam_not_started",
    "exam_started",
    "exam_finished",
    "exam_finished",
)
EXAM_TYPES = ("record_review", "live_proctoring", "classroom", "review_only")
ROLES = ("administrator", "teacher", "teacher", "proctor", "reviewer")
_CHECKS = ("not_started", "passed", "failed", "not_completed")
_BROWSERS = (("Chrome", "120.0.6099.129"), ("Firefox", "121.0"), ("Edge", "120.0.2210.91"))
_SYSTEMS = ("Windows 10", "OS X 10.15.7", "Ubuntu 22.04")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def digest(seed: int, kind: str, index: int) -> bytes:
    """32 pseudo-random bytes for one record."""
    return hashlib.blake2b(f"{seed}:{kind}:{index}".encode(), digest_size=32).digest()


def stamp(moment: datetime) -> str:
    """``2018-11-17T17:01:25.788+01:00``."""
    return moment.isoformat(timespec="milliseconds")


def token_text(raw: bytes, length: int, alphabet: str = _ALPHABET) -> str:
    """A token-looking text of ``length`` characters from ``raw`` bytes."""
    number = int.from_bytes(raw, "big")
    out = []
    for _ in range(length):
        number, rest = divmod(number, len(alphabet))
        out.append(alphabet[rest])
    return "".join(out)


def hex_token(raw: bytes) -> str:
    """``token_text(raw, 2 * len(raw), "0123456789abcdef")``, the same text written by C: a
    session list renders one per record (the digits of ``raw`` read as a big-endian
    number, least significant first)."""
    return raw.hex()[::-1]


def institute_record(seed: int, index: int) -> dict[str, Any]:
    """Institute ``index + 1``, the seed's sample shape."""
    d = digest(seed, "institute", index)
    created = EPOCH - timedelta(days=400 - index, seconds=d[0] * 97)
    return {
        "id": index + 1,
        "name": "ProctorExam" if index == 0 else f"Institute {index + 1}",
        "created_at": stamp(created),
        "updated_at": stamp(created + timedelta(days=d[1] % 90)),
        "short_name": "pe" if index == 0 else f"i{index + 1}",
        "logo_image_file_name": None,
        "logo_image_content_type": None,
        "logo_image_file_size": None,
        "logo_image_updated_at": None,
        "callback_url": None,
        "tawk_url": None,
        "check_requirements_emails_enabled": True,
        "reminder_emails_enabled": d[2] % 2 == 0,
        "exam_link_emails_enabled": True,
        "exam_changed_emails_enabled": True,
        "exam_finalized_emails_enabled": d[3] % 3 != 0,
        "global_proctor": True,
        "global_reviewer": True,
        "token_value": 30,
        "tawk_api_key": None,
        "default_exam_languages": "en-GB",
        "default_language": "en-GB",
        "custom_languages": ["no-NO"] if index % 2 else [],
        "logo_image": "/logo_images/original/missing.png",
        "tokens": [],
        "student_experience": False,
    }


def user_record(seed: int, user_id: int, institute: dict[str, Any], position: int) -> dict[str, Any]:
    """A user in full (show, create, update and co-manager answers), with their own credentials."""
    d = digest(seed, "user", user_id)
    created = EPOCH - timedelta(days=200, seconds=user_id * 3607)
    role = ROLES[position % len(ROLES)]
    return {
        "id": user_id,
        "institute_id": institute["id"],
        "email": f"{role}{user_id}@institute{institute['id']}.example.com",
        "student_number": None,
        "name": f"{role.title()} {user_id}",
        "created_at": stamp(created),
        "updated_at": stamp(created),
        "role": role,
        "invitation_token": None,
        "invitation_created_at": None,
        "invitation_sent_at": None,
        "invitation_accepted_at": None,
        "invitation_limit": None,
        "invited_by_id": None,
        "invited_by_type": None,
        "api_token": token_text(d[:16], 22),
        "secret_key": token_text(d[16:], 43, _ALPHABET + "-_"),
        "receives_reports": d[0] % 2 == 0,
        "report_frequency": ("day", "week", "month")[d[1] % 3],
        "first_visit_guide": True,
        "global_proctor": role == "proctor",
        "global_reviewer": role == "reviewer",
        "logo_image": "/logo_images/original/missing.png",
        "institute_name": institute["name"],
        "omniauth_config_id": None,
    }


USER_LIST_KEYS = ("id", "email", "name", "role", "logo_image", "institute_name", "omniauth_config_id")


def user_summary(user: dict[str, Any]) -> dict[str, Any]:
    """A user as lists show them: no credentials."""
    return {key: user.get(key) for key in USER_LIST_KEYS}


def exam_record(seed: int, index: int, institutes: int, owner_ids: list[int]) -> dict[str, Any]:
    """Exam ``index + 1``."""
    d = digest(seed, "exam", index)
    start = EPOCH + timedelta(days=index * 2, hours=d[0] % 8)
    created = start - timedelta(days=5, seconds=d[1] * 131)
    status = ("draft", "open", "open", "closed")[d[2] % 4] if index % 10 != 9 else "deleted"
    exam_type = EXAM_TYPES[d[3] % len(EXAM_TYPES)]
    return {
        "id": index + 1,
        "institute_id": index % institutes + 1,
        "name": f"Exam {index + 1:04d}",
        "terms": None,
        "created_at": stamp(created),
        "updated_at": stamp(created + timedelta(hours=d[4] % 48)),
        "duration_minutes": (30, 45, 60, 90, 120)[d[5] % 5],
        "clipboard": None,
        "start_time": stamp(start),
        "mode": "01110000" if exam_type == "record_review" else "01101000",
        "upload_answers": d[6] % 4 == 0,
        "token": hex_token(d[8:24]),
        "user_id": owner_ids[index % len(owner_ids)],
        "end_time": stamp(start + timedelta(days=7)) if d[7] % 2 else None,
        "restrictions": "[[false,['']],[false,['']],[true,['']]]",
        "published": status != "draft",
        "status": status,
        "type": exam_type,
        "for_reviewing": d[24] % 2 == 0,
        "uploaded_exam_documents_file_name": None,
        "timezone": 0,
        "use_duration": True,
        "global_proctoring": True,
        "global_reviewing": True,
        "exam_language": "en-GB",
        "web_cam": True,
        "mobile_cam": d[25] % 3 == 0,
        "screen_share": True,
        "live_proctoring": exam_type == "live_proctoring",
    }


def stamp_after(after_epoch_ms: int) -> str:
    """``stamp(EPOCH + timedelta(milliseconds=after_epoch_ms))``, from tables."""
    day, rest = divmod(after_epoch_ms + _EPOCH_CLOCK_MS, 86_400_000)
    if not 0 <= day < len(_DAYS):
        return stamp(EPOCH + timedelta(milliseconds=after_epoch_ms))
    second, milli = divmod(rest, 1000)
    return f"{_DAYS[day]}T{CLOCK[second]}.{milli:03d}+01:00"


def session_record(seed: int, session_id: int, exam_id: int) -> dict[str, Any]:
    """Student session ``session_id`` (generated ones: ``exam_id`` follows from the id). Its
    times are kept as milliseconds after ``EPOCH``: a list page renders hundreds."""
    d = digest(seed, "session", session_id)
    created = (session_id * 37 + d[0]) * 1000 + d[1] * 3
    status = SESSION_STATUSES[d[2] % len(SESSION_STATUSES)]
    started = status in ("exam_started", "exam_finished")
    start = created + 86_400_000 + d[3] * 60_000 if started else None
    browser, version = _BROWSERS[d[4] % len(_BROWSERS)]
    return {
        "id": session_id,
        "session_id": None,
        "student_id": None,
        "external_id": f"ext-{session_id}" if d[5] % 3 else None,
        "proctor_id": None,
        "pre_assigned_proctor_id": None,
        "time_slot": 1,
        "created_at": stamp_after(created),
        "updated_at": stamp_after(created if start is None else start),
        "email": f"student{session_id}@example.com",
        "operating_system": _SYSTEMS[d[6] % len(_SYSTEMS)] if started else None,
        "browser": browser if started else None,
        "browser_version": version if started else None,
        "status": status,
        "token": hex_token(d[8:24]),
        "screenshare_check": _CHECKS[d[7] % 4],
        "microphone_check": _CHECKS[d[24] % 4],
        "webcam_check": _CHECKS[d[25] % 4],
        "skip_requirements": False,
        "send_confirmation": False,
        "name": f"Student {session_id}",
        "start_time": None if start is None else stamp_after(start),
        "exam_id": exam_id,
        "expires_at": None,
        "end_time": stamp_after(start + (40 + d[26] % 60) * 60_000)
        if start is not None and status == "exam_finished"
        else None,
        "entered_room": started,
        "reservation_time": stamp_after(created + 7_200_000),
        "reviewed": "10" if status == "exam_finished" and d[27] % 2 else None,
        "open_time": stamp_after(created + 3_600_000),
        "individual_info": f"individual_info for user {session_id}",
        "attempt": 0,
        "archived": d[28] % 5 == 0,
        "current_exam_mode": "01010000",
        "rtc_session_ids": [],
        "transcoding_status": "not_sent_to_queue",
        "priority": "01",
        "incidents_count": d[29] % 4,
    }
