"""Sphinx configuration of the reference (built by ``python -m nox -s docs``, warnings as errors)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

from pygments.lexers.special import TextLexer
from sphinx.highlighting import lexers

from mettl_async import __version__

project = "mettl_async"
author = "mettl_async contributors"
release = version = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "myst_parser",  # Markdown pages (index, NOTES.md)
    "sphinx_click",  # the mettl-async command, from its click definitions
    "apidocs",  # whole packages, offline cross-references, coverage check
    "kindcolumns",  # each harvest kind's tables and columns, with their types
    "defaults",  # attrs defaults as values, not attr_dict[...] placeholders; huge constants cut
    "docchecks",  # what no page may show: placeholders for defaults, internal labels, a huge page
]
# Quotes and ellipses made typographic, never dashes: "--help" stays an option, not an en dash.
smartquotes_action = "qe"
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_ext"]
root_doc = "index"

# Every reference must resolve (inside the package) or be shown as text (outside it).
nitpicky = True

autodoc_default_options = {
    "members": True,
    "undoc-members": True,
    "show-inheritance": True,
    "member-order": "bysource",
    "ignore-module-all": True,  # each object once, on the page of the module that defines it
}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True  # `clock=time.time`, not an unparsable `<built-in function time>`
autodoc_class_signature = "mixed"
autodoc_inherit_docstrings = True
autoclass_content = "class"

myst_heading_anchors = 3
# ```output blocks (what an example prints; the README test compares them) are plain text
lexers["output"] = TextLexer()
# readme-sync.md is a README section (its headings start at level 2), shown here as a page of its own
suppress_warnings = ["myst.header"]

html_theme = "furo"
html_title = f"mettl_async {version}"
