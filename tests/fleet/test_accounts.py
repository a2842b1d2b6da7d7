"""The accounts file: every rule refused naming the file, the account and the field, before
anything is sent; secrets never in a repr or a message."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from mettl_async.fleet.accounts import AccountsError, read_accounts

SECRET = "s3cr3t-private-key-value"
ENV = {"ACME_PUBLIC": "acme-public", "ACME_PRIVATE": SECRET, "PE_TOKEN": "tok", "PE_SECRET": SECRET}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "accounts.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


GOOD = """
    [[account]]
    label = "acme"
    platform = "certicheck"
    subdomain = "acme"
    public_key_env = "ACME_PUBLIC"
    private_key_env = "ACME_PRIVATE"
    rate = 5
    burst = 2

    [[account]]
    label = "exams"
    platform = "proctorexam"
    base_url = "https://acme.proctorexam.com/api/v3"
    secrets = "pe.toml"
"""


def pe_secrets(
    tmp_path: Path, mode: int = 0o600, text: str = f'api_token = "tok"\nsecret_key = "{SECRET}"\n'
) -> Path:
    path = tmp_path / "pe.toml"
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_a_good_file_gives_each_account_its_settings_by_the_clients_names(tmp_path: Path) -> None:
    pe_secrets(tmp_path)
    acme, exams = read_accounts(write(tmp_path, GOOD), ENV)
    assert (acme.label, acme.platform.name, acme.rate, acme.burst) == ("acme", "certicheck", 5.0, 2)
    assert acme.settings == {"subdomain": "acme", "public_key": "acme-public", "private_key": SECRET}
    assert exams.settings["proctorexam_secret_key"] == SECRET
    assert exams.settings["proctorexam_base_url"].startswith("https://acme.")
    assert (exams.rate, exams.burst) == (None, 1)
    assert SECRET not in repr(acme) + repr(exams) + str(acme) + str([acme, exams])
    # one budget per key: the same secret on another label shares it; never the key itself
    assert acme.budget_name.startswith("certicheck:key-")
    assert SECRET not in acme.budget_name


@pytest.mark.parametrize(
    ("entry", "field", "rule"),
    [
        ('platform = "certicheck"', "label", "is required"),
        ('label = "a b"\nplatform = "certicheck"', "label", "1 to 100 letters"),
        ('label = "x"', "platform", "is required; the platforms are: certicheck, mettl_rest"),
        ('label = "x"\nplatform = "mettl"', "platform", "'mettl' is no platform"),
        (
            'label = "x"\nplatform = "mettl_rest"\nprivate_key = "k"',
            "private_key",
            "is a secret, never written",
        ),
        (
            'label = "x"\nplatform = "mettl_rest"\npublic_key_env = "NOPE"',
            "public_key_env",
            "NOPE is not set",
        ),
        (
            'label = "x"\nplatform = "mettl_rest"\npublic_key_env = "ACME_PUBLIC"',
            "private_key",
            "is required",
        ),
        (
            'label = "x"\nplatform = "certicheck"\nsubdomian = "a"',
            "subdomian",
            "is not a field of a certicheck",
        ),
        ('label = "x"\nplatform = "mettl_rest"\nrate = 0', "rate", "must be a number"),
        ('label = "x"\nplatform = "mettl_rest"\nburst = 1.5', "burst", "must be an integer"),
        (
            'label = "x"\nplatform = "mettl_rest"\napi_version = "v9"',
            "api_version",
            "must be one of v1, v2, v3",
        ),
        (
            'label = "x"\nplatform = "mettl_rest"\npublic_key = "p"\npublic_key_env = "ACME_PUBLIC"',
            "public_key",
            "is given twice",
        ),
        ('label = "x"\nplatform = "certicheck"\nsubdomain = 5', "subdomain", "must be a non-empty text"),
    ],
)
def test_each_rule_names_the_file_the_account_and_the_field(
    tmp_path: Path, entry: str, field: str, rule: str
) -> None:
    path = write(tmp_path, "[[account]]\n" + entry + "\n")
    with pytest.raises(AccountsError) as caught:
        read_accounts(path, ENV)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert f"(entry 1): {field}: " in message
    assert rule in message
    if 'label = "x"' in entry:
        assert "account 'x'" in message
    assert SECRET not in message


def test_two_accounts_may_not_share_a_label(tmp_path: Path) -> None:
    entry = (
        '[[account]]\nlabel = "a"\nplatform = "mettl_rest"\n'
        'public_key_env = "ACME_PUBLIC"\nprivate_key_env = "ACME_PRIVATE"\n'
    )
    with pytest.raises(AccountsError, match=r"account 'a' \(entry 2\): label: is already the label"):
        read_accounts(write(tmp_path, entry * 2), ENV)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_a_secrets_file_others_can_read_is_refused_naming_the_fix(tmp_path: Path, mode: int) -> None:
    secrets = pe_secrets(tmp_path, mode)
    with pytest.raises(AccountsError) as caught:
        read_accounts(write(tmp_path, GOOD), ENV)
    message = str(caught.value)
    assert f"account 'exams' (entry 2): secrets: {secrets} can be read or changed by others" in message
    assert message.endswith(f"chmod 600 {secrets}")
    assert SECRET not in message


def test_a_secrets_file_with_a_stray_setting_or_bad_toml_is_refused(tmp_path: Path) -> None:
    pe_secrets(tmp_path, text=f'api_token = "tok"\nsecret_key = "{SECRET}"\nsubdomain = "x"\n')
    with pytest.raises(AccountsError, match="'subdomain' is no setting of this account"):
        read_accounts(write(tmp_path, GOOD), ENV)
    pe_secrets(tmp_path, text=f'api_token = "tok"\nsecret_key = {SECRET}\n')
    with pytest.raises(AccountsError, match="is not valid TOML") as caught:
        read_accounts(write(tmp_path, GOOD), ENV)
    assert SECRET not in str(caught.value)


def test_a_missing_secrets_file_and_a_missing_accounts_file(tmp_path: Path) -> None:
    with pytest.raises(AccountsError, match=r"secrets: cannot read .*pe\.toml: No such file"):
        read_accounts(write(tmp_path, GOOD), ENV)
    with pytest.raises(AccountsError, match="cannot read the accounts file"):
        read_accounts(tmp_path / "none.toml", ENV)


@pytest.mark.parametrize("text", ["", "[account]\nlabel = 'a'\n", "[[acount]]\nlabel = 'a'\n", "x = ["])
def test_a_file_without_accounts_is_refused(tmp_path: Path, text: str) -> None:
    with pytest.raises(AccountsError, match=r"no account|unknown table|not valid TOML"):
        read_accounts(write(tmp_path, text), ENV)
