"""Writes the synchronous clients and services from the async ones' source.

``python -m tools.syncgen`` (or ``python -m nox -s generate``) rewrites the modules
``mettl_async/sync/_<platform>.py`` (a client) and ``_<platform>_<module>.py`` (the
services of the async module of that name); ``--check`` exits 1 if any differs from
what it would write (the test suite runs that check, so the synchronous API cannot
drift from the async one). This is a development tool: it is not in the package.

Each public method of a service keeps its async original's signature text
(parameters, annotations, defaults) and docstring; its body hands the call to
the client's event loop. Coroutine methods return their result; methods that
return an async ``Paginator[X]`` return a synchronous ``Paginator[X]``. Anything
else is refused here, so a new kind of method is decided on, not guessed.
Names the signatures use are imported from where the async module imports them
(:mod:`.source`); ruff itself sorts the imports and lays the lines out (:mod:`.layout`).
"""

from __future__ import annotations

import argparse
import ast
import inspect
import sys
from collections.abc import Sequence

import attrs

from mettl_async.core.client import BaseClient
from mettl_async.core.service import Service
from mettl_async.platforms import PLATFORMS

from .layout import PACKAGE, ROOT, Imports, check_ruff, forwarded, laid_out, method_lines
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

#: Where the generated modules live in the repository (ruff's settings are read from there).
HOME = ROOT / PACKAGE / "sync"
#: Where they are written and compared (a test points it at a temporary directory).
OUT = HOME
#: platform: its registry entry (the registry is the only list of platforms)
CLIENTS = {entry.name: entry for entry in PLATFORMS}
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
    """One generated module: some of a platform's synchronous services, or its client."""

    def __init__(self, stem: str, client: type[BaseClient]) -> None:
        self.stem = stem
        self.client = client
        self.imports = Imports(f"{PACKAGE}.sync")
        #: Names of the classes this module writes or imports from a sibling generated module.
        self.generated: set[str] = set()
        self.defined: list[str] = []
        self.classes: list[str] = []
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

    def render(self, summary: list[str]) -> str:
        """The module's text, laid out by ruff. ``summary``: its docstring's lines."""
        exports = ", ".join(f'"{name}"' for name in sorted(self.defined))
        source = "\n".join(
            [
                '"""' + summary[0],
                *summary[1:],
                '"""',
                "",
                "from __future__ import annotations",
                "",
                *self.imports.lines(),
                "",
                "\n\n\n".join(self.classes),
                "",
                "",
                f"__all__ = [{exports}]",
                "",
            ]
        )
        return laid_out(source, HOME / f"{self.stem}.py")

    def add_service(self, spec: ServiceSpec) -> None:
        self.generated.add(spec.cls.__name__)
        self.defined.append(spec.cls.__name__)
        self.imports.add(Origin(f"{PACKAGE}.sync.base", "SyncService", "SyncService"))
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
        self.classes.append("\n".join(lines))

    def add_client(self, services: list[tuple[str, type]]) -> None:
        self.generated.add(self.client.__name__)
        self.defined.append(self.client.__name__)
        self.imports.add(Origin(f"{PACKAGE}.sync.base", "SyncClient", "SyncClient"))
        self.classes.append(self.render_client(services))

    def render_client(self, services: list[tuple[str, type]]) -> str:
        client = self.client
        alias = self.alias_of(client.__module__)
        source, node = class_node(client)
        init = next(
            item for item in node.body if isinstance(item, ast.FunctionDef) and item.name == "__init__"
        )
        params = parameters(source, init.args)
        for param in params:
            self.resolve(param.names, client, sync_paginator=False)
        summary = first_paragraph(client, "    ")
        summary[0] = summary[0].replace("Async client", "Synchronous client", 1)
        lines = [
            f"class {client.__name__}(SyncClient[{alias}.{client.__name__}]):",
            *docstring(
                summary,
                [
                    f"The arguments of :class:`{client.__module__}.{client.__name__}` (its options",
                    "without ``http``: an aiohttp session belongs to its caller's event loop), the",
                    "same services, models and exceptions. Calls block until the answer; lists are",
                    ":class:`mettl_async.sync.Paginator` (``for item in ...``). The async client",
                    "runs on an event loop in a daemon thread of this client's own: use it in a",
                    "``with`` block or call :meth:`close`.",
                ],
            ),
            "",
        ]
        lines.append(f"    def __init__({', '.join(['self', *(p.text for p in params)])}) -> None:")
        lines.append(f"        aio = {alias}.{client.__name__}({', '.join(forwarded(params))})")
        lines += ["        super().__init__(aio)", "", "    def _bind(self) -> None:"]
        for attribute, service in services:
            service_name = service.__name__
            lines.append(f"        self.{attribute} = {service_name}(self._portal, self._aio.{attribute})")
        # Public attributes the async client sets in __init__, passed on with the types its
        # class body annotates (one not annotated stops the generator, so none is forgotten).
        found = init_attributes(client) - PRIVATE
        declared: dict[str, object] = {}
        for klass in reversed(client.__mro__):
            declared |= vars(klass).get("__annotations__", {})
        missing = sorted(found - set(declared))
        if missing:
            raise GenerationError(
                f"{client.__name__}.__init__ sets the public attribute {missing[0]!r}; annotate it in "
                "the class body so that the synchronous client passes it on"
            )
        attributes = {name: str(declared[name]) for name in found}
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


def client_of(platform: str) -> type[BaseClient]:
    return CLIENTS[platform].load_client()


def generate(platform: str) -> dict[str, str]:
    """The text of each module written for ``platform``, by file name: one module per async
    module of services (``_proctorexam_sessions.py``), then the client's (``_proctorexam.py``),
    which imports them (services written in the client's own module stay with it)."""
    client = client_of(platform)
    services = bound_services(client)
    by_module: dict[str, list[ServiceSpec]] = {}
    seen: set[type] = set()
    for _, service in services:
        if service not in seen:
            seen.add(service)
            spec = ServiceSpec(service, list(public_methods(service, Service)))
            by_module.setdefault(service.__module__, []).append(spec)
    client_module = Module(f"_{platform}", client)
    written: dict[str, str] = {}
    for module_name, specs in by_module.items():
        if module_name == client.__module__:
            for spec in specs:
                client_module.add_service(spec)
            continue
        module = Module(f"_{platform}_{module_name.rpartition('.')[2]}", client)
        for spec in specs:
            module.add_service(spec)
            client_module.generated.add(spec.cls.__name__)
            client_module.imports.add(
                Origin(f"{PACKAGE}.sync.{module.stem}", spec.cls.__name__, spec.cls.__name__)
            )
        written[f"{module.stem}.py"] = module.render(
            [
                f"Synchronous twins of the services in :mod:`{module_name}`.",
                "",
                f"Generated by ``python -m tools.syncgen`` for :class:`mettl_async.sync.{client.__name__}`:",
                "do not edit; regenerate after changing the async services (a test checks this file is",
                "current).",
            ]
        )
    client_module.add_client(services)
    written[f"{client_module.stem}.py"] = client_module.render(
        [
            f"The synchronous {client.__name__}.",
            "",
            f"Generated by ``python -m tools.syncgen`` from :mod:`{client.__module__}` (its services'",
            f"twins are in ``{client_module.stem}_*.py``): do not edit; regenerate after changing the",
            "async client or its services (a test checks these files are current).",
        ]
    )
    return written


def generate_all() -> dict[str, str]:
    """Every generated module's text, by file name."""
    check_ruff()
    written: dict[str, str] = {}
    for platform in CLIENTS:
        written |= generate(platform)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.syncgen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if a generated file is out of date")
    args = parser.parse_args(argv)
    try:
        written = generate_all()
    except GenerationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stale: list[str] = []
    for name, text in written.items():
        path = OUT / name
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(str(path))
        if not args.check:
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print("out of date (run python -m tools.syncgen):", *stale, sep="\n  ", file=sys.stderr)
        return 1
    for path_text in [] if args.check else stale:
        print("wrote", path_text)
    return 0
