"""Hostile input: a table of bad values per public call, each refused before anything is sent,
with an InputError naming the field and the rule."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from mettl_async import CertiCheckClient, InputError
from mettl_async.certicheck.models import (
    AccountSettings,
    ApplicantRegistration,
    TestAllocation,
    TestRef,
)
from mettl_async.certicheck.slots import (
    SlotHours,
    SlotWindowSpec,
)
from mettl_async.testing import SandboxThread

Call = Callable[[CertiCheckClient], Awaitable[Any]]
BAD_EMAILS = [
    "a/b@x.org",
    "a?b@x.org",
    "a#b@x.org",
    "a%b@x.org",
    "a@x.org\n",
    "a\n@x.org",
    "no-at.org",
    5,
    None,
]


def person(email: str = "ok@x.org") -> ApplicantRegistration:
    return ApplicantRegistration(email, {"First Name": "Ada"})


async def first_page(paginator: Any) -> Any:
    return await paginator


TABLE: list[tuple[str, Call, str]] = [
    ("timezone not text", lambda c: c.timezones.set_account_timezone(5), "tzid"),  # type: ignore[arg-type]
    ("timezone with a newline", lambda c: c.timezones.set_account_timezone("Asia/\nKolkata"), "tzid"),
    ("settings not a model", lambda c: c.account.update({"as": 1}), "settings"),  # type: ignore[arg-type]
    ("settings empty", lambda c: c.account.update(AccountSettings()), "settings"),
    ("register a string", lambda c: c.applicants.register("a@x.org"), "applicants"),  # type: ignore[arg-type]
    ("register plain addresses", lambda c: c.applicants.register(["a@x.org"]), "applicants[0]"),  # type: ignore[list-item]
    ("register none", lambda c: c.applicants.register([]), "applicants"),
    (
        "register 21",
        lambda c: c.applicants.register([person(f"p{i}@x.org") for i in range(21)]),
        "applicants",
    ),
    ("register twice", lambda c: c.applicants.register([person("d@x.org"), person("D@x.org")]), "applicants"),
    ("send_email not a bool", lambda c: c.applicants.register([person()], send_email="yes"), "send_email"),  # type: ignore[arg-type]
    (
        "allocations of 21",
        lambda c: c.applicants.change_tests(
            [TestAllocation(f"p{i}@x.org", add=[TestRef(1)]) for i in range(21)]
        ),
        "allocations",
    ),
    (
        "allocation with nothing",
        lambda c: c.applicants.change_tests([TestAllocation("a@x.org")]),
        "allocations[0]",
    ),
    ("login e-mail with a slash", lambda c: c.applicants.login_url("a/b@x.org"), "email"),
    ("enrolled window id text", lambda c: first_page(c.applicants.enrolled("154")), "slot_window_id"),  # type: ignore[arg-type]
    ("enrolled page size 501", lambda c: first_page(c.applicants.enrolled(154, page_size=501)), "page_size"),
    ("results max_items negative", lambda c: first_page(c.results.all(max_items=-1)), "max_items"),
    ("results of assessment 0", lambda c: first_page(c.results.of_assessment(0)), "assessment_id"),
    ("results of assessment True", lambda c: first_page(c.results.of_assessment(True)), "assessment_id"),
    ("results of applicant bad e-mail", lambda c: first_page(c.results.of_applicant("a#b@x.org")), "email"),
    (
        "result in assessment bad e-mail",
        lambda c: c.results.of_applicant_in_assessment(101, "a?b@x.org"),
        "email",
    ),
    ("slot window not a spec", lambda c: c.slots.create({"name": "x"}), "window"),  # type: ignore[arg-type]
    ("slot details offset -1", lambda c: c.slots.details(1, offset=-1), "offset"),
    ("slot details limit 0", lambda c: c.slots.details(1, limit=0), "page_size"),
    ("book with a bad e-mail", lambda c: c.slots.book("a%b@x.org", 1, 67, 101), "applicant_email"),
    ("book with a text slot", lambda c: c.slots.book("a@x.org", "1", 67, 101), "slot_id"),  # type: ignore[arg-type]
    ("release with no assessment", lambda c: c.slots.release("a@x.org", None), "assessment_id"),  # type: ignore[arg-type]
    ("delete window -3", lambda c: c.slots.delete_window(-3), "slot_window_id"),
    ("tests of status published", lambda c: first_page(c.tests.list("published")), "status"),
]


@pytest.mark.parametrize(("label", "call", "field"), TABLE, ids=[row[0] for row in TABLE])
async def test_bad_input_is_refused_before_sending(
    certicheck_sandbox: SandboxThread, label: str, call: Call, field: str
) -> None:
    async with certicheck_sandbox.client() as client:
        with pytest.raises(InputError) as caught:
            await call(client)
    assert caught.value.field == field
    assert caught.value.rule
    assert str(caught.value).startswith(f"{field}: ")
    assert not certicheck_sandbox.sandbox.requests


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_bad_emails_in_request_models(email: Any) -> None:
    with pytest.raises(InputError) as caught:
        ApplicantRegistration(email)
    assert caught.value.field == "email"


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: ApplicantRegistration("a@x.org", {"First Name": "Ada\nLovelace"}), "fields['First Name']"),
        (lambda: ApplicantRegistration("a@x.org", context_data=5), "context_data"),  # type: ignore[arg-type]
        (lambda: SlotWindowSpec("x\ny", "14 Jan, 25", "15 Jan, 25", [SlotHours(1, 2)]), "name"),
        (lambda: SlotWindowSpec("w", "14 Jan, 25", "13 Jan, 25", [SlotHours(1, 2)]), "to_date"),
        (lambda: SlotWindowSpec("w", "2025-01-14", "15 Jan, 25", [SlotHours(1, 2)]), "from_date"),
        (
            lambda: SlotWindowSpec("w", "14 Jan, 25", "15 Jan, 25", [SlotHours(1, 3), SlotHours(2, 4)]),
            "slots",
        ),
        (
            lambda: SlotWindowSpec("w", "14 Jan, 25", "15 Jan, 25", [SlotHours(1, 2)], capacity_per_slot=0),
            "capacity_per_slot",
        ),
    ],
)
def test_bad_request_models(build: Callable[[], Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        build()
    assert caught.value.field == field
