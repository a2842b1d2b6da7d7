"""How the results list drifts between two harvests: a field every record starts to carry, records
changed, records no longer listed. For tests of what a harvest finds new, changed and gone::

    sandbox.world.drift = Drift(added={"currency2": "EUR"}, changed={email: {"applicationStatus": "X"}},
                                removed={other_email})

Applies to the whole list (getAllApplicantResults); the world itself is left as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
import orjson

from .gson import gson_json


@attrs.define
class Drift:
    """Keys added to every record, keys set on some records (by e-mail), records left out (by e-mail)."""

    added: dict[str, Any] = attrs.Factory(dict)
    changed: dict[str, dict[str, Any]] = attrs.Factory(dict)
    removed: set[str] = attrs.Factory(set)

    def listed(self, indexes: Sequence[int], email: Callable[[int], str]) -> Sequence[int]:
        """``indexes`` without the removed records'."""
        if not self.removed:
            return indexes
        gone = {e.lower() for e in self.removed}
        return [i for i in indexes if email(i).lower() not in gone]

    def render(self, records: list[str]) -> list[str]:
        """The rendered records with the keys added and changed."""
        out = []
        for text in records:
            record = orjson.loads(text)
            record.update(self.added)
            record.update(self.changed.get(str(record.get("email", "")).lower(), {}))
            out.append(gson_json(record).decode())
        return out
