"""Figure (4): decoding a 500-record page, raw and typed, and the options weighed for it (issue 20).

Raw: ours (msgspec, integers of any size exact, then Mettl's error envelope checked) vs
``orjson.loads`` (which reads integers beyond 64 bits as floats).

Typed: ours (one loop per record over a plan made from the attrs declarations, strict,
``.raw`` kept) against each option for building the same attrs models, each paired with
ours in the same rounds (ratio = ours / option: below 1, ours is faster):

* default cattrs (``cattrs.Converter()`` with date hooks; it casts: ``"3.9"`` becomes 3);
* cattrs' ``preconf.msgspec`` converter, the same way (it passes to msgspec only classes
  msgspec reads as they are: not renamed fields, not epoch-millisecond dates);
* msgspec Structs mirroring the models (renamed from ``wire_key``), converted from the
  decoded page in C, then the attrs models built from them by ``msgspec.convert(...,
  from_attributes=True)`` and their ``raw`` set;
* the keys renamed to field names in Python, then ``msgspec.convert`` building the attrs
  models in C (msgspec ignores attrs' ``alias``, so it cannot rename itself);
* for scale, msgspec decoding the body's bytes straight into the mirrors: no attrs
  models, no ``raw`` (what a msgspec-only design would cost; not an option here, the
  models stay attrs classes).

Needs ``cattrs`` and ``msgspec`` (the ``bench`` nox session installs cattrs).

Run: ``python -m benchmarks.bench_decode``.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any, get_args, get_origin

import attrs
import msgspec
import orjson

from mettl_async.certicheck.models import AmountPaid, ApplicantResult, Certificate
from mettl_async.core.records import Record, parse, wire_key
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


def mirror(cls: type[Any]) -> type[msgspec.Struct]:
    """A msgspec Struct with ``cls``'s fields, renamed to their wire keys; dates and custom
    fields kept as sent (msgspec reads no epoch milliseconds), lists and nested records too."""

    def kind(declared: Any) -> Any:
        args = [a for a in get_args(declared) if a is not type(None)]
        inner = args[0] if get_origin(declared) is types.UnionType and len(args) == 1 else declared
        if get_origin(inner) is list and attrs.has(get_args(inner)[0]):
            return list[mirror(get_args(inner)[0])] | None  # type: ignore[misc]
        if isinstance(inner, type) and attrs.has(inner):
            return mirror(inner) | None
        return Any if inner in (datetime, date) else declared

    fields = [f for f in attrs.fields(attrs.resolve_types(cls)) if f.name != "raw"]
    return msgspec.defstruct(
        f"Mirror{cls.__name__}",
        [(f.name, kind(f.type), None) for f in fields],
        rename={f.name: wire_key(f) for f in fields},
    )


MIRROR = mirror(ApplicantResult)
EPOCH = {"payment_date", "test_date"}


def fixed(certificate: Any) -> Any:
    """A mirror's epoch milliseconds as datetimes (msgspec reads none), in place."""
    for name in EPOCH:
        value = getattr(certificate, name)
        if value is not None:
            setattr(certificate, name, datetime.fromtimestamp(value / 1000, UTC))
    return certificate


def with_raw(models: list[ApplicantResult], records: list[Mapping[str, Any]]) -> list[ApplicantResult]:
    """Each model's (and nested model's) ``raw``: the mapping it was read from."""
    for model, record in zip(models, records, strict=True):
        object.__setattr__(model, "raw", record)
        for certificate, raw in zip(model.certificates, record.get("certificates") or (), strict=True):
            object.__setattr__(certificate, "raw", raw)
            if certificate.amount_paid is not None:
                object.__setattr__(certificate.amount_paid, "raw", raw["amountPaid"])
    return models


def via_mirrors(records: list[Mapping[str, Any]]) -> list[ApplicantResult]:
    mirrors: list[Any] = msgspec.convert(records, list[MIRROR])  # type: ignore[valid-type]
    for applicant in mirrors:
        applicant.registration_date = date.fromisoformat(applicant.registration_date)
        applicant.certificates = [fixed(c) for c in applicant.certificates or ()]
    models = msgspec.convert(mirrors, list[ApplicantResult], from_attributes=True)
    return with_raw(models, records)


def renamed(cls: type[Record], record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        f.name: v for f in attrs.fields(cls) if f.name != "raw" and (v := record.get(wire_key(f))) is not None
    }


def via_renaming(records: list[Mapping[str, Any]]) -> list[ApplicantResult]:
    named = []
    for record in records:
        applicant = renamed(ApplicantResult, record)
        applicant["registration_date"] = date.fromisoformat(applicant["registration_date"])
        certificates = []
        for raw in applicant.get("certificates", ()):
            certificate = renamed(Certificate, raw)
            for name in EPOCH & certificate.keys():
                certificate[name] = datetime.fromtimestamp(certificate[name] / 1000, UTC)
            if "amount_paid" in certificate:
                certificate["amount_paid"] = renamed(AmountPaid, certificate["amount_paid"])
            certificates.append(certificate)
        applicant["certificates"] = certificates
        named.append(applicant)
    return with_raw(msgspec.convert(named, list[ApplicantResult]), records)


def run(quick: bool) -> list[Result]:
    import cattrs
    from cattrs.preconf.msgspec import make_converter

    def dated(converter: cattrs.Converter) -> cattrs.Converter:
        converter.register_structure_hook(datetime, lambda v, _: datetime.fromtimestamp(v / 1000, UTC))
        converter.register_structure_hook(date, lambda v, _: date.fromisoformat(v))
        return converter

    default, preconf = dated(cattrs.Converter()), dated(make_converter())
    records = orjson.loads(PAGE)["applicants"]
    straight = msgspec.json.Decoder(dict[str, list[MIRROR] | Any])  # type: ignore[valid-type]
    assert via_mirrors(records) == via_renaming(records) == [parse(ApplicantResult, r) for r in records]
    number, rounds = (5, 5) if quick else (20, 9)

    def timed(read: Callable[[], object]) -> Callable[[], float]:
        return lambda: per_call_us(read, number, 1)

    ours_typed = timed(lambda: [parse(ApplicantResult, r) for r in records])
    results = []
    mine, theirs, ratio = paired(
        rounds, timed(lambda: decode_certicheck(200, {}, PAGE, "json")), timed(lambda: orjson.loads(PAGE))
    )
    results.append(Result("decode a 500-record page vs orjson.loads (us)", mine, theirs, "us", ratio))
    options: list[tuple[str, Callable[[], object], str]] = [
        ("default cattrs", lambda: [default.structure(r, PlainApplicant) for r in records], "<= 0.77"),
        ("cattrs preconf.msgspec", lambda: [preconf.structure(r, PlainApplicant) for r in records], ""),
        ("msgspec mirrors, then attrs from them", lambda: via_mirrors(records), ""),
        ("keys renamed, then msgspec builds attrs", lambda: via_renaming(records), ""),
        ("msgspec bytes to mirrors (no attrs, no raw)", lambda: straight.decode(PAGE), ""),
    ]
    for name, option, goal in options:
        mine, theirs, ratio = paired(rounds, ours_typed, timed(option))
        results.append(Result(f"typed 500-record page vs {name} (us)", mine, theirs, "us", ratio, goal=goal))
    return results


def main() -> None:
    print(header())
    for result in run("--quick" in sys.argv):
        print(result.line())


if __name__ == "__main__":
    main()
