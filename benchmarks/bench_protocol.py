"""The pure protocol against the standard library doing the same job by hand."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

import orjson

from mettl_async.auth import Stamp
from mettl_async.certicheck.models import ApplicantResult
from mettl_async.mettl.codes import decode_certicheck
from mettl_async.mettl.signing import Credentials, MettlSigning
from mettl_async.records import parse, parse_datetime
from mettl_async.request import Request

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
    scheme = MettlSigning(Credentials("K", "secret"), base_params={"subdomain": "acme"})
    base_url = "https://certification.mettl.com/api/v2"
    request = Request("GET", "/tests", {"limit": "50", "offset": "0"})
    stamp_1 = Stamp(1366020643.0, 1366020643)
    stamp = "Jan 14, 2019 1:00:00 AM"
    return [
        Result(
            "sign a request vs bare HMAC",
            per_call_us(lambda: scheme.sign(request, base_url, stamp_1), n),
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
            per_call_us(lambda: decode_certicheck(200, {}, PAGE, "json"), n // 100),
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
