"""Writing the generated modules in the shape ``ruff format`` and ruff's isort give.

One line when it fits in :data:`LINE` columns, else one item per line with a
trailing comma (which ``ruff format`` keeps as it is); imports in isort's
sections and order. The generated files pass ``ruff format --check`` and
``ruff check`` unchanged.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .source import GenerationError, Method, Origin, Param

#: Columns a generated line may take (ruff's line-length).
LINE = 110
PACKAGE = "mettl_async"
STDLIB = sys.stdlib_module_names


def forwarded(params: Sequence[Param]) -> list[str]:
    """The arguments passing ``params`` on to the async method."""
    out: list[str] = []
    for param in params:
        if param.kind == "positional":
            out.append(param.name)
        elif param.kind == "keyword":
            out.append(f"{param.name}={param.name}")
        elif param.kind == "varargs":
            out.append(f"*{param.name}")
        elif param.kind == "varkw":
            out.append(f"**{param.name}")
    return out


def bracketed(head: str, items: Sequence[str], tail: str, indent: str) -> list[str]:
    """``head(items)tail`` on one line when it fits, else one item per line with a trailing
    comma (which ``ruff format`` keeps as it is)."""
    one_line = f"{indent}{head}({', '.join(items)}){tail}"
    if len(one_line) <= LINE or not items:
        return [one_line]
    return [f"{indent}{head}(", *(f"{indent}    {item}," for item in items), f"{indent}){tail}"]


def method_lines(method: Method, indent: str = "    ") -> list[str]:
    """The synchronous twin of ``method``: its signature and docstring, and a body that runs
    the async method on the client's loop (or wraps its paginator)."""
    items = ["self", *(p.text for p in method.params)]
    signature = bracketed(f"def {method.name}", items, f" -> {method.returns}:", indent)
    body = [f"{indent}    {method.docstring}"] if method.docstring else []
    runner = "self._portal.run" if method.kind == "call" else "self._paginate"
    target = "self._aio." + method.name
    call = "" if method.returns == "None" else "return "
    body += bracketed(f"{call}{runner}", [target, *forwarded(method.params)], "", indent + "    ")
    return signature + body


class Imports:
    """The imports of a generated module, each name bound once, written as ruff's isort sorts them."""

    def __init__(self, package: str) -> None:
        self.package = package
        self._bound: dict[str, Origin] = {}

    def add(self, origin: Origin) -> None:
        known = self._bound.get(origin.alias)
        if known is not None and known != origin:
            raise GenerationError(f"{origin.alias!r} would be imported both as {known} and as {origin}")
        self._bound[origin.alias] = origin

    def bound(self, alias: str) -> bool:
        return alias in self._bound

    def _relative(self, module: str) -> str:
        """``module`` as a relative import from the generated module's package, if inside it."""
        if module != PACKAGE and not module.startswith(PACKAGE + "."):
            return module
        here, there = self.package.split("."), module.split(".")
        common = 0
        while common < min(len(here), len(there)) and here[common] == there[common]:
            common += 1
        return "." * (len(here) - common + 1) + ".".join(there[common:])

    def lines(self) -> list[str]:
        straight: dict[int, set[str]] = {}
        froms: dict[int, dict[str, set[str]]] = {}
        for origin in self._bound.values():
            module = self._relative(origin.module)
            section = _section(module)
            if origin.name is None:
                text = module if origin.alias == module else f"{module} as {origin.alias}"
                straight.setdefault(section, set()).add(text)
            else:
                member = origin.name if origin.alias == origin.name else f"{origin.name} as {origin.alias}"
                froms.setdefault(section, {}).setdefault(module, set()).add(member)
        blocks: list[list[str]] = []
        for section in sorted(set(straight) | set(froms)):
            block = [f"import {text}" for text in sorted(straight.get(section, ()), key=_module_key)]
            for module in sorted(froms.get(section, {}), key=_module_key):
                members = froms[section][module]
                plain = sorted((m for m in members if " as " not in m), key=_member_key)
                if plain:
                    one_line = f"from {module} import {', '.join(plain)}"
                    if len(one_line) <= LINE:
                        block.append(one_line)
                    else:
                        block += [f"from {module} import (", *(f"    {m}," for m in plain), ")"]
                for aliased in sorted((m for m in members if " as " in m), key=_member_key):
                    block.append(f"from {module} import {aliased}")
            blocks.append(block)
        out: list[str] = []
        for block in blocks:
            out += [*block, ""]
        return out


def _section(module: str) -> int:
    if module.startswith("."):
        return 3
    top = module.partition(".")[0]
    return 1 if top in STDLIB else 2


def _module_key(module: str) -> tuple[int, str]:
    # as ruff sorts: relative imports furthest first, then by name, case-insensitively
    dots = len(module) - len(module.lstrip("."))
    return (-dots, module.lstrip(".").lower())


def _member_key(member: str) -> tuple[int, str]:
    # ruff's order-by-type: CONSTANTS, then Classes, then the rest
    name = member.partition(" as ")[0]
    if name.isupper() and len(name) > 1:
        rank = 0
    elif name[:1].isupper():
        rank = 1
    else:
        rank = 2
    return (rank, name)
