"""Reading the async clients' and services' source: their names, signatures and methods.

Signatures are taken as text, exactly as written (annotations and defaults
included), so that a generated method reads like its async original; the names
they use are resolved through the imports of the module that wrote them.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import sys
import textwrap
from collections.abc import Iterator
from types import ModuleType

import attrs

from mettl_async.core.client import BaseClient
from mettl_async.core.service import Service


class GenerationError(Exception):
    """The async source has something the generator does not know how to wrap."""


@attrs.frozen
class Origin:
    """Where a name comes from: ``from module import name [as alias]`` or ``import module [as alias]``."""

    module: str
    name: str | None  # None: ``import module``
    alias: str


def module_tree(module: ModuleType) -> ast.Module:
    return ast.parse(inspect.getsource(module))


def origins(module: ModuleType) -> dict[str, Origin]:
    """Every name bound at the top level of ``module`` and where to import it from."""
    found: dict[str, Origin] = {}
    tree = module_tree(module)
    statements: list[ast.stmt] = []
    for node in tree.body:
        statements.append(node)
        if isinstance(node, ast.If):  # ``if TYPE_CHECKING:`` imports
            statements.extend(node.body)
    for node in statements:
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.partition(".")[0]
                found[name] = Origin(alias.name if alias.asname else name, None, name)
        elif isinstance(node, ast.ImportFrom):
            base = importlib.util.resolve_name("." * node.level + (node.module or ""), module.__package__)
            for alias in node.names:
                found[alias.asname or alias.name] = Origin(base, alias.name, alias.asname or alias.name)
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            found[node.name] = Origin(module.__name__, node.name, node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = Origin(module.__name__, target.id, target.id)
    return found


def names_in(source: str) -> set[str]:
    """The names an expression's source text refers to."""
    return {node.id for node in ast.walk(ast.parse(source, mode="eval")) if isinstance(node, ast.Name)}


@attrs.frozen
class Param:
    """One parameter as written in the async source."""

    name: str
    text: str  # ``name: annotation = default`` exactly as written (or ``*``, ``*args``)
    kind: str  # "positional", "keyword", "star" (the bare ``*``), "varargs", "varkw"
    names: frozenset[str]


def segment(source: str, node: ast.AST) -> str:
    text = ast.get_source_segment(source, node)
    if text is None or "\n" in text:
        raise GenerationError(f"cannot copy {ast.dump(node)[:60]}: expected one line of source")
    return text


def parameters(source: str, args: ast.arguments, dropped: frozenset[str] = frozenset()) -> list[Param]:
    """The parameters of a ``def`` after ``self``, as written."""
    if args.posonlyargs:
        raise GenerationError("positional-only parameters are not supported")
    result: list[Param] = []

    def one(arg: ast.arg, default: ast.expr | None, kind: str, prefix: str = "") -> None:
        if arg.arg in dropped:
            return
        text, names = prefix + arg.arg, set()
        if arg.annotation is not None:
            annotation = segment(source, arg.annotation)
            text += f": {annotation}"
            names |= names_in(annotation)
        if default is not None:
            value = segment(source, default)
            text += f" = {value}" if arg.annotation is not None else f"={value}"
            names |= names_in(value)
        result.append(Param(arg.arg, text, kind, frozenset(names)))

    positional = args.args[1:]  # without self
    defaults: list[ast.expr | None] = [None] * (len(args.args) - len(args.defaults)) + list(args.defaults)
    for arg, default in zip(positional, defaults[1:], strict=True):
        one(arg, default, "positional")
    if args.vararg is not None:
        one(args.vararg, None, "varargs", "*")
    elif args.kwonlyargs:
        result.append(Param("*", "*", "star", frozenset()))
    for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        one(arg, kw_default, "keyword")
    if args.kwarg is not None:
        one(args.kwarg, None, "varkw", "**")
    if result and result[-1].kind == "star":
        result.pop()
    return result


@attrs.frozen
class Method:
    """A public method of an async service or client, ready to be written synchronously."""

    name: str
    params: list[Param]
    returns: str
    docstring: str | None  # the docstring's source text, quotes included
    kind: str  # "call" (a coroutine) or "paginate" (returns an async Paginator)
    names: frozenset[str]


def method_of(source: str, node: ast.FunctionDef | ast.AsyncFunctionDef, where: str) -> Method:
    if node.decorator_list:
        raise GenerationError(f"{where}.{node.name}: decorated methods are not supported")
    if node.returns is None:
        raise GenerationError(f"{where}.{node.name}: no return annotation")
    returns = segment(source, node.returns)
    if isinstance(node, ast.AsyncFunctionDef):
        kind = "call"
    elif returns.startswith("Paginator["):
        kind = "paginate"
    else:
        raise GenerationError(
            f"{where}.{node.name} is neither a coroutine nor returns a Paginator: decide how the "
            "synchronous client offers it, then teach the generator"
        )
    params = parameters(source, node.args)
    docstring = None
    first = node.body[0] if node.body else None
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        docstring = ast.get_source_segment(source, first.value)
    names = set(names_in(returns))
    for param in params:
        names |= param.names
    return Method(node.name, params, returns, docstring, kind, frozenset(names))


def class_node(cls: type) -> tuple[str, ast.ClassDef]:
    source = textwrap.dedent(inspect.getsource(cls))
    tree = ast.parse(source)
    node = tree.body[0]
    assert isinstance(node, ast.ClassDef)
    return source, node


def public_methods(cls: type, stop: type) -> Iterator[tuple[type, Method]]:
    """The public methods ``cls`` defines or inherits from below ``stop``, first definition first."""
    seen: set[str] = set()
    for klass in cls.__mro__:
        if klass is stop or not issubclass(klass, stop):
            break
        source, node = class_node(klass)
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                if item.name.startswith("_") or item.name in seen:
                    continue
                seen.add(item.name)
                yield klass, method_of(source, item, klass.__qualname__)


def bound_services(client: type[BaseClient]) -> list[tuple[str, type]]:
    """``(attribute, service class)`` for each ``self.attribute = Service(...)`` of ``_bind``."""
    _, node = class_node(client)
    module = sys.modules[client.__module__]
    bind = next(
        (item for item in node.body if isinstance(item, ast.FunctionDef) and item.name == "_bind"), None
    )
    if bind is None:
        raise GenerationError(f"{client.__name__} has no _bind")
    found: list[tuple[str, type]] = []
    for statement in bind.body:
        if not (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(target := statement.targets[0], ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
            and isinstance(statement.value, ast.Call)
            and isinstance(statement.value.func, ast.Name)
        ):
            raise GenerationError(f"{client.__name__}._bind: expected self.name = Service(...) only")
        service = getattr(module, statement.value.func.id)
        if not (isinstance(service, type) and issubclass(service, Service)):
            raise GenerationError(f"{client.__name__}._bind: {statement.value.func.id} is not a Service")
        found.append((target.attr, service))
    return found


def init_attributes(client: type[BaseClient]) -> set[str]:
    """The public attributes the client's ``__init__`` sets."""
    _, node = class_node(client)
    init = next(item for item in node.body if isinstance(item, ast.FunctionDef) and item.name == "__init__")
    names: set[str] = set()
    for statement in ast.walk(init):
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        for target in targets:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
                and not target.attr.startswith("_")
            ):
                names.add(target.attr)
    return names
