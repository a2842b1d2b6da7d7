"""How one sandbox ProctorExam account is set up and how its server behaves."""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

from ..faults import FaultConfig


@attrs.frozen
class ProctorExamSandboxConfig:
    """One sandbox ProctorExam account and how its server behaves."""

    api_token: str = attrs.field(default="sandbox-proctorexam-api-token", repr=False)
    secret_key: str = attrs.field(default="sandbox-proctorexam-secret-key", repr=False)
    institutes: int = 3
    users_per_institute: int = 5
    exams: int = 12
    #: Student sessions generated (each built on demand: a million cost nothing until read).
    sessions: int = 300
    seed: int = 1
    #: A Premium superuser may list and manage institutes; others get 403 there.
    superuser: bool = True
    #: Seconds a request's timestamp may be off the server's clock.
    timestamp_window: float = 300.0
    #: Seconds a nonce is remembered (the document: 24 hours).
    nonce_memory: float = 86_400.0
    #: Added to X-Pagination-Item-Count: a server whose headers contradict its records.
    misreport_item_count: int = 0
    faults: FaultConfig = attrs.field(factory=FaultConfig)
    rate: float | None = None
    burst: int | None = None
    #: The server's clock (epoch seconds); skew it to exercise the timestamp window.
    clock: Callable[[], float] = time.time
