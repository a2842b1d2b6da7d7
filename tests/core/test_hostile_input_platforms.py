"""Hostile input on every platform, from a hunt for escapes: malformed URLs, lone surrogates,
integers JSON cannot carry, values nested past any limit, and a line break after a value a
pattern checks. Each is refused with the library's own error before anything is sent: the
clients point at a port that refuses connections, so a request sent would be a ConnectError."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from mettl_async import CertiCheckClient, ConfigurationError, InputError, MettlClient, ProctorExamClient
from mettl_async.itep import ItepClient
from mettl_async.mettl_rest.specs import AssessmentSpec, ScheduleSpec, WhiteLabel

Clients = tuple[MettlClient, ProctorExamClient, CertiCheckClient, ItepClient]
Call = Callable[[Clients], Awaitable[Any]]


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"x": 1}
    for _ in range(depth):
        value = {"x": value}
    return value


CALLS: list[tuple[str, Call, str]] = [
    ("surrogate in an e-mail in a path", lambda c: c[0].candidates.result("abc", "a\ud800@b.co"), "email"),
    ("surrogate in a name", lambda c: c[1].institutes.create("\ud800"), "name"),
    ("surrogate in a time zone", lambda c: c[2].timezones.set_account_timezone("\ud800"), "tzid"),
    (
        "malformed callback URL",
        lambda c: c[1].institutes.create("n", callback_url="http://[abc]/x"),
        "callback_url",
    ),
    (
        "a 30-digit instruction",
        lambda c: c[0].assessments.create(AssessmentSpec(name="x", duration=5, instructions=10**30)),
        "spec",  # the argument given, not the wire name (assessments)
    ),  # type: ignore[arg-type]
    (
        "a 30-digit extra",
        lambda c: c[0].schedules.create(1, ScheduleSpec(name="x", extra={"a": 10**30})),
        "spec",  # not the wire name (sc)
    ),
    ("a 30-digit PBT id", lambda c: c[0].account.add_pbts([10**30]), "pbt_ids[0]"),
    ("a 30-digit slot id", lambda c: c[2].slots.book("a@b.co", 10**30, 1, 1), "slot_id"),
    ("a 30-digit field", lambda c: c[1].institutes.create("n", fields={"foo": 10**30}), "foo"),
    ("a 5,000-digit id", lambda c: c[0].assessments.get(10**5000), "assessment_id"),
    ("a 5,000-digit institute", lambda c: c[1].institutes.get(10**5000), "institute_id"),
    ("an access key and a line break", lambda c: c[0].schedules.get("abc\n"), "access_key"),
    ("a role and a line break", lambda c: c[1].users.create(1, "a@b.co", "n", "teacher\n"), "role"),
    (
        "nested 3,000 deep",
        lambda c: c[3].fulfill("GTX-Academic-Plus", assigned_to=nested(3000)),
        "assigned-to",
    ),
]


@pytest.fixture
def clients(closed_port: int) -> Clients:
    base = f"http://127.0.0.1:{closed_port}"
    return (
        MettlClient("pk", "sk", base_url=f"{base}/v2"),
        ProctorExamClient("token", "secret", base_url=f"{base}/api/v3"),
        CertiCheckClient("pk", "sk", "acme", base_url=base),
        ItepClient("key", url=f"{base}/fulfill"),
    )


@pytest.mark.parametrize(("label", "call", "field"), CALLS, ids=[row[0] for row in CALLS])
async def test_refused_before_anything_is_sent(label: str, call: Call, field: str, clients: Clients) -> None:
    try:
        with pytest.raises(InputError) as caught:
            await call(clients)
        assert caught.value.field.startswith(field), caught.value
    finally:
        for client in clients:
            await client.close()


@pytest.mark.parametrize(
    "build",
    [
        lambda: AssessmentSpec(name="x", exit_redirection_url="http://[::1"),
        lambda: WhiteLabel(button_color="abcdef\n"),
    ],
)
def test_request_models_refuse_malformed_values(build: Callable[[], Any]) -> None:
    with pytest.raises(InputError):
        build()


@pytest.mark.parametrize(
    "make",
    [
        lambda: MettlClient("p", "q", base_url="http://[::1"),
        lambda: ProctorExamClient("t", "s", base_url="http://[::1/api/v3"),
        lambda: CertiCheckClient("p", "q", "acme", base_url="http://h:99999999"),
        lambda: ItepClient("key", url="http://[::1"),
        lambda: MettlClient("p", "\udcff"),  # a byte that is not UTF-8, as os.environ gives it
        lambda: ItepClient("key", url="http://h/x", signature_encoding=5),
    ],
)
def test_bad_configuration_is_a_configuration_error(make: Callable[[], Any]) -> None:
    with pytest.raises(ConfigurationError):
        make()


def test_the_sign_command_refuses_a_malformed_url_and_a_line_break() -> None:
    env = {"METTL_PRIVATE_KEY": "sk", "METTL_PUBLIC_KEY": "pk", "PATH": "/usr/bin:/bin"}
    for args in (["GET", "http://[::1/x"], ["GET", "http://h/x", "a=b\nc"]):
        done = subprocess.run(
            [sys.executable, "-m", "mettl_async", "sign", *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 2, done
        assert "Traceback" not in done.stderr


def test_a_refused_url_does_not_show_the_token_it_carries() -> None:
    from mettl_async.core.checks import check_url

    with pytest.raises(InputError) as caught:
        check_url("callback_url", "http://[::1/hook?token=s3cret-token")
    assert "s3cret-token" not in str(caught.value)
    assert "token=REDACTED" in str(caught.value)
