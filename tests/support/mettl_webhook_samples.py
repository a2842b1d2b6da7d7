"""Mettl webhook notifications shared by the webhook tests (tests/mettl_rest/test_mettl_webhooks_parse.py,
test_mettl_webhooks_delivery.py, tests/webhooks/test_landing_postgresql.py): the receiver's token, a
finish and a graded event as Mettl posts them, and a body made from one with changes."""

from __future__ import annotations

from typing import Any

import orjson

TOKEN = "s3cret-token"
FINISHED = {
    "EVENT_TYPE": "TEST_FINISHED",
    "assessment_id": 300001,
    "invitation_key": "k1",
    "candidate_instance_id": 5001,
    "context_data": "ref-7",
    "timestamp_GMT": "Fri, 16 Aug 2024 13:14:21 GMT",
    "source_app": "hr",
    "notification_url": "https://hooks.example/mettl?token=s3cret-token",
    "name": "Asha Rao",
    "email": "Asha@Example.org",
    "finish_mode": "Submitted",
}
GRADED = {
    **{k: v for k, v in FINISHED.items() if k != "assessment_id"},
    "EVENT_TYPE": "TEST_GRADED",
    "assessmentId": 300001,
    "timestamp_GMT": "Fri, 16 Aug 2024 13:20:00 GMT",
    "marks_scored": "12.5",
    "max_marks": 20,
    "percentile": 62.5,
    "total_attempt_time": 1500,
    "assessment_name": "Assessment 01",
    "schedule_title": "Assessment 01 - link 1",
    "start_time_GMT": "Fri, 16 Aug 2024 12:50:00 GMT",
    "end_time_GMT": "Fri, 16 Aug 2024 13:14:21 GMT",
    "sectional_scores": '[{"sectionName":"Section 1","marksScored":12.5,"maxMarks":20.0}]',
    "registrationDetails": {"Email Address": "Asha@Example.org", "First Name": "Asha"},
    "proctoringDetails": {"mode": "WEB", "noOfWindowViolations": 1},
    "testStatus": {
        "status": "Completed",
        "overallStatus": "Completed",
        "result": {"candidateCredibilityIndex": "High"},
    },
}


def body(payload: dict[str, Any], **changes: Any) -> bytes:
    data = {**payload, **changes}
    return orjson.dumps({k: v for k, v in data.items() if v is not ...})
