"""Signatures and values as a reader wants them: an attrs class's defaults shown as values, never
as the placeholders of its generated ``__init__`` (``attr_dict['attempts'].default``, ``NOTHING``
for a factory), and a constant too long to read (a table of a megabyte) cut short.

Pure functions (:func:`default_text`, :func:`with_defaults`, :func:`cut`) do the work; the hooks
in :func:`setup` apply them, and ``docchecks`` fails the build if one slips through.
"""

from __future__ import annotations

import enum
import inspect
import re
from typing import Any

import attrs
from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx

#: Characters of a value shown in a signature or after ``=``; a longer one is cut with ``…``.
LONGEST_VALUE = 200


def cut(text: str, limit: int = LONGEST_VALUE) -> str:
    """``text``, or its start and ``…`` when it is longer than ``limit``."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def default_text(value: Any) -> str:
    """A default as Python source a reader recognises: ``time.time``, ``Encoding.HEX``,
    ``list()`` for ``Factory(list)``, ``…`` for a factory that needs the instance or is a lambda;
    otherwise its repr, cut short."""
    if isinstance(value, attrs.Factory):  # type: ignore[arg-type]  # attrs.Factory is a class
        made = value.factory
        name = getattr(made, "__qualname__", "")
        return "…" if value.takes_self or not name or "<" in name else f"{name}()"
    return cut(_source(value))


def _source(value: Any) -> str:
    """``value`` as source text, enums and functions inside containers too (their reprs,
    ``<Fault.DROP: 'drop'>``, are no Python and no signature parser reads them)."""
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if inspect.isroutine(value) or inspect.isclass(value):
        module, name = getattr(value, "__module__", None), getattr(value, "__qualname__", "")
        if name and "<" not in name:
            return f"{module}.{name}" if module and module != "builtins" else name
    if isinstance(value, tuple | list | set | frozenset) and type(value) in (tuple, list, set, frozenset):
        items = (
            sorted(_source(item) for item in value)
            if isinstance(value, set | frozenset)
            else [_source(item) for item in value]
        )
        inside = ", ".join(items) + ("," if isinstance(value, tuple) and len(items) == 1 else "")
        if isinstance(value, frozenset):
            return f"frozenset({{{inside}}})" if items else "frozenset()"
        if isinstance(value, set):
            return f"{{{inside}}}" if items else "set()"
        return f"[{inside}]" if isinstance(value, list) else f"({inside})"
    if type(value) is dict:
        return "{" + ", ".join(f"{_source(k)}: {_source(v)}" for k, v in value.items()) + "}"
    return repr(value)


def attrs_defaults(cls: type) -> dict[str, str]:
    """Each ``__init__`` argument of an attrs class that has a default, and that default as text."""
    found = {}
    for field in attrs.fields(cls):
        if field.default is not attrs.NOTHING:
            found[field.alias or field.name.lstrip("_")] = default_text(field.default)
    return found


_PLACEHOLDER = re.compile(r"attr_dict\['(?P<name>[^']+)'\]\.default")


def with_defaults(signature: str, defaults: dict[str, str]) -> str:
    """``signature`` with attrs's placeholders replaced by the defaults they stand for: a plain
    default (``attr_dict['name'].default``) and a factory's (``name: T = NOTHING``)."""
    # the placeholder names the attribute (``_order``), the signature its argument (``order``)
    text = _PLACEHOLDER.sub(
        lambda found: defaults.get(found["name"]) or defaults.get(found["name"].lstrip("_")) or found[0],
        signature,
    )
    for name, shown in defaults.items():
        text = re.sub(rf"(?<![\w.])({re.escape(name)}(?::[^=]*?)?) = NOTHING\b", rf"\1 = {shown}", text)
    return text


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
