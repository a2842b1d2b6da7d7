"""Hostile responses: whatever a server sends, the only outcomes are a value or the library's own error.

Property-based (hypothesis): arbitrary bytes, truncated JSON, deep nesting,
huge numbers and dates, non-UTF-8, wrong types, every HTTP status, for every
platform's decoder and every response model.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import pkgutil
from collections.abc import Callable, Mapping
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mettl_async
from mettl_async.core.errors import MettlError
from mettl_async.core.jsoncodec import dumps, loads_exact, parse_json
from mettl_async.core.records import Record, parse
from tests.support.examples import examples

Decoder = Callable[[int, Mapping[str, str], bytes, str], Any]


def decoders() -> dict[str, Decoder]:
    """Every platform's decoder: functions named ``decode*`` in a platform's ``codes`` module."""
    found: dict[str, Decoder] = {}
    for module in pkgutil.walk_packages(mettl_async.__path__, "mettl_async."):
        if module.name.endswith(".codes"):
            loaded = importlib.import_module(module.name)
            for name in dir(loaded):
                value = getattr(loaded, name)
                if name.startswith("decode") and callable(value):
                    found[f"{module.name}.{name}"] = value
    return found


def models() -> list[type[Record]]:
    """Every response model of every platform."""
    for module in pkgutil.walk_packages(mettl_async.__path__, "mettl_async."):
        if module.name.endswith(".models") or ".models." in module.name:
            importlib.import_module(module.name)
    out: list[type[Record]] = []
    pending = list(Record.__subclasses__())
    while pending:
        cls = pending.pop()
        out.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(set(out), key=lambda c: c.__qualname__)


DECODERS = decoders()
MODELS = models()

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        ["Jan 0, 2147483648 1:0:0 AM", "Jan 14, 2019 1:00:00 AM", "2019-04-26", "9" * 25, "E000 "]
    ),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=30,
)
statuses = st.one_of(
    st.sampled_from([200, 201, 204, 301, 302, 400, 401, 403, 404, 422, 429, 500, 502, 503, 504]),
    st.integers(100, 599),
)
header_values = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.sampled_from(
        ["Mon, 01 Jan 99999999999 00:00:00 GMT", "1e400", "-5", "nan", "Fri, 16 Aug 2024 13:14:21 GMT"]
    ),
)


def headers_from(date: str | None, retry_after: str | None, extra: Mapping[str, str]) -> dict[str, str]:
    out = dict(extra)
    if date is not None:
        out["Date"] = date
    if retry_after is not None:
        out["Retry-After"] = retry_after
    return out


def only_ours(call: Callable[[], Any]) -> None:
    with contextlib.suppress(MettlError):
        call()


def bodies() -> st.SearchStrategy[bytes]:
    envelope = st.fixed_dictionaries(
        {"status": st.sampled_from(["ERROR", "error ", "SUCCESS", 5]), "error": json_values}
    ).map(dumps)
    as_json = json_values.map(lambda v: dumps(v))
    truncated = st.tuples(as_json, st.integers(0, 200)).map(lambda t: t[0][: t[1]])
    nested = st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * (n // 2))
    return st.one_of(st.binary(max_size=300), as_json, envelope, truncated, nested, st.just(b"\xff\xfe{\x00"))


@pytest.mark.parametrize("name", sorted(DECODERS))
@settings(
    max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    status=statuses,
    body=bodies(),
    date=header_values,
    retry_after=header_values,
    extra=st.dictionaries(
        st.sampled_from(["Location", "Content-Type", "X-Pagination-Page"]), st.text(max_size=20), max_size=2
    ),
    expect=st.sampled_from(["json", "text"]),
)
def test_a_decoder_returns_a_value_or_raises_our_error(
    name: str,
    status: int,
    body: bytes,
    date: str | None,
    retry_after: str | None,
    extra: dict[str, str],
    expect: str,
) -> None:
    decode = DECODERS[name]
    only_ours(lambda: decode(status, headers_from(date, retry_after, extra), body, expect))


@settings(max_examples=examples(300), deadline=None)
@given(body=bodies())
def test_parse_json_never_raises(body: bytes) -> None:
    parse_json(body)


@settings(max_examples=examples(300), deadline=None)
@given(numbers=st.lists(st.integers(), max_size=8))
def test_integers_of_any_size_are_read_exactly(numbers: list[int]) -> None:
    assert loads_exact(json.dumps(numbers)) == numbers


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__qualname__)
@settings(max_examples=examples(80), deadline=None)
@given(data=st.one_of(json_values, st.dictionaries(st.text(max_size=20), json_values, max_size=8)))
def test_a_model_reads_a_value_or_raises_malformed(model: type[Record], data: Any) -> None:
    only_ours(lambda: parse(model, data))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__qualname__)
@settings(max_examples=examples(60), deadline=None)
@given(data=st.data())
def test_a_model_with_its_own_keys_and_wrong_values(model: type[Record], data: st.DataObject) -> None:
    """Every known key, each holding something hostile."""
    import attrs

    from mettl_async.core.records import wire_key

    keys = [wire_key(f) for f in attrs.fields(model) if f.name != "raw"]
    record = {key: data.draw(json_values) for key in keys}
    only_ours(lambda: parse(model, record))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__qualname__)
def test_a_model_with_values_as_deep_as_orjson_reads(model: type[Record]) -> None:
    import attrs

    from mettl_async.core.records import wire_key

    deep_list = orjson.loads(b"[" * 1000 + b"]" * 1000)
    deep_object = orjson.loads(b'{"a":' * 1000 + b"1" + b"}" * 1000)
    for deep in (deep_list, deep_object):
        only_ours(lambda deep=deep: parse(model, {wire_key(f): deep for f in attrs.fields(model)}))


def test_there_are_models_and_decoders_to_test() -> None:
    assert len(MODELS) >= 12
    assert len(DECODERS) >= 2
