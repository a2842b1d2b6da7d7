"""What the reference must never show a reader; each is a warning, so the build (``-W``) fails:

* a placeholder in a signature where a default belongs (``attr_dict['x'].default``, ``NOTHING``),
  or a path's repr (``PosixPath('out.jsonl')``) where a plain value belongs;
* an option whose two hyphens became a typographic dash (an en dash before ``help``);
* an internal label in a title, which is what navigation shows (``(issue 10)``, ``seed 003``);
* a page over :data:`LARGEST_PAGE` bytes.

The rules are pure functions of text (tested in tests/test_docs_checks.py); the hooks apply them
to each page's document tree and to the written files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging

log = logging.getLogger(__name__)

LARGEST_PAGE = 1_000_000
_PLACEHOLDERS = re.compile(r"attr_dict\[|\bNOTHING\b")
_REPRS = re.compile(r"\b(?:Posix|Windows|Pure)?Path\(")
#: ``--help`` after smart quotes: an en or em dash where an option's two hyphens were.
_DASHED_OPTION = re.compile(r"(?<![\w-])[\u2013\u2014][a-z][a-z-]*")
_INTERNAL_LABEL = re.compile(r"\bissues? #?\d+|\bseeds? `?\d{3}\b", re.IGNORECASE)


def signature_problems(text: str) -> list[str]:
    """What is wrong with a signature's text."""
    return [f"a placeholder instead of a default ({found[0]!r})" for found in _PLACEHOLDERS.finditer(text)]


def text_problems(text: str, *, literal: bool = False) -> list[str]:
    """What is wrong with a page's text (``literal``: code, where typography never applies)."""
    problems = [f"a path's repr ({found[0]}…) instead of the path" for found in _REPRS.finditer(text)]
    if not literal:
        problems += [f"an option spelt with a dash ({found[0]!r})" for found in _DASHED_OPTION.finditer(text)]
    return problems


def title_problems(title: str) -> list[str]:
    """What is wrong with a title (navigation shows titles)."""
    return [
        f"an internal label ({found[0]!r}) in the title {title!r}"
        for found in _INTERNAL_LABEL.finditer(title)
    ]


def size_problems(size: int) -> list[str]:
    return [f"{size:,} bytes, over {LARGEST_PAGE:,}"] if size > LARGEST_PAGE else []


def check_doctree(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: signatures, running text and titles of one page."""
    problems: list[str] = []
    for signature in doctree.findall(addnodes.desc_signature):
        problems += signature_problems(signature.astext())
    for text in doctree.findall(nodes.Text):
        literal = isinstance(text.parent, nodes.literal | nodes.literal_block | addnodes.desc_signature)
        problems += text_problems(str(text), literal=literal)
    for title in doctree.findall(nodes.title):
        problems += title_problems(title.astext())
    for problem in dict.fromkeys(problems):  # each once per page
        log.warning("%s: %s", docname, problem)


def check_sizes(app: Sphinx, error: Exception | None) -> None:
    """``build-finished``: every written page within :data:`LARGEST_PAGE`."""
    if error is not None or app.builder.format != "html":
        return
    for page in sorted(Path(app.outdir).rglob("*.html")):
        for problem in size_problems(page.stat().st_size):
            log.warning("%s: %s", page.relative_to(app.outdir), problem)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-resolved", check_doctree)
    app.connect("build-finished", check_sizes)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
