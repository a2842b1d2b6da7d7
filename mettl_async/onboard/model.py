"""What an onboarding operation is made of: its columns, its options, its calls, and what the
platform said of each row.

An operation is declared once, in its platform's module here (``OPERATIONS``), and listed in the
registry's :func:`~mettl_async.platforms.operations`: the columns a row has, how a row
becomes the client's checked request, the call that sends a batch, the read-back that says
whether a row whose answer was lost landed, and which of the platform's refusals mean "already
there". The journal, the runner, the report and the command read only this.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import attrs


class State(enum.Enum):
    """Where a row stands in the journal. ``SENT`` is the only state that is not settled: its
    call went out and its answer has not been recorded."""

    PENDING = "pending"
    SENT = "sent"
    DONE = "done"
    ALREADY = "already there"
    REFUSED = "refused"
    UNKNOWN = "unknown"

    @property
    def settled(self) -> bool:
        return self not in (State.PENDING, State.SENT)

    @property
    def failed(self) -> bool:
        """An outcome that makes the command exit non-zero."""
        return self in (State.REFUSED, State.UNKNOWN)


@attrs.frozen
class Answer:
    """What the platform said of one row: its outcome, the platform's message, a value it
    returned (an activation URL, a test link, a test ID)."""

    state: State
    message: str = ""
    value: str = ""


@attrs.frozen
class Column:
    """A column the input file may have (matched without regard to case)."""

    name: str
    help: str
    required: bool = True


@attrs.frozen
class Option:
    """An option of one operation: ``--name`` on the command line (a flag when ``flag``)."""

    name: str
    help: str
    flag: bool = False
    required: bool = False
    default: Any = None


@attrs.frozen
class Prepared:
    """One row made into the client's checked request, with what must be unique."""

    item: Any
    #: Rows with the same key are the same request: a second one in the file is refused.
    key: str
    #: Rows sharing this go in different calls (the platform refuses an e-mail twice in one call).
    batch_key: str
    #: How the row is shown in a dry run and in messages (an e-mail address, a product code).
    label: str


#: ``(client, items, options)``: one answer per item, ``None`` for an item the answer does not
#: mention (its fate is unknown: it is read back). Raises the client's errors.
Send = Callable[[Any, Sequence[Any], Mapping[str, Any]], Awaitable[list[Answer | None]]]
#: ``(client, item, options)``: whether the platform holds what the row asked for.
ReadBack = Callable[[Any, Any, Mapping[str, Any]], Awaitable[bool]]
#: ``(values, context, options)``: the row's checked request (``InputError`` naming the column).
Prepare = Callable[[Mapping[str, str], Any, Mapping[str, Any]], Prepared]
#: ``(client, columns, options)``: what the rows are checked against, read from the account before
#: any row is checked (the registration fields); ``InputError`` for a column the account lacks.
Survey = Callable[[Any, Sequence[str], Mapping[str, Any]], Awaitable[Any]]


async def no_survey(client: Any, columns: Sequence[str], options: Mapping[str, Any]) -> None:
    """Nothing to read from the account before checking the rows."""


@attrs.frozen
class Operation:
    """One bulk write: ``mettl-async onboard NAME FILE``."""

    name: str
    help: str
    #: The endpoint, as the dry run names it.
    call: str
    columns: tuple[Column, ...]
    prepare: Prepare
    send: Send
    #: Rows per call (the platform's maximum).
    batch_size: int
    #: ``None``: the platform has no read-back for this write.
    read_back: ReadBack | None = None
    #: Error codes that mean the row's change is already in place.
    already: frozenset[str] = frozenset()
    #: Without a read-back: whether sending the row again is harmless and says whether the lost
    #: call had acted (the platform refuses a repeat with one of ``already``).
    resend_tells: bool = False
    #: For a row reported unknown: what to check before sending it again by hand.
    check_hint: str = ""
    options: tuple[Option, ...] = ()
    survey: Survey = no_survey
    #: Any column not among ``columns`` is accepted (and checked by ``survey``/``prepare``).
    open_columns: str = ""

    @property
    def reads_account(self) -> bool:
        """Whether the rows are checked against the account (a dry run then needs credentials)."""
        return self.survey is not no_survey
