"""What the ProctorExam endpoints answer besides a plain 200: other statuses, headers, Rails' errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..kit import SandboxError


@attrs.frozen
class Reply:
    """A handler's answer when it is not a plain 200: another status, or headers."""

    payload: Any
    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict)


class Invalid(SandboxError):
    """Rails model validation: HTTP 422 with ``{"errors": {field: [texts]}}``."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__("invalid", f"{field} {problem}", 422)
        self.errors = {field: [problem]}


def not_found(model: str, value: Any) -> SandboxError:
    """ActiveRecord::RecordNotFound's text."""
    return SandboxError("not_found", f"Couldn't find {model} with 'id'={value}", 404)


FORBIDDEN = SandboxError("forbidden", "You are not authorized to access this page.", 403)
