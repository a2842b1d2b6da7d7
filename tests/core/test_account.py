"""The account a client reaches: a name you give, else CertiCHECK's subdomain or a name made from
the key, stable, never the key; part of what a checkpoint must match."""

from __future__ import annotations

import pytest

from mettl_async import CertiCheckClient, ItepClient, MettlClient, ProctorExamClient
from mettl_async.core.account import key_label
from mettl_async.core.errors import ConfigurationError


def test_certicheck_names_the_account_by_its_subdomain_unless_told() -> None:
    assert CertiCheckClient("pk", "sk", "acme").account_name == "acme"
    assert CertiCheckClient("pk", "sk", "acme", account_name="acme-eu").account_name == "acme-eu"
    assert CertiCheckClient("pk", "sk", "acme").identity()["account"] == "acme"


def test_a_key_names_its_account_stably_and_never_shows() -> None:
    first = MettlClient("public-key-123", "private").account_name
    assert first == MettlClient("public-key-123", "other private").account_name == key_label("public-key-123")
    assert first.startswith("key-")
    assert "public-key-123" not in first
    assert MettlClient("public-key-456", "private").account_name != first
    token = ProctorExamClient("token-abc", "secret", base_url="https://x.example/api/v3").account_name
    assert "token-abc" not in token
    itep = ItepClient("k" * 20, url="https://itep.example/fulfill", environ={}).account_name
    assert "k" * 20 not in itep


def test_the_environment_names_the_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METTL_ACCOUNT", "from-env")
    assert MettlClient("pk", "sk").account_name == "from-env"


@pytest.mark.parametrize("bad", ["", " spaced", "a/b", "x" * 101, "-leading"])
def test_an_account_name_that_cannot_label_rows_is_refused(bad: str) -> None:
    with pytest.raises(ConfigurationError, match="account must be 1 to 100 letters"):
        CertiCheckClient("pk", "sk", "acme", account_name=bad or "\n")
