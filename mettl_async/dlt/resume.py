"""Where a kind's walk stands, kept in dlt's resource state: pure functions over that mapping.

dlt commits a run's resource state with the data the run extracted, in one load package,
and only when the whole extraction succeeded; the state travels to the destination with
the data (so a pipeline whose local state is lost restores it from there). The state of
a walk says which walk it is (account, filters, page size), the position of the next page
and whether the list is complete:

* an unfinished walk of the same list continues at its next page;
* a complete one, or one of another account, filters or page size, starts over from the
  first page (a full pull, merged on the key: no row twice);
* a run that fails is rolled back by dlt, its rows and its state together: the next run
  continues from where the last committed run stopped.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

import attrs

from ..core.paging_styles import PagePosition

#: The resource state's key for the walks, by account (several accounts may share a pipeline).
WALKS = "walks"


def _sorted(given: Mapping[str, Any]) -> dict[str, Any]:
    return dict(sorted(given.items()))


@attrs.frozen
class Walk:
    """What makes two runs the same walk: the account, the filters and the page size."""

    account: str
    filters: Mapping[str, Any] = attrs.field(converter=_sorted)
    page_size: int | None = None

    def identity(self) -> dict[str, Any]:
        return {"filters": dict(self.filters), "page_size": self.page_size}


def _entry(state: MutableMapping[str, Any], walk: Walk) -> MutableMapping[str, Any]:
    walks: MutableMapping[str, Any] = state.setdefault(WALKS, {})
    return walks.setdefault(walk.account, {})  # type: ignore[no-any-return]


def resume_from(state: Mapping[str, Any], walk: Walk) -> PagePosition | None:
    """The page to start at: the unfinished walk's next page, else ``None`` (the first page).
    A state this module did not write (edited by hand, another version's) starts over."""
    walks = state.get(WALKS)
    entry = walks.get(walk.account) if isinstance(walks, Mapping) else None
    if not isinstance(entry, Mapping) or entry.get("complete") is not False:
        return None
    if {key: entry.get(key) for key in walk.identity()} != walk.identity():
        return None
    following = entry.get("next")
    if not isinstance(following, Mapping):
        return None
    try:
        return PagePosition.from_dict(following)
    except ValueError:
        return None


def begin(state: MutableMapping[str, Any], walk: Walk, start: PagePosition | None) -> None:
    """Record that ``walk`` is under way from ``start``."""
    entry = _entry(state, walk)
    entry.clear()
    entry.update(walk.identity(), next=start.to_dict() if start else None, complete=False)


def advance(state: MutableMapping[str, Any], walk: Walk, following: PagePosition | None) -> None:
    """Record a page given out: ``following`` is the next page's position, ``None`` at the end.
    Called before the page's rows are yielded: dlt commits them and this state together."""
    entry = _entry(state, walk)
    entry["next"] = following.to_dict() if following else None
    entry["complete"] = following is None
