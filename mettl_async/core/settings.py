"""A value a platform's client needs (a key, a subdomain, a base URL), from an option or a variable.

Each platform declares its settings once; the command line makes them options,
the registry connects a client from them.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Setting:
    """One value a client needs. ``name`` is unique across platforms (the command's option
    destination); ``argument`` is the client's keyword argument (``name`` when not given)."""

    name: str
    option: str
    envvar: str | None
    help: str
    #: Never shown (prefer the environment: options show in process lists).
    secret: bool = False
    #: The values allowed, when there is a fixed set (``--api-version v1|v2|v3``).
    choices: tuple[str, ...] | None = None
    argument: str | None = None
    #: No account can be reached without it: an accounts file must give it (the key, its
    #: secret, CertiCHECK's subdomain), never left to the environment shared by every account.
    required: bool = False

    @property
    def keyword(self) -> str:
        """The client's keyword argument for this setting."""
        return self.argument or self.name
