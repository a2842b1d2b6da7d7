"""Every harvest kind as a dlt resource, for dlt's destinations (warehouses, lakes, DuckDB…).

Needs the ``dlt`` extra (``pip install 'mettl-async[dlt]'``); nothing here imports dlt
until :func:`mettl_source` is called. Three lines load every list of an account::

    import dlt
    from mettl_async.dlt import mettl_source

    dlt.pipeline("mettl", destination="duckdb").run(mettl_source("certicheck"))

``mettl_source`` takes a client (any platform's async client) or a platform's name, whose
settings come from ``settings=`` and the environment as for ``mettl-async harvest``. Each kind
(default: every kind of the platform that the filters given let it list) is a resource
named after the kind (``slot_windows``), loading the table the other outputs use
(``slot_windows``; the two Mettl result kinds share ``mettl_results``), merged on its primary
key, with columns typed from the kind's declared fields (:mod:`mettl_async.dlt.rows`).

**Rows, not records.** Each row is a kind's flat row (the columns ``mettl-async harvest``
writes to SQLite and PostgreSQL, ``extra`` included) plus ``account``. The records are not
offered nested for dlt to normalise into child tables of its own: the kinds' keys name flat
rows (an applicant *and* a certificate), child tables would be keyed by dlt's row hashes
instead, their columns would come from whatever keys the data had, not from the declared
fields, and the destination would no longer hold the rows the other outputs hold.

**Resuming.** A resource keeps its walk's next page in dlt's resource state
(:mod:`mettl_async.dlt.resume`), committed by dlt with the rows of the same run. A run that
stops early, through ``source.add_limit(...)`` (pages per run, or seconds) or a kill after a
committed run, is continued by the next run from its next page; a complete list is pulled
again in full and merged. dlt rolls a failed run back whole, its rows and its state, so the
next run continues from the last committed one: to bound what a failure costs on a long list,
load it in bounded runs (``add_limit``) until complete.

**Errors.** Bad input (an unknown kind or filter, a filter's value, a missing required filter,
a platform without lists) raises :class:`~mettl_async.core.errors.InputError` or
:class:`~mettl_async.core.errors.ConfigurationError` when ``mettl_source`` is called, before
anything is sent. An error during the walk is the library's own, which dlt reports wrapped
in its ``PipelineStepFailed``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ..core.client import BaseClient
from ..core.errors import ConfigurationError, InputError
from ..harvest.kinds import HarvestKind, Row
from ..platforms import PLATFORMS, Platform, platform
from .resume import Walk, advance, begin, resume_from
from .rows import PRIMARY_KEY, column_hints, dlt_rows
from .walks import Walks

if TYPE_CHECKING:
    from dlt.extract.resource import DltResource
    from dlt.extract.source import DltSource

    from ..core.options import ClientOptions
    from ..core.paginator import Paginator

__all__ = ["INSTALL", "mettl_source"]

#: What the error says to install when dlt is missing.
INSTALL = "pip install 'mettl-async[dlt]'"


def _require_dlt() -> None:
    """Import dlt (once: later imports are free), or say how to install it."""
    try:
        import dlt  # noqa: F401
    except ImportError as error:
        raise ConfigurationError(f"the dlt source needs dlt: {INSTALL}") from error


def _platform_of(client: BaseClient) -> Platform:
    for entry in PLATFORMS:
        if isinstance(client, entry.load_client()):
            return entry
    raise ConfigurationError(
        f"client: a {type(client).__name__} is not a platform's async client (give one, such as "
        "mettl_async.CertiCheckClient, or the platform's name)"
    )


def _chosen(entry: Platform, names: Iterable[str] | None) -> list[HarvestKind]:
    """The kinds named (each once, in the platform's order), or ``None``: every kind."""
    if not entry.kinds:
        raise ConfigurationError(f"{entry.title} has no lists to harvest")
    by_name = {kind.name: kind for kind in entry.kinds}
    if names is None:
        return list(entry.kinds)
    wanted = [names] if isinstance(names, str) else list(names)
    unknown = [name for name in wanted if name not in by_name]
    if unknown or not wanted:
        rule = f"unknown kind {unknown[0]!r}" if unknown else "name at least one kind"
        raise InputError("kinds", f"{rule}; {entry.title}'s kinds are: {', '.join(by_name)}")
    return [kind for kind in entry.kinds if kind.name in wanted]


def _check_filters(kinds: list[HarvestKind], filters: Mapping[str, Any]) -> None:
    taken = {item.name for kind in kinds for item in kind.filters}
    unknown = sorted(name for name in filters if name not in taken)
    if unknown:
        offered = ", ".join(sorted(taken)) or "none"
        raise InputError("filters", f"no kind chosen takes {unknown[0]!r}; their filters are: {offered}")


def _opened(
    client: BaseClient,
    kinds: list[HarvestKind],
    filters: Mapping[str, Any],
    page_size: int | None,
    every: bool,
) -> list[tuple[HarvestKind, Paginator[Any], dict[str, Any]]]:
    """Each kind's paginator (nothing is sent yet), its input checked. With ``every`` (no kinds
    named), a kind that needs a filter not given is left out instead of refused."""
    opened = []
    for kind in kinds:
        own = {item.name: filters[item.name] for item in kind.filters if filters.get(item.name) is not None}
        try:
            paginator = kind.open(client, own, page_size or kind.default_page_size)
        except InputError:
            if every and not own:
                continue
            raise
        opened.append((kind, paginator, own))
    if not opened:
        raise InputError("filters", "no kind of the platform can be listed with the filters given")
    return opened


def mettl_source(
    client: BaseClient | str,
    *,
    settings: Mapping[str, Any] | None = None,
    options: ClientOptions | None = None,
    kinds: Iterable[str] | None = None,
    filters: Mapping[str, Any] | None = None,
    page_size: int | None = None,
    name: str | None = None,
) -> DltSource:
    """A dlt source of one account's lists.

    ``client``: a platform's async client, or a platform's name (``certicheck``,
    ``mettl_rest``, ``proctorexam``), with ``settings`` by the command's setting names
    (``public_key``, ``subdomain``, ``account_name``…; missing ones are read from the
    environment as the command reads them) and ``options``. While the source walks, use
    a client you give nowhere else. ``kinds``: kind names (default: every kind of the
    platform that ``filters`` let it list). ``filters``: by the command's names
    (``{"slot_window": 150, "status": "Published"}``), each applied to the kinds that take
    it. ``page_size``: records per page asked for (default: each kind's). ``name``: the
    source's name, its schema's and its state's (default: the platform's name).
    """
    if isinstance(client, str):
        entry = platform(client)
        chosen = _chosen(entry, kinds)
        account_client, owned = entry.connect(settings or {}, options), True
    else:
        if settings is not None or options is not None:
            raise ConfigurationError("settings and options go with a platform's name; a client has its own")
        entry, account_client, owned = _platform_of(client), client, False
        chosen = _chosen(entry, kinds)
    given = dict(filters or {})
    _check_filters(chosen, given)
    opened = _opened(account_client, chosen, given, page_size, kinds is None)
    _require_dlt()
    import dlt

    walks = Walks(account_client, owned=owned)
    resources = [_resource(walks, kind, paginator, own, page_size) for kind, paginator, own in opened]

    def mettl() -> list[DltResource]:
        return resources

    source_name = name or entry.name
    source: DltSource = dlt.source(mettl, name=source_name, section=source_name, max_table_nesting=0)()
    return source


def _resource(
    walks: Walks,
    kind: HarvestKind,
    paginator: Paginator[Any],
    filters: Mapping[str, Any],
    page_size: int | None,
) -> DltResource:
    """``kind`` as a dlt resource: its pages from where the last committed run stopped."""
    import dlt

    account = walks.client.account_name
    walk = Walk(account, filters, page_size)

    def rows() -> Iterator[list[Row]]:
        state = dlt.current.resource_state()
        start = resume_from(state, walk)
        begin(state, walk, start)
        for page in walks.pages(paginator, start):
            advance(state, walk, page.next)
            yield dlt_rows(kind, account, page.records)

    resource: DltResource = dlt.resource(
        rows,
        name=kind.name.replace("-", "_"),
        table_name=kind.table,
        primary_key=PRIMARY_KEY,
        write_disposition="merge",
        columns=column_hints(kind),
    )
    return resource
