"""An accounts file: every account a fleet harvests, and where its credentials come from.

``accounts.toml`` holds one ``[[account]]`` table per account::

    [[account]]
    label = "acme"                          # its name in every row of the output
    platform = "certicheck"                 # a platform of mettl_async.platforms
    subdomain = "acme"                      # a setting, written here (never a secret)
    public_key_env = "ACME_PUBLIC_KEY"      # a setting read from an environment variable
    private_key_env = "ACME_PRIVATE_KEY"
    rate = 5                                # optional: the platform's limit for this key (req/s)
    burst = 2                               # optional: requests it accepts at once

    [[account]]
    label = "globex"
    platform = "mettl_rest"
    secrets = "secrets/globex.toml"         # settings from a file only its owner can read

A setting is named as the platform's client takes it (``public_key``, ``base_url``,
``api_token``…); its value is written in the table, read from the variable its ``_env`` twin
names, or read from the ``secrets`` file (a TOML table of settings, beside the accounts file
unless the path is absolute). A secret is never written in the accounts file, and a secrets file
others may read is refused. Every rule is checked for every account before anything is sent;
a refusal names the file, the account and the field. Settings an account leaves out and does
not need (a base URL) come from the environment as for a single harvest.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ..core.account import account_label
from ..core.errors import ConfigurationError
from ..core.settings import Setting
from ..platforms import PLATFORMS, Platform

if TYPE_CHECKING:
    from ..core.client import BaseClient
    from ..core.options import ClientOptions

#: Fields every account may have besides its platform's settings.
OWN_FIELDS = ("label", "platform", "rate", "burst", "secrets")
ENV_SUFFIX = "_env"


class AccountsError(ConfigurationError):
    """An accounts file that cannot be used as it is (the message names the account and field)."""


@attrs.frozen(repr=False)
class Account:
    """One account of a fleet: its platform, label, settings (by each :class:`Setting`'s name;
    never shown) and, if given, the platform's limit for its key."""

    label: str
    platform: Platform
    settings: Mapping[str, str]
    rate: float | None = None
    burst: int = 1

    def __repr__(self) -> str:
        return f"Account({self.label!r}, {self.platform.name!r})"

    def connect(self, options: ClientOptions | None = None) -> BaseClient:
        """A client of this account (its label names its rows)."""
        return self.platform.connect({**self.settings, "account_name": self.label}, options)

    @property
    def budget_name(self) -> str:
        """The rate budget its key shares with every process and label using that key."""
        return self.platform.budget_name(self.settings)


def read_accounts(path: Path | str, environ: Mapping[str, str] | None = None) -> tuple[Account, ...]:
    """Every account of the accounts file ``path``, checked (:class:`AccountsError` otherwise);
    ``environ`` is where ``*_env`` variables are read (``os.environ`` by default)."""
    path = Path(path)
    env = os.environ if environ is None else environ
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise AccountsError(f"cannot read the accounts file {path}: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise AccountsError(f"{path} is not valid TOML: {error}") from None
    unknown = sorted(set(document) - {"account"})
    if unknown:
        raise AccountsError(f"{path}: unknown table {unknown[0]!r}; accounts are [[account]] tables")
    entries = document.get("account")
    if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
        raise AccountsError(f"{path}: no account; add an [[account]] table per account")
    accounts: list[Account] = []
    for number, entry in enumerate(entries, 1):
        account = _account(entry, _Where(path, number, entry.get("label")), env)
        if any(a.label == account.label for a in accounts):
            raise _Where(path, number, account.label).error(
                "label", "is already the label of another account"
            )
        accounts.append(account)
    return tuple(accounts)


@attrs.frozen
class _Where:
    """Where an entry is, for its refusals."""

    path: Path
    number: int
    label: Any

    def error(self, field: str, rule: str) -> AccountsError:
        named = f"account {self.label!r}" if isinstance(self.label, str) and self.label else "an account"
        return AccountsError(f"{self.path}: {named} (entry {self.number}): {field}: {rule}")


def _account(entry: Mapping[str, Any], where: _Where, env: Mapping[str, str]) -> Account:
    label = entry.get("label")
    if not isinstance(label, str) or not label:
        raise where.error("label", "is required: the account's name in every row")
    try:
        account_label(label, label)
    except ConfigurationError as error:
        raise where.error("label", str(error).removeprefix("account ")) from None
    platform = _platform(entry.get("platform"), where)
    settings = {s.keyword: s for s in platform.settings if s.name != "account_name"}
    allowed = {*OWN_FIELDS, *settings, *(k + ENV_SUFFIX for k in settings)}
    for field in entry:
        if field not in allowed:
            known = ", ".join(sorted(allowed))
            raise where.error(field, f"is not a field of a {platform.name} account; the fields are: {known}")
    rate, burst = _rate(entry.get("rate"), where), _burst(entry.get("burst", 1), where)
    values: dict[str, str] = {}
    for keyword, setting in settings.items():
        found = _value(entry, keyword, setting, where, env)
        if found is not None:
            if setting.choices and found not in setting.choices:
                raise where.error(keyword, f"must be one of {', '.join(setting.choices)}")
            values[keyword] = found
    if "secrets" in entry:
        for keyword, value in _secrets(entry["secrets"], where, settings).items():
            if keyword in values:
                raise where.error(keyword, "is given both here and in the secrets file; give it once")
            values[keyword] = value
    for keyword, setting in settings.items():
        if setting.required and keyword not in values:
            how = "in a secrets file" if setting.secret else f'{keyword} = "…"'
            raise where.error(
                keyword, f'is required: {keyword}{ENV_SUFFIX} = "VARIABLE" names its variable, or {how}'
            )
    return Account(
        label,
        platform,
        {settings[k].name: v for k, v in values.items()},
        rate=rate,
        burst=burst,
    )


def _platform(name: Any, where: _Where) -> Platform:
    known = ", ".join(p.name for p in PLATFORMS)
    for entry in PLATFORMS:
        if entry.name == name:
            return entry
    if name is None:
        raise where.error("platform", f"is required; the platforms are: {known}")
    raise where.error("platform", f"{name!r} is no platform; the platforms are: {known}")


def _value(
    entry: Mapping[str, Any], keyword: str, setting: Setting, where: _Where, env: Mapping[str, str]
) -> str | None:
    """A setting written in the entry, or read from the variable its ``_env`` field names."""
    variable = entry.get(keyword + ENV_SUFFIX)
    if keyword in entry:
        if setting.secret:
            raise where.error(
                keyword,
                "is a secret, never written in the accounts file: name its variable "
                f'({keyword}{ENV_SUFFIX} = "VARIABLE") or put it in a secrets file (secrets = "FILE")',
            )
        if variable is not None:
            raise where.error(keyword, f"is given twice (and as {keyword}{ENV_SUFFIX}); give it once")
        value = entry[keyword]
        if not isinstance(value, str) or not value:
            raise where.error(keyword, "must be a non-empty text")
        return value
    if variable is None:
        return None
    field = keyword + ENV_SUFFIX
    if not isinstance(variable, str) or not variable:
        raise where.error(field, "must name an environment variable")
    value = env.get(variable)
    if not value:
        raise where.error(field, f"the environment variable {variable} is not set")
    return value


def _secrets(given: Any, where: _Where, settings: Mapping[str, Setting]) -> dict[str, str]:
    """The settings of a secrets file, refused when others may read it."""
    if not isinstance(given, str) or not given:
        raise where.error("secrets", "must be the path of a TOML file of settings")
    path = Path(given).expanduser()
    if not path.is_absolute():
        path = where.path.parent / path
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise where.error("secrets", f"{path} is not a file")
        if mode & 0o077:
            raise where.error(
                "secrets",
                f"{path} can be read or changed by others (mode {stat.S_IMODE(mode):o}): chmod 600 {path}",
            )
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise where.error("secrets", f"cannot read {path}: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        # the decoder's message names a line and column, never the text there
        raise where.error("secrets", f"{path} is not valid TOML: {error}") from None
    values: dict[str, str] = {}
    for keyword, value in table.items():
        if keyword not in settings:
            known = ", ".join(settings)
            raise where.error(
                "secrets", f"{path}: {keyword!r} is no setting of this account; they are: {known}"
            )
        if not isinstance(value, str) or not value:
            raise where.error(keyword, f"must be a non-empty text (in {path})")
        values[keyword] = value
    return values


def _rate(value: Any, where: _Where) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
        raise where.error("rate", "must be a number of requests per second > 0")
    return float(value)


def _burst(value: Any, where: _Where) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise where.error("burst", "must be an integer >= 1")
    return value
