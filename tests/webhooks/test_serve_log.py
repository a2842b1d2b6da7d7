"""``mettl-async webhooks serve`` says on stderr, without ``--debug``, what it did with each delivery:
accepted at INFO, refused (a wrong token, a malformed body, too large) at WARNING, never the token."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from tests.support.serving import serving

GRADED = (
    b'{"EVENT_TYPE": "TEST_GRADED", "invitation_key": "k1", "email": "a@example.com",'
    b' "timestamp_GMT": "Fri, 16 Aug 2024 13:14:21 GMT", "marks_scored": "7", "max_marks": 10}'
)


def post(url: str, body: bytes) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=10) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def test_every_answer_is_a_line_on_stderr_refusals_as_warnings(tmp_path: Path) -> None:
    with serving(tmp_path / "e.jsonl", "--max-body", "400", token="s3cret-token") as served:
        statuses = [
            post(f"{served.base}/mettl?token=s3cret-token", GRADED),
            post(f"{served.base}/mettl?token=s3cret-token", GRADED),  # a redelivery
            post(f"{served.base}/mettl?token=wrong-one", GRADED),
            post(f"{served.base}/mettl?token=s3cret-token", b'{"EVENT_TYPE": "TEST_GRADED"}'),
            post(f"{served.base}/itep?token=s3cret-token", b"x" * 500),
        ]
        log = served.stop()
    assert statuses == [200, 200, 401, 400, 413]
    lines = [line for line in log.splitlines() if "webhooks.server.deliveries" in line]
    assert [line.split(": ", 1)[1].rsplit(" (from", 1)[0] for line in lines] == [
        "POST /mettl 200 received",
        "POST /mettl 200 already received",
        "POST /mettl 401 missing or wrong token",
        "POST /mettl 400 invitation_key: missing or not text",
        "POST /itep 413 body over 400 bytes",
    ], log
    assert [line.split()[2] for line in lines] == ["INFO", "INFO", "WARNING", "WARNING", "WARNING"]
    assert all(line.endswith("(from 127.0.0.1)") for line in lines)
    assert "s3cret-token" not in log
    assert "wrong-one" not in log
