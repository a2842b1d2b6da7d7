"""Writes the synchronous clients and services from the async ones' source.

``python -m mettl_async.sync.generate`` rewrites ``mettl_async/sync/_<platform>.py``;
``--check`` exits 1 if any of them differs from what it would write (the test
suite runs that check, so the synchronous API cannot drift from the async one).

Each public method of a service keeps its async original's signature text
(parameters, annotations, defaults) and docstring; its body hands the call to
the client's event loop. Coroutine methods return their result; methods that
return an async ``Paginator[X]`` return a synchronous ``Paginator[X]``. Anything
else is refused here, so a new kind of method is decided on, not guessed.
Names the signatures use are imported from where the async module imports them
(:mod:`.source`); the text is laid out as ``ruff format`` would (:mod:`.layout`).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs

from ..core.client import BaseClient
from ..core.service import Service
from ..platforms import PLATFORMS
from .layout import PACKAGE, Imports, bracketed, forwarded, method_lines
from .source import (
    GenerationError,
    Method,
    Origin,
    bound_services,
    class_node,
    init_attributes,
    names_in,
    origins,
    parameters,
    public_methods,
)

HERE = Path(__file__).parent
#: platform: its async client class (from the registry, the only list of platforms)
CLIENTS = {entry.name: entry.load_client for entry in PLATFORMS}
#: Constructor arguments the synchronous clients do not take: an aiohttp session belongs to
#: the caller's event loop, and the synchronous client runs on a loop of its own.
DROPPED = frozenset({"http"})
#: Public attributes a client sets in ``__init__`` and the synchronous client passes on, with
#: their types (an attribute not listed here stops the generator, so none is forgotten).
ATTRIBUTES = {
    "CertiCheckClient": {"subdomain": "str"},
    "MettlClient": {"api_version": "str"},
    "ProctorExamClient": {},
    "ItepClient": {"settings": "ItepSettings"},
}
#: The async client attribute every client sets and the synchronous one keeps to itself.
PRIVATE = {"session"}
BUILTINS = set(dir(__import__("builtins")))


def first_paragraph(cls: type, indent: str) -> list[str]:
    """The first paragraph of ``cls``'s docstring, indented."""
    doc = inspect.getdoc(cls) or cls.__name__
    paragraph = doc.strip().split("\n\n")[0].splitlines()
    return [f"{indent}{line}" if line else "" for line in paragraph]


def docstring(summary: list[str], more: list[str], indent: str = "    ") -> list[str]:
    """A class docstring: ``summary`` (already indented), a blank line, ``more``."""
    first = summary[0].lstrip()
    return [f'{indent}"""{first}', *summary[1:], "", *(f"{indent}{line}" for line in more), f'{indent}"""']


@attrs.frozen
class ServiceSpec:
    """An async service class and the methods its synchronous twin gets."""

    cls: type
    methods: list[tuple[type, Method]]


class Module:
    """One generated module: a platform's synchronous services and client."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.client: type[BaseClient] = CLIENTS[platform]()
        self.client_module = importlib.import_module(self.client.__module__)
        self.imports = Imports(f"{PACKAGE}.sync")
        self.generated: set[str] = set()
        self.module_aliases: dict[str, str] = {}

    def alias_of(self, module: str) -> str:
        """``_services`` for ``mettl_async.certicheck.services`` (imported as a module)."""
        alias = self.module_aliases.get(module)
        if alias is None:
            package, _, last = module.rpartition(".")
            alias = "_" + last
            self.imports.add(Origin(package, last, alias))
            self.module_aliases[module] = alias
        return alias

    def resolve(self, names: frozenset[str], defined_in: type, *, sync_paginator: bool) -> None:
        """Import ``names`` as the module defining ``defined_in`` does."""
        known = origins(sys.modules[defined_in.__module__])
        for name in sorted(names):
            if name == "Paginator" and sync_paginator:
                continue
            if name in self.generated:
                raise GenerationError(f"{name} is both a generated class and a name a signature uses")
            origin = known.get(name)
            if origin is None:
                if name in BUILTINS:
                    continue
                raise GenerationError(f"{defined_in.__qualname__}: cannot tell where {name!r} comes from")
            if origin.module == "builtins" and origin.name is None:
                self.imports.add(Origin("builtins", None, "builtins"))
                continue
            self.imports.add(origin)

    def render(self) -> str:
        services = bound_services(self.client)
        classes: list[str] = []
        seen: set[type] = set()
        specs: list[ServiceSpec] = []
        for _, service in services:
            if service not in seen:
                seen.add(service)
                specs.append(ServiceSpec(service, list(public_methods(service, Service))))
                self.generated.add(service.__name__)
        self.generated.add(self.client.__name__)
        self.imports.add(Origin(f"{PACKAGE}.sync.base", "SyncClient", "SyncClient"))
        self.imports.add(Origin(f"{PACKAGE}.sync.base", "SyncService", "SyncService"))
        for spec in specs:
            classes.append(self.render_service(spec))
        classes.append(self.render_client(services))
        names = [spec.cls.__name__ for spec in specs] + [self.client.__name__]
        head = [
            f'"""The synchronous {self.client.__name__} and its services (generated: do not edit).',
            "",
            f"Written by ``python -m mettl_async.sync.generate`` from :mod:`{self.client.__module__}` and",
            "the services it binds; regenerate after changing them (a test checks this file is current).",
            '"""',
            "",
            "from __future__ import annotations",
            "",
        ]
        body = "\n\n\n".join(classes)
        exports = ["__all__ = [", *(f'    "{name}",' for name in sorted(names)), "]"]
        return "\n".join([*head, *self.imports.lines(), "", body, "", "", *exports, ""])

    def render_service(self, spec: ServiceSpec) -> str:
        alias = self.alias_of(spec.cls.__module__)
        lines = [
            f"class {spec.cls.__name__}(SyncService[{alias}.{spec.cls.__name__}]):",
            *docstring(
                first_paragraph(spec.cls, "    "),
                [
                    f"The synchronous twin of :class:`{spec.cls.__module__}.{spec.cls.__name__}`:",
                    "each call blocks until its answer.",
                ],
            ),
        ]
        if any(method.kind == "paginate" for _, method in spec.methods):
            self.imports.add(Origin(f"{PACKAGE}.sync.paginator", "Paginator", "Paginator"))
        for defined_in, method in spec.methods:
            self.resolve(method.names, defined_in, sync_paginator=method.kind == "paginate")
            lines += ["", *method_lines(method)]
        return "\n".join(lines)

    def render_client(self, services: list[tuple[str, type]]) -> str:
        client = self.client
        alias = self.alias_of(client.__module__)
        source, node = class_node(client)
        init = next(
            item for item in node.body if isinstance(item, ast.FunctionDef) and item.name == "__init__"
        )
        params = parameters(source, init.args, DROPPED)
        for param in params:
            self.resolve(param.names, client, sync_paginator=False)
        summary = first_paragraph(client, "    ")
        summary[0] = summary[0].replace("Async client", "Synchronous client", 1)
        lines = [
            f"class {client.__name__}(SyncClient[{alias}.{client.__name__}]):",
            *docstring(
                summary,
                [
                    f"The arguments of :class:`{client.__module__}.{client.__name__}` but ``http``",
                    "(an aiohttp session belongs to its caller's event loop), the same services,",
                    "models and exceptions. Calls block until the answer; lists are",
                    ":class:`mettl_async.sync.Paginator` (``for item in ...``). The async client",
                    "runs on an event loop in a daemon thread of this client's own: use it in a",
                    "``with`` block or call :meth:`close`.",
                ],
            ),
            "",
        ]
        lines += bracketed("def __init__", ["self", *(p.text for p in params)], " -> None:", "    ")
        lines += bracketed(f"aio = {alias}.{client.__name__}", forwarded(params), "", "        ")
        lines += ["        super().__init__(aio)", "", "    def _bind(self) -> None:"]
        for attribute, service in services:
            service_name = service.__name__
            lines.append(f"        self.{attribute} = {service_name}(self._portal, self._aio.{attribute})")
        attributes = ATTRIBUTES.get(client.__name__)
        found = init_attributes(client) - PRIVATE
        if attributes is None or set(attributes) != found:
            raise GenerationError(
                f"{client.__name__}.__init__ sets the public attributes {sorted(found)}; list each with "
                "its type in ATTRIBUTES so that the synchronous client passes it on"
            )
        for attribute, annotation in sorted(attributes.items()):
            self.resolve(frozenset(names_in(annotation)), client, sync_paginator=False)
            lines += [
                "",
                "    @property",
                f"    def {attribute}(self) -> {annotation}:",
                f'        """The async client\'s ``{attribute}``."""',
                f"        return self._aio.{attribute}",
            ]
        for defined_in, method in public_methods(client, BaseClient):
            self.resolve(method.names, defined_in, sync_paginator=method.kind == "paginate")
            lines += ["", *method_lines(method)]
        return "\n".join(lines)


def path_of(platform: str) -> Path:
    return HERE / f"_{platform}.py"


def generate(platform: str) -> str:
    """The source of ``mettl_async/sync/_<platform>.py``."""
    return Module(platform).render()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mettl_async.sync.generate", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is out of date")
    args = parser.parse_args(argv)
    stale: list[str] = []
    for platform in CLIENTS:
        path = path_of(platform)
        text = generate(platform)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(str(path))
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("out of date (run python -m mettl_async.sync.generate):", *stale, sep="\n  ", file=sys.stderr)
        return 1
    for path_text in [] if args.check else stale:
        print("wrote", path_text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
