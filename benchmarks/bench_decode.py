"""Figure (4): decoding a 500-record page: raw (ours vs ``orjson.loads``) and typed (ours vs
default cattrs on attrs classes with the same fields).

Ours reads integers of any size exactly and checks every field's type; default
cattrs (``cattrs.Converter()`` with date hooks) casts. Needs ``cattrs`` (the
``bench`` nox session installs it; the package itself does not use it).

Run: ``python -m benchmarks.bench_decode``.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from typing import Any

import attrs
import orjson

from mettl_async.certicheck.models import ApplicantResult
from mettl_async.core.records import parse
from mettl_async.mettlfamily.codes import decode_certicheck

from .common import Result, header, paired, per_call_us

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


@attrs.frozen
class PlainAmount:
    amountPaid: float | None = None  # the wire's names, as default cattrs needs them
    currency: str | None = None


@attrs.frozen
class PlainCertificate:
    certificationName: str | None = None
    paymentDate: datetime | None = None
    paymentDateString: str | None = None
    testDate: datetime | None = None
    testDateString: str | None = None
    scorePercentage: float | None = None
    certificationPassed: bool | None = None
    amountPaid: PlainAmount | None = None
    discountCoupon: Any = None
    performanceCategory: str | None = None
    certificateCustomMessage: str | None = None


@attrs.frozen
class PlainApplicant:
    email: str | None = None
    registration: dict[str, Any] | None = None
    registrationDate: date | None = None
    certificates: list[PlainCertificate] = attrs.Factory(list)
    applicationStatus: str | None = None


def run(quick: bool) -> list[Result]:
    import cattrs

    default = cattrs.Converter()
    default.register_structure_hook(datetime, lambda v, _: datetime.fromtimestamp(v / 1000, UTC))
    default.register_structure_hook(date, lambda v, _: date.fromisoformat(v))
    records = orjson.loads(PAGE)["applicants"]
    number, rounds = (5, 5) if quick else (20, 9)

    def ours_typed() -> float:
        return per_call_us(lambda: [parse(ApplicantResult, r) for r in records], number, 1)

    def cattrs_typed() -> float:
        return per_call_us(lambda: [default.structure(r, PlainApplicant) for r in records], number, 1)

    def ours_raw() -> float:
        return per_call_us(lambda: decode_certicheck(200, {}, PAGE, "json"), number, 1)

    def orjson_raw() -> float:
        return per_call_us(lambda: orjson.loads(PAGE), number, 1)

    results = []
    mine, theirs, ratio = paired(rounds, ours_raw, orjson_raw)
    results.append(Result("decode a 500-record page vs orjson.loads (us)", mine, theirs, "us", ratio))
    mine, theirs, ratio = paired(rounds, ours_typed, cattrs_typed)
    results.append(
        Result(
            "typed 500-record page vs default cattrs (us)",
            mine,
            theirs,
            "us",
            ratio,
            goal="<= 0.77 (>= 1.3x speed)",
        )
    )
    return results


def main() -> None:
    print(header())
    for result in run("--quick" in sys.argv):
        print(result.line())


if __name__ == "__main__":
    main()
