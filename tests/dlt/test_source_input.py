"""mettl_source refuses bad input before anything is sent, naming the field and the rule, and says
how to install dlt when it is missing. Runs without dlt (the README's test command)."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from mettl_async.core.errors import ConfigurationError, InputError
from mettl_async.dlt import INSTALL, mettl_source
from mettl_async.testing import SandboxThread


@pytest.mark.parametrize(
    ("arguments", "field", "rule"),
    [
        ({"kinds": ["result"]}, "kinds", "unknown kind 'result'; Mettl CertiCHECK v2's kinds are: results, "),
        ({"kinds": []}, "kinds", "name at least one kind"),
        ({"filters": {"schedule": "k"}}, "filters", "no kind chosen takes 'schedule'"),
        ({"kinds": ["tests"], "filters": {"email": "a@x.com"}}, "filters", "no kind chosen takes 'email'"),
        ({"filters": {"assessment": 0}}, "assessment_id", "must be a positive integer id"),
        ({"filters": {"status": "Draft"}}, "status", "must be one of Published, UnPublished"),
        ({"kinds": ["enrolled"]}, "--slot-window", "is required for the enrolled kind"),
    ],
)
def test_bad_input_is_refused_before_anything_is_sent(
    certicheck_sandbox: SandboxThread, arguments: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(InputError) as refused:
        mettl_source(certicheck_sandbox.client(), **arguments)
    assert refused.value.field == field
    assert rule in str(refused.value)
    assert not certicheck_sandbox.sandbox.requests


def test_every_kind_by_default_leaves_out_those_that_need_a_filter_not_given(
    certicheck_sandbox: SandboxThread,
) -> None:
    pytest.importorskip("dlt", reason="the dlt source needs dlt: python -m nox -s dlt")
    source = mettl_source(certicheck_sandbox.client())
    assert list(source.resources) == ["results", "tests", "slot_windows"]
    with_window = mettl_source(certicheck_sandbox.client(), filters={"slot_window": 150})
    assert list(with_window.resources) == ["results", "tests", "slot_windows", "enrolled"]
    assert not certicheck_sandbox.sandbox.requests


def test_a_platform_without_lists_and_a_foreign_client_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="iTEP has no lists to harvest"):
        mettl_source("itep", settings={"api_key": "k"})
    with pytest.raises(ConfigurationError, match="not a platform's async client"):
        mettl_source(object())  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="unknown platform 'moodle'"):
        mettl_source("moodle")


def test_settings_go_with_a_name_not_with_a_client(certicheck_sandbox: SandboxThread) -> None:
    with pytest.raises(ConfigurationError, match="settings and options go with a platform's name"):
        mettl_source(certicheck_sandbox.client(), settings={"subdomain": "x"})


def test_without_dlt_the_error_says_what_to_install(
    certicheck_sandbox: SandboxThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dlt", None)  # import dlt raises ImportError
    with pytest.raises(ConfigurationError) as missing:
        mettl_source(certicheck_sandbox.client())
    assert INSTALL in str(missing.value)
    assert INSTALL == "pip install 'mettl-async[dlt]'"
    assert not certicheck_sandbox.sandbox.requests
