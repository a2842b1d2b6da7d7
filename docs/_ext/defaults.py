"""Signatures and values as a reader wants them: an attrs class's defaults shown as values, never
as the placeholders of its generated ``__init__`` (``attr_dict['attempts'].default``, ``NOTHING``
for a factory), and a constant too long to read (a table of a megabyte) cut short.

Pure functions in ``docrules.py`` do the work; the hooks in :func:`setup` apply them, and
``docchecks`` fails the build if one slips through.
"""

from __future__ import annotations

import inspect
from typing import Any

import attrs
from docrules import LONGEST_VALUE, attrs_defaults, cut, with_defaults
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx


def fix_signature(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, signature: str | None, annotation: str | None
) -> tuple[str | None, str | None] | None:
    """``autodoc-process-signature``: an attrs class's signature with its defaults as values."""
    if signature is None or not (inspect.isclass(obj) and attrs.has(obj)):
        return None
    return with_defaults(signature, attrs_defaults(obj)), annotation


def cut_long_values(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read``: a value after ``=`` in a description (a module constant) longer than
    :data:`LONGEST_VALUE` is cut, so no page carries a megabyte of it."""
    for annotation in doctree.findall(addnodes.desc_annotation):
        for text in list(annotation.findall(nodes.Text)):
            if len(text) > LONGEST_VALUE:
                text.parent.replace(text, nodes.Text(cut(str(text))))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("autodoc-process-signature", fix_signature)
    app.connect("doctree-read", cut_long_values)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
