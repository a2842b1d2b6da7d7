"""Seed 000's two readings of the string to sign: section 8.1 makes ``subdomain`` a mandatory
parameter (signed, the reading the client prefers), section 8.2's Example 1 signs ``GET`` + URL +
ak + limit + ts without it. A server of the other reading refuses a client's first call once;
the client then signs the other way for its lifetime, one extra request in all."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from mettl_async import AuthenticationError, CertiCheckClient
from mettl_async.certicheck.models import ApplicantRegistration
from mettl_async.core.auth import Stamp
from mettl_async.core.request import Request
from mettl_async.mettlfamily.signing import Credentials, MettlSigning, string_to_sign
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from mettl_async.testing.mettl_request_check import expected_signature

Factory = Callable[..., SandboxThread]

# Section 8.2, Example 1, and the table under it.
EXAMPLE_BASE = "http://certification.mettl.com/api/v2"
EXAMPLE_AK = "a34e2ejf38ek39fkwmf"
EXAMPLE_TS = 1366020643
EXAMPLE_1 = "GET" + EXAMPLE_BASE + "/tests" + "\n" + EXAMPLE_AK + "\n" + "50" + "\n" + "1366020643"
#: The document prints no private key and no signature for Example 1; any key shows the rule.
KEY = "example-private-key"


def hmac_base64(text: str) -> str:
    """The signature restated with the standard library, independently of the client's signer."""
    return base64.b64encode(hmac.new(KEY.encode(), text.encode(), hashlib.sha256).digest()).decode()


def signed_query(sign_subdomain: bool) -> list[tuple[str, str]]:
    scheme = MettlSigning(Credentials(EXAMPLE_AK, KEY), base_params={"subdomain": "acme"})
    scheme.sign_base_params = sign_subdomain
    request = Request("GET", "/tests", {"limit": "50"})
    signed = scheme.sign(request, EXAMPLE_BASE, Stamp(EXAMPLE_TS, EXAMPLE_TS))
    assert signed.wire.url.startswith(EXAMPLE_BASE + "/tests?ak=")  # 'ak' first, as the NOTE says
    return parse_qsl(urlsplit(signed.wire.url).query)


def test_example_1_as_printed(seeds: Path) -> None:
    text = (seeds / "000_dc076e00dee2321d.txt").read_text()
    printed = r'"GET" + "<http://certification.mettl.com/api/v2/tests>" + "\n" + "a34e2ejf38ek39fkwmf"'
    assert printed + r' + "\n" + "50" + "\n" + "1366020643"' in text
    assert string_to_sign(
        "GET", EXAMPLE_BASE + "/tests", {"ak": EXAMPLE_AK, "limit": "50", "ts": "1366020643"}
    ) == (EXAMPLE_1)


def test_example_1s_reading_signs_its_string_and_still_sends_the_subdomain() -> None:
    assert signed_query(False) == [
        ("ak", EXAMPLE_AK),
        ("limit", "50"),
        ("subdomain", "acme"),
        ("ts", "1366020643"),
        ("asgn", hmac_base64(EXAMPLE_1)),
    ]


def test_the_preferred_reading_signs_the_subdomain_between_limit_and_ts() -> None:
    with_subdomain = "GET" + EXAMPLE_BASE + "/tests\n" + EXAMPLE_AK + "\n50\nacme\n1366020643"
    assert dict(signed_query(True))["asgn"] == hmac_base64(with_subdomain)
    assert CertiCheckClient("pk", "sk", "sub").session.auth.sign_base_params is True  # type: ignore[attr-defined]


def switch_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "Example 1" in r.getMessage()
    ]


def signed_without_subdomain(sandbox: SandboxThread) -> list[bool]:
    """For each request the sandbox saw: was it signed as Example 1 (subdomain sent, not signed)?"""
    config = sandbox.sandbox.config
    out = []
    for seen in sandbox.sandbox.requests:
        params = {k: v for k, v in seen.params.items() if k != "subdomain"}
        url = f"http://{seen.host}{seen.raw_path.partition('?')[0]}"
        out.append(seen.params["asgn"] == expected_signature(config.private_key, seen.method, url, params))
    return out


async def test_a_server_of_example_1_refuses_the_first_call_once(
    certicheck_sandbox_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """Defect: a server following Example 1 refused every call (E401, exit 3)."""
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, signs_subdomain=False))
    caplog.set_level(logging.WARNING, logger="mettl_async")
    async with sandbox.client() as client:
        await client.timezones.list()
        await client.account.get()
        assert len(await client.tests.list().to_list()) > 0
        await client.with_options(timeout=30).account.get()  # a view shares the reading
    seen = list(sandbox.sandbox.requests)
    assert [r.error_code for r in seen] == ["E401", None, None, None, None]
    assert signed_without_subdomain(sandbox) == [False, True, True, True, True]
    assert all(r.params["subdomain"] == "sandbox" for r in seen)  # sent all the same
    assert len(switch_warnings(caplog)) == 1


async def test_a_first_write_refused_for_its_signature_is_sent_once_more(
    certicheck_sandbox_factory: Factory,
) -> None:
    """A signature refusal proves the server did not act: even a registration is sent again."""
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, signs_subdomain=False))
    async with sandbox.client() as client:
        registered = await client.applicants.register(
            [ApplicantRegistration("ada@example.org", {"First Name": "A"})]
        )
    assert [r.email for r in registered] == ["ada@example.org"]
    assert [r.error_code for r in sandbox.sandbox.requests] == ["E401", None]
    assert sandbox.sandbox.registrations == 1


async def test_concurrent_first_calls_each_cost_at_most_one_more(
    certicheck_sandbox_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, signs_subdomain=False))
    caplog.set_level(logging.WARNING, logger="mettl_async")
    async with sandbox.client() as client:
        calls = [client.account.get(), client.timezones.list(), client.tests.list().to_list()]
        await asyncio.gather(*calls)
        await client.tests.list("UnPublished").to_list()
    refused = [r for r in sandbox.sandbox.requests if r.error_code == "E401"]
    assert 1 <= len(refused) <= 3
    assert len(sandbox.sandbox.requests) == 4 + len(refused)
    assert len(switch_warnings(caplog)) == 1


async def test_a_refusal_the_other_reading_does_not_fix_costs_one_request_once(
    certicheck_sandbox_factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    """A wrong private key fails both readings: the first call tries the other once, later calls
    do not try again, and the reading stays the preferred one."""
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30))
    config = sandbox.sandbox.config
    caplog.set_level(logging.WARNING, logger="mettl_async")
    wrong = CertiCheckClient(config.public_key, "not-the-key", config.subdomain, base_url=sandbox.base_url)
    async with wrong:
        for call in (wrong.account.get, wrong.timezones.list, wrong.tests.list().to_list):
            with pytest.raises(AuthenticationError, match="E401"):
                await call()
        assert wrong.session.auth.sign_base_params is True  # type: ignore[attr-defined]
    assert [r.error_code for r in sandbox.sandbox.requests] == ["E401"] * 4
    assert not switch_warnings(caplog)


async def test_a_server_of_the_preferred_reading_costs_nothing(certicheck_sandbox_factory: Factory) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30))
    async with sandbox.client() as client:
        await client.account.get()
        await client.timezones.list()
    assert [r.error_code for r in sandbox.sandbox.requests] == [None, None]
    assert signed_without_subdomain(sandbox) == [False, False]


@pytest.mark.parametrize(
    ("sign_subdomain", "server_signs_it", "codes"),
    [
        (True, False, ["E401", "E401"]),
        (False, False, [None, None]),
        (False, True, ["E401", "E401"]),
    ],
)
async def test_a_fixed_reading_never_switches(
    certicheck_sandbox_factory: Factory, sign_subdomain: bool, server_signs_it: bool, codes: list[str | None]
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30, signs_subdomain=server_signs_it))
    async with sandbox.client(sign_subdomain=sign_subdomain) as client:
        for call in (client.account.get, client.timezones.list):  # distinct: identical GETs are shared
            with contextlib.suppress(AuthenticationError):
                await call()
    assert [r.error_code for r in sandbox.sandbox.requests] == codes
