"""Mettl signing: the seeds' known-answer vectors, ordering, SHA-1, what must stay unique."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mettl_async.core.auth import Stamp
from mettl_async.core.errors import InputError
from mettl_async.core.request import FilePart, Placement, Request, encode_params, encode_path_segment
from mettl_async.core.uniqueness import LocalUniqueness
from mettl_async.mettlfamily.signing import Algorithm, Credentials, MettlSigning, sign, string_to_sign

# Seed 001 ("Get Account Info") and seed 002 ("Update White Label"), steps a to f.
SEED_PUBLIC = "ab12c345-6789-0123-456d-78e9f0123456"
SEED_PRIVATE = "zy98x765-4321-0987-654w-32v1u0987654"
SEED_KEYS = Credentials(SEED_PUBLIC, SEED_PRIVATE)
SEED_TS = 1635976200
SEED_URL = "https://api.mettl.com/v2/account"
SEED_WIRE_SIGNATURE = "v4%2BlYYoZTdoeFV9XSTehS1MLRpBmjTRqQqKGizlHIN8%3D"
SEED_FINAL_URL = (
    "https://api.mettl.com/v2/account?ak=ab12c345-6789-0123-456d-78e9f0123456&ts=1635976200"
    "&asgn=v4%2BlYYoZTdoeFV9XSTehS1MLRpBmjTRqQqKGizlHIN8%3D"
)
SEED_002_SIGNATURE = "6GdB3azL4Q466GN0RGL21vxWchcZgzhklOXDRy8LSYY%3D"
SEED_002_PARAMS = {"wl": '{"headerBackgroundColor":"4C4794"}', "sn": '["+91-82878-0340"]'}


def test_seed_001_string_to_sign() -> None:
    text = string_to_sign("GET", SEED_URL, {"ak": SEED_PUBLIC, "ts": "1635976200"})
    assert text == "GET" + SEED_URL + "\n" + SEED_PUBLIC + "\n" + "1635976200"


def test_seed_001_signature_reproduces_to_the_byte() -> None:
    params = {"ts": "1635976200", "ak": SEED_PUBLIC}
    signature = sign(string_to_sign("GET", SEED_URL, params), SEED_PRIVATE)
    assert quote(signature, safe="") == SEED_WIRE_SIGNATURE
    wire = encode_params({"ak": SEED_PUBLIC, "ts": "1635976200", "asgn": signature})
    assert f"{SEED_URL}?{wire}" == SEED_FINAL_URL


def test_seed_001_through_the_scheme_is_the_final_url_of_the_document() -> None:
    signed = MettlSigning(SEED_KEYS).sign(
        Request("GET", "/account"), "https://api.mettl.com/v2", Stamp(time=SEED_TS, second=SEED_TS)
    )
    assert signed.wire.url == SEED_FINAL_URL
    assert signed.wire.body is None


def test_seed_001_vector_in_the_document(seeds: Path) -> None:
    text = (seeds / "001_dbbaa8fdb53bea83.txt").read_text()
    for value in (SEED_PUBLIC, SEED_PRIVATE, SEED_WIRE_SIGNATURE, SEED_FINAL_URL):
        assert value in text


def test_seed_002_white_label_vector_reproduces_over_the_two_l_path() -> None:
    """The page prints update-white-labeling; its signature was made over update-white-labelling."""
    params = {"ak": SEED_PUBLIC, "ts": "1635976200", **SEED_002_PARAMS}
    two_ls = "https://api.mettl.com/v2/account/update-white-labelling"
    one_l = "https://api.mettl.com/v2/account/update-white-labeling"
    assert quote(sign(string_to_sign("POST", two_ls, params), SEED_PRIVATE), safe="") == SEED_002_SIGNATURE
    assert quote(sign(string_to_sign("POST", one_l, params), SEED_PRIVATE), safe="") != SEED_002_SIGNATURE


def test_seed_002_through_the_scheme_puts_everything_in_the_query_and_files_in_the_body() -> None:
    favicon = FilePart("fav", "favicon.ico", b"\x00\x00\x01\x00", "image/x-icon")
    request = Request(
        "POST",
        "/account/update-white-labelling",
        SEED_002_PARAMS,
        placement=Placement.QUERY,
        files=(favicon,),
    )
    signed = MettlSigning(SEED_KEYS).sign(request, "https://api.mettl.com/v2", Stamp(SEED_TS, SEED_TS))
    assert signed.wire.url.endswith("&asgn=" + SEED_002_SIGNATURE)
    assert "wl=%7B%22headerBackgroundColor%22%3A%224C4794%22%7D" in signed.wire.url
    assert "sn=%5B%22%2B91-82878-0340%22%5D" in signed.wire.url
    assert signed.wire.body is not None
    assert b"favicon.ico" in signed.wire.body
    assert signed.wire.headers["Content-Type"].startswith("multipart/form-data; boundary=")


def test_seed_002_vector_in_the_document(seeds: Path) -> None:
    text = (seeds / "002_6afb1c485964bbf9.txt").read_text()
    assert SEED_002_SIGNATURE in text
    assert "update-white-labeling" in text
    assert "update-white-labelling" not in text


def test_values_sorted_by_name_and_asgn_left_out() -> None:
    params = {"subdomain": "acme", "ak": "K", "ts": "5", "limit": "50", "asgn": "old"}
    assert string_to_sign("get", "https://h/p", params) == "GEThttps://h/p\nK\n50\nacme\n5"


def test_sha1_variant_for_api_v1() -> None:
    text = "GEThttps://api.mettl.com/v1/account\nK\n1"
    expected = base64.b64encode(hmac.new(b"secret", text.encode(), hashlib.sha1).digest()).decode()
    assert sign(text, "secret", Algorithm.HMAC_SHA1) == expected
    assert sign(text, "secret", Algorithm.HMAC_SHA1) != sign(text, "secret")
    scheme = MettlSigning(Credentials("K", "secret"), Algorithm.HMAC_SHA1)
    signed = scheme.sign(Request("GET", "/account"), "https://api.mettl.com/v1", Stamp(1, 1))
    assert signed.wire.url.endswith("&asgn=" + quote(expected, safe=""))


def test_the_pre_keyed_signer_equals_the_plain_one() -> None:
    scheme = MettlSigning(SEED_KEYS)
    for text in ("", "GEThttps://h/x\nK\n1", "x" * 5000):
        assert scheme.signature(text) == sign(text, SEED_PRIVATE)


def test_json_values_signed_as_the_exact_string_sent() -> None:
    compact = '{"tzid":"Asia/Kolkata"}'
    text = string_to_sign("POST", "https://h/api/v2/setAdminTimeZone", {"data": compact, "ak": "K"})
    assert text.endswith("\nK\n" + compact)
    assert encode_params({"data": compact}) == "data=%7B%22tzid%22%3A%22Asia%2FKolkata%22%7D"


def test_form_posts_carry_the_signed_parameters_in_the_body() -> None:
    request = Request("POST", "/setAdminTimeZone", {"data": "{}"}, placement=Placement.FORM)
    signed = MettlSigning(Credentials("K", "secret"), base_params={"subdomain": "s"}).sign(
        request, "https://h/api/v2", Stamp(7, 7)
    )
    assert signed.wire.url == "https://h/api/v2/setAdminTimeZone"
    assert signed.wire.body is not None
    assert signed.wire.body.startswith(b"ak=K&data=%7B%7D&subdomain=s&ts=7&asgn=")
    assert signed.wire.headers["Content-Type"] == "application/x-www-form-urlencoded"


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "line\n"])
def test_a_line_break_cannot_move_a_value_in_the_string_to_sign(value: str) -> None:
    """Values are joined by line breaks; one inside a value would shift every later value."""
    with pytest.raises(InputError) as caught:
        MettlSigning(SEED_KEYS).sign(Request("GET", "/x", {"name": value}), "https://h", Stamp(1, 1))
    assert caught.value.field == "name"
    assert "line break" in caught.value.rule


def test_a_parameter_that_is_not_text_is_refused() -> None:
    with pytest.raises(InputError, match="must be text"):
        MettlSigning(SEED_KEYS).sign(Request("GET", "/x", {"limit": 5}), "https://h", Stamp(1, 1))


def test_email_path_segment_keeps_plus_and_at() -> None:
    assert encode_path_segment("app+1185@yopmail.com") == "app+1185@yopmail.com"
    assert encode_path_segment("a b/c?d#e%f@x.com") == "a%20b%2Fc%3Fd%23e%25f@x.com"


def test_unique_key_ignores_only_ts_and_the_signature() -> None:
    scheme = MettlSigning(SEED_KEYS)
    base = "https://h"
    key = scheme.unique_key(Request("GET", "/x", {"a": "1"}), base)
    assert key == scheme.unique_key(Request("GET", "/x", {"a": "1"}), base)
    assert key != scheme.unique_key(Request("POST", "/x", {"a": "1"}), base)
    assert key != scheme.unique_key(Request("GET", "/y", {"a": "1"}), base)
    assert key != scheme.unique_key(Request("GET", "/x", {"a": "2"}), base)


def test_requests_that_sign_alike_share_a_unique_key() -> None:
    """Only values are signed: limit=20 and offset=20 make the same string to sign."""
    scheme = MettlSigning(SEED_KEYS)
    by_limit = scheme.unique_key(Request("GET", "/x", {"limit": "20"}), "u")
    by_offset = scheme.unique_key(Request("GET", "/x", {"offset": "20"}), "u")
    assert by_limit == by_offset
    # The place of ts among the values matters: these two never sign alike.
    assert scheme.unique_key(Request("GET", "/x", {"a": "x"}), "u") != scheme.unique_key(
        Request("GET", "/x", {"zz": "x"}), "u"
    )


def test_a_second_is_claimed_once_per_request() -> None:
    store = LocalUniqueness(tag=1)
    assert store.claim_now(b"a", 100)
    assert not store.claim_now(b"a", 100)
    assert store.claim_now(b"b", 100)
    assert store.claim_now(b"a", 101)
    assert not store.claim_now(b"a", 101)


def test_a_clock_moved_back_keeps_the_seconds_it_claimed_ahead() -> None:
    """After a clock rejection from a client two days ahead, the corrected seconds are free, and
    the skewed ones stay taken (the server saw them)."""
    store = LocalUniqueness(tag=1)
    ahead = 1_000_000 + 2 * 86_400
    assert store.claim_now(b"k", ahead)
    assert store.claim_now(b"k", 1_000_000)
    assert not store.claim_now(b"k", 1_000_000)
    assert not store.claim_now(b"k", ahead)


def test_seconds_in_the_past_are_forgotten() -> None:
    store = LocalUniqueness(tag=1)
    for second in range(100, 110):
        assert store.claim_now(b"k", second)
    assert len(store._claimed) == 1


def test_nonces_are_unique_and_increasing_even_on_a_frozen_clock() -> None:
    store = LocalUniqueness(clock=lambda: 1_700_000_000.0, tag=42)
    nonces = [store.nonce_now() for _ in range(10_000)]
    assert len(set(nonces)) == len(nonces)
    assert nonces == sorted(nonces)
    assert all(n % 1000 == 42 for n in nonces)
    assert nonces[-1] < 2**63  # a Rails bigint


def test_a_forked_process_draws_its_own_nonce_tag() -> None:
    import os

    from mettl_async.core.uniqueness import LOCAL

    tags = set()
    for _ in range(8):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child reports its tag and leaves at once
            os.write(write, str(LOCAL.tag).encode())
            os._exit(0)
        os.close(write)
        tags.add(int(os.read(read, 16)))
        os.close(read)
        os.waitpid(pid, 0)
    assert len(tags) > 1  # not all the parent's


_PARAM_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    params=st.dictionaries(
        st.sampled_from(["a", "ak", "limit", "offset", "tz", "z", "ts2", "é"]), _PARAM_TEXT
    )
)
def test_a_query_request_is_signed_into_the_url_the_parameters_encode_to(params: dict[str, str]) -> None:
    """The query written once per request is the one the parameters encode to: ``ak`` first,
    the rest by name with ``ts`` among them, the signature last (the scheme keeps a request's
    own ``ak`` out: the key's is sent)."""
    scheme = MettlSigning(SEED_KEYS, base_params={"subdomain": "acme corp"})
    signed = scheme.sign(Request("GET", "/x y", params), "https://h/v2", Stamp(time=SEED_TS, second=SEED_TS))
    signature = signed.secrets[0]
    sent = {**params, "subdomain": "acme corp", "ak": SEED_PUBLIC, "ts": str(SEED_TS)}
    ordered = {"ak": SEED_PUBLIC, **{n: sent[n] for n in sorted(sent) if n != "ak"}, "asgn": signature}
    assert signed.wire.url == "https://h/v2/x y?" + encode_params(ordered)
    assert signed.wire.headers == {"Accept": "application/json"}
