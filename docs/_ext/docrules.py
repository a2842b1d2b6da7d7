"""The reference's rules as pure functions of text, so tests/test_docs_checks.py runs them without
Sphinx: how an attrs default is written (:func:`default_text`, :func:`with_defaults`), how a long
value is cut (:func:`cut`), and what a page must never show (the ``*_problems`` functions). The
hooks that apply them live in ``defaults.py`` and ``docchecks.py``.
"""

from __future__ import annotations

import enum
import inspect
import re
from typing import Any

import attrs

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
