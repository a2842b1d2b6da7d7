"""The pure protocol against the standard library doing the same job by hand."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

import orjson

from mettl_async.models import ApplicantResult, parse, parse_datetime
from mettl_async.session import Credentials, Session
from mettl_async.wire import decode_json

from .common import Result, per_call_us

RECORD = {
    "email": "applicant1@yopmail.com",
    "First Name": "Applicant1",
    "registration": {"First Name": "Applicant1"},
    "registrationDate": "2019-04-26",
    "certificates": [
        {
            "certificationName": "xxxxxx",
            "paymentDate": 1556263044217,
            "paymentDateString": "2019-04-26 12:47:24 IST",
            "testDate": 1556263070000,
            "testDateString": "2019-04-26 12:47:50 IST",
            "scorePercentage": 100.0,
            "certificationPassed": True,
            "amountPaid": {"amountPaid": 0.0, "currency": "USD"},
            "discountCoupon": None,
            "performanceCategory": None,
            "certificateCustomMessage": "",
        }
    ],
    "applicationStatus": None,
}
PAGE = orjson.dumps(
    {"applicants": [RECORD] * 500, "paging": {"previous": None, "next": None}, "status": "SUCCESS"}
)


def _bare_signature() -> str:
    text = "GEThttps://certification.mettl.com/api/v2/tests\nK\n50\n0\nacme\n1366020643"
    return base64.b64encode(hmac.new(b"secret", text.encode(), hashlib.sha256).digest()).decode()


def run(quick: bool) -> list[Result]:
    n = 2_000 if quick else 20_000
    session = Session(
        "https://certification.mettl.com/api/v2",
        Credentials("K", "secret"),
        base_params={"subdomain": "acme"},
        rate=None,
    )
    url = "https://certification.mettl.com/api/v2/tests"
    params = {"limit": "50", "offset": "0"}
    stamp = "Jan 14, 2019 1:00:00 AM"
    return [
        Result(
            "sign a request (unique ts) vs bare HMAC",
            per_call_us(lambda: session.signed_params("GET", url, params), n),
            per_call_us(_bare_signature, n),
            "us",
        ),
        Result(
            "parse 'Jan 14, 2019 1:00:00 AM' vs strptime",
            per_call_us(lambda: parse_datetime(stamp), n),
            per_call_us(lambda: datetime.strptime(stamp, "%b %d, %Y %I:%M:%S %p"), n),
            "us",
        ),
        Result(
            "decode a 500-record page vs orjson.loads",
            per_call_us(lambda: decode_json(200, {}, PAGE), n // 100),
            per_call_us(lambda: orjson.loads(PAGE), n // 100),
            "us",
        ),
        Result(
            "ApplicantResult model vs orjson dict",
            per_call_us(lambda: parse(ApplicantResult, RECORD), n),
            per_call_us(lambda: orjson.loads(orjson.dumps(RECORD)), n),
            "us",
        ),
    ]
