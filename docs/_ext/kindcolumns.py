"""``.. kind-columns::``: every harvest kind's tables and columns with their types, as
``mettl-async harvest --columns KIND`` prints them (one source: :mod:`mettl_async.harvest.reference`)."""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


class KindColumns(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        from mettl_async.harvest.reference import columns_text
        from mettl_async.itep.harvest import RESULTS
        from mettl_async.platforms import kinds, platform_of

        out: list[nodes.Node] = []
        for kind in kinds().values():
            text = columns_text(kind, platform_of(kind).title)
            out.append(nodes.literal_block(text, text))
        pushed = columns_text(RESULTS, "iTEP, pushed to webhooks serve")
        out.append(nodes.literal_block(pushed, pushed))
        return out


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("kind-columns", KindColumns)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
