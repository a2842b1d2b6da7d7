"""What the reference must never show a reader; each is a warning, so the build (``-W``) fails:

* a placeholder in a signature where a default belongs (``attr_dict['x'].default``, ``NOTHING``),
  or a path's repr (``PosixPath('out.jsonl')``) where a plain value belongs;
* an option whose two hyphens became a typographic dash (an en dash before ``help``);
* an internal label in a title, which is what navigation shows (``(issue 10)``, ``seed 003``);
* a page over :data:`LARGEST_PAGE` bytes.

The rules are pure functions of text (``docrules.py``, tested in tests/test_docs_checks.py); the
hooks apply them to each page's document tree and to the written files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docrules import signature_problems, size_problems, text_problems, title_problems
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.util import logging

log = logging.getLogger(__name__)


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
