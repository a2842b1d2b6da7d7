"""The account a client reaches, as outputs label its rows: a name you give, or one made from
the key that is stable and never the key itself.

Many accounts land in one database (a CertiCHECK partner's subdomains, a company's REST,
ProctorExam and iTEP keys): the account is part of every row's natural key.
"""

from __future__ import annotations

import hashlib
import os
import re

from .errors import ConfigurationError
from .settings import Setting

#: The variable that names the account when ``account=`` (``--account``) does not.
ENV_ACCOUNT = "METTL_ACCOUNT"
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")


def key_label(key: str) -> str:
    """A stable, non-secret name for the account a key reaches: ``key-`` and 12 hex digits of a
    keyed hash of the key (it cannot be turned back into the key, and differs from any hash of
    the key another tool would print)."""
    digest = hashlib.blake2b(key.encode(), digest_size=6, person=b"mettl-account").hexdigest()
    return f"key-{digest}"


def account_label(given: str | None, default: str) -> str:
    """The account's label: ``given`` (or ``$METTL_ACCOUNT``), else ``default``; checked."""
    label = given or os.environ.get(ENV_ACCOUNT) or default
    if not isinstance(label, str) or not _LABEL.fullmatch(label):
        raise ConfigurationError(
            f"account must be 1 to 100 letters, digits or . _ @ + - (starting with a letter or a "
            f"digit), got {label!r}"
        )
    return label


#: Every platform's ``--account`` (one option: the command harvests one account at a time).
ACCOUNT = Setting(
    "account_name",
    "--account",
    ENV_ACCOUNT,
    "A name for the account, part of every row's key so that several accounts share one output "
    "[default: CertiCHECK's subdomain, else key- and a hash of the key, never the key].",
)
