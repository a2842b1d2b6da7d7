"""The reference's own Sphinx extension: whole packages in one directive, offline cross-references,
and a coverage check that fails the build when a public object is left out.

* ``.. automodules:: mettl_async.certicheck`` documents the package and every module under it
  (``:exclude:`` names subpackages documented on another page), each where it is defined, so a
  module added later appears without editing a page.
* A package exporting names from a private module (``mettl_async.sync._certicheck``) gets that
  module documented after it.
* A reference means what it imports to where it is written, as Python (or, for names imported
  under ``if TYPE_CHECKING:``, a type checker) reads it: a name a module imported
  (``:class:`RetryPolicy``` in ``mettl_async.certicheck.client``) or re-exported
  (``mettl_async.CertiCheckClient``) links to where the object is documented. An object of the
  standard library or a dependency is shown as text: the build reads no inventory over the
  network (an optional dependency imported only for type checking need not be installed). A
  bare name that imports nowhere links to the nearest class, function or constant of that
  name; anything else stays a warning (an error under ``-W``).
* Every module of ``mettl_async`` (except private ones and :data:`UNDOCUMENTED`) and
  every public class and function defined in it must be on some page.
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib
import inspect
import pkgutil
import re
from types import ModuleType
from typing import Any, TypeVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

log = logging.getLogger(__name__)

PACKAGE = "mettl_async"
#: Packages the reference leaves out, besides private modules (a name part starting with ``_``):
#: the command has its own page (sphinx-click).
UNDOCUMENTED = ("mettl_async.cli",)


def submodules(package: str, exclude: tuple[str, ...] = ()) -> list[str]:
    """``package`` and every module under it, in walk order, without ``exclude`` and what they hold."""
    module = importlib.import_module(package)
    names = [package]
    if hasattr(module, "__path__"):
        names += [info.name for info in pkgutil.walk_packages(module.__path__, package + ".")]
    return [
        name
        for name in names
        if not any(name == skip or name.startswith(skip + ".") for skip in exclude + UNDOCUMENTED)
        and not any(part.startswith("_") for part in name.split("."))
    ]


class AutoModules(SphinxDirective):
    """``automodule`` for a package and each module under it, one section per module."""

    required_arguments = 1
    option_spec = {"exclude": directives.unchanged, "shallow": directives.flag}  # noqa: RUF012 - docutils'

    def run(self) -> list[nodes.Node]:
        exclude = tuple(self.options.get("exclude", "").split())
        package = self.arguments[0]
        names = [package] if "shallow" in self.options else submodules(package, exclude)
        lines = StringList()
        for name in names:
            text = [f"``{name}``", "-" * (len(name) + 4), "", f".. automodule:: {name}", ""]
            text += exports(name)
            for origin in private_origins(name):
                text += [f"``{origin}``", "-" * (len(origin) + 4), "", f".. automodule:: {origin}", ""]
            for line in text:
                lines.append(line, "<automodules>")
        container = nodes.section()
        container.document = self.state.document
        self.state.nested_parse(lines, self.content_offset, container, match_titles=True)
        return list(container.children)


def exports(module_name: str) -> list[str]:
    """For a package that re-exports names (its ``__all__``), a line saying what to import from it,
    each class, function or module linked to where it is documented."""
    shown = []
    for name, value in _exported(module_name):
        documented = inspect.isclass(value) or inspect.isfunction(value) or isinstance(value, ModuleType)
        shown.append(f":obj:`~{module_name}.{name}`" if documented else f"``{name}``")
    return [f"``from {module_name} import …``: " + ", ".join(shown) + ".", ""] if shown else []


def _exported(module_name: str) -> list[tuple[str, Any]]:
    module = importlib.import_module(module_name)
    if not hasattr(module, "__path__"):
        return []
    return [(name, getattr(module, name)) for name in getattr(module, "__all__", ())]


def private_origins(module_name: str) -> list[str]:
    """The private modules (``mettl_async.sync._certicheck``) a package exports names from, and
    those split from one (``_certicheck_services``): each is documented in full after the
    package, since no other section holds it."""
    origins = set()
    for _, value in _exported(module_name):
        origin = getattr(value, "__module__", "") or ""
        if origin.startswith(PACKAGE + ".") and any(part.startswith("_") for part in origin.split(".")):
            origins.add(origin)
    for origin in list(origins):
        package, _, stem = origin.rpartition(".")
        for found in pkgutil.iter_modules(importlib.import_module(package).__path__):
            if found.name.startswith(stem + "_"):
                origins.add(f"{package}.{found.name}")
    return sorted(origins)


def _find(dotted: str) -> Any:
    """The object a dotted name means, importing modules and following lazy attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute)
        return found
    raise LookupError(dotted)


@functools.cache
def _type_checking_imports(module_name: str) -> dict[str, str]:
    """The names a module imports only for type checking (``if TYPE_CHECKING:``), each with the
    dotted name it stands for: annotations use them, but they do not exist at run time."""
    try:
        module = importlib.import_module(module_name)
        tree = ast.parse(inspect.getsource(module))
    except (ImportError, OSError, TypeError, SyntaxError):
        return {}
    package = module_name if hasattr(module, "__path__") else module_name.rpartition(".")[0]
    found: dict[str, str] = {}
    for block in ast.walk(tree):
        if not (isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)):
            continue
        for statement in block.body:
            if isinstance(statement, ast.ImportFrom):
                base = package
                for _ in range(statement.level - 1):
                    base = base.rpartition(".")[0]
                source = statement.module or ""
                absolute = (f"{base}.{source}" if source else base) if statement.level else source
                for alias in statement.names:
                    found[alias.asname or alias.name] = f"{absolute}.{alias.name}"
    return found


def _canonical(obj: Any) -> str | None:
    """Where an object is defined (``module.Qualified.name``), when it says so."""
    if isinstance(obj, ModuleType):
        return obj.__name__
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if isinstance(module, str) and isinstance(qualname, str):
        return f"{module}.{qualname}"
    return None


def _candidates(target: str, node: Any) -> list[str]:
    """The dotted names a reference may mean: as written, then inside its class and module.
    Of an annotation Sphinx could not take apart (``os.PathLike[str]``), the name it starts with."""
    target = target.lstrip(".~")
    leading = re.match(r"[A-Za-z_][\w.]*", target)
    target = leading.group(0).rstrip(".") if leading else target
    module = node.get("py:module")
    cls = node.get("py:class")
    names = []
    if module and cls:
        names.append(f"{module}.{cls}.{target}")
    if module:
        names.append(f"{module}.{target}")
        head, _, rest = target.partition(".")
        imported = _type_checking_imports(module).get(head)
        if imported:
            names.append(f"{imported}.{rest}" if rest else imported)
    # a dotted name is absolute first (``datetime.date``, not the ``date`` method of an imported
    # ``datetime`` class); a bare one is looked up where it is written first
    return [target, *names] if "." in target else [*names, target]


class PrepareReferences(SphinxPostTransform):
    """Before references are resolved: ``str``, ``type``, ``None`` become text (looked up,
    ``type`` would match every attribute called ``type``: Sphinx searches names loosely in
    annotations), and ``:mod:`.files``` means the sibling module, as in a relative import."""

    default_priority = 5  # before the references are resolved (10)

    def run(self, **kwargs: Any) -> None:
        domain = self.env.get_domain("py")
        for node in list(self.document.findall(pending_xref)):
            if node.get("refdomain") != "py":
                continue
            target = node.get("reftarget", "")
            if _is_builtin(target):
                node.replace_self(node.children or [nodes.literal(text=target)])
                continue
            if node.get("reftype") == "mod" and node.get("refspecific") and node.get("py:module"):
                # the role took off one leading dot and marked the reference "specific"
                node["reftarget"] = _relative_module(node["py:module"], "." + target)
                node["refspecific"] = False
                continue
            found = _by_import(target, node, lambda name: name in domain.objects or name in domain.modules)
            if found is None and "." not in target.lstrip(".~"):
                found = _unique_short_name(domain, target.lstrip(".~"), node.get("py:module") or "")
            if found is None:
                continue  # Sphinx's own search, then resolve_missing
            if found is TEXT:
                node.replace_self(node.children or [nodes.literal(text=target)])
            else:  # what the name means where it is written, as Python reads it: no loose search
                node["reftarget"] = found
                node["refspecific"] = False


#: :func:`_by_import`'s answer for an object shown as text (outside the package, a type variable).
TEXT = "<text>"


def _by_import(target: str, node: Any, documented: Any) -> str | None:
    """The documented name a reference means, by importing it from where it is written:
    :data:`TEXT` for an object outside the package or a type variable, ``None`` if nothing that
    imports is documented. ``documented(name)`` says whether a name has a description."""
    for name in _candidates(target, node):
        try:
            obj = _find(name)
        except (LookupError, AttributeError, ImportError):
            if _optional_dependency(name, node):
                return TEXT
            continue
        if isinstance(obj, TypeVar):
            return TEXT  # a type variable (``T``) is documented by the signature that uses it
        canonical = _canonical(obj) or name  # a constant: documented under the name it has
        if canonical != PACKAGE and not canonical.startswith(PACKAGE + "."):
            return TEXT  # the standard library or a dependency: text, no inventory needed
        if documented(canonical):
            return canonical
    return None


def _optional_dependency(name: str, node: Any) -> bool:
    """Whether ``name`` is what a module imports for type checking from outside the package, from
    a dependency not installed here (an extra's, such as dlt): shown as text all the same."""
    imported = _type_checking_imports(node.get("py:module") or "").values()
    return name in imported and name.partition(".")[0] != PACKAGE


def _relative_module(module: str, target: str) -> str:
    """``.files`` (or ``..errors``) read from inside ``module``, as Python reads a relative import."""
    dots = len(target) - len(target.lstrip("."))
    package = module if hasattr(importlib.import_module(module), "__path__") else module.rpartition(".")[0]
    for _ in range(dots - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{target[dots:]}"


def _is_builtin(target: str) -> bool:
    return target in dir(builtins)


def resolve_missing(app: Sphinx, env: BuildEnvironment, node: Any, contnode: nodes.Element) -> Any:
    """Link a reference by what it imports to (under any role), or show an outside object as text;
    failing that, the one documented object of that short name."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if _is_builtin(target):
        return contnode
    domain = env.get_domain("py")
    found = _by_import(target, node, lambda name: name in domain.objects or name in domain.modules)
    if found is TEXT:
        return contnode
    if found is not None:
        for reftype in ("class", "func", "meth", "attr", "data", "exc", "mod", "obj"):
            resolved = domain.resolve_xref(env, node["refdoc"], app.builder, reftype, found, node, contnode)
            if resolved is not None:
                return resolved
    short = target.lstrip(".~")
    if "." not in short:
        unique = _unique_short_name(domain, short, node.get("py:module") or "")
        if unique is not None:
            return domain.resolve_xref(env, node["refdoc"], app.builder, "obj", unique, node, contnode)
    return None


#: What a bare name may be found as, anywhere: never a method or an attribute, whose short names
#: (``close``, ``type``) mean something else in every class.
TOP_LEVEL_KINDS = ("class", "exception", "function", "data")


def _unique_short_name(domain: Any, short: str, module: str) -> str | None:
    """The documented object called ``short`` nearest to ``module`` (the longest shared dotted
    prefix; ``None`` on a tie): for names that exist only in annotations (imported for type
    checking), which a loose search would find in several packages."""
    matches = [
        name
        for name, entry in domain.objects.items()
        if name.rsplit(".", 1)[-1] == short and entry.objtype in TOP_LEVEL_KINDS
    ]
    if len(matches) <= 1:
        return matches[0] if matches else None
    here = module.split(".")

    def shared(name: str) -> int:
        parts = name.split(".")[:-1]
        count = 0
        for mine, theirs in zip(here, parts, strict=False):
            if mine != theirs:
                break
            count += 1
        return count

    best = max(shared(name) for name in matches)
    nearest = [name for name in matches if shared(name) == best]
    return nearest[0] if len(nearest) == 1 else None


def public_objects(module_name: str) -> list[str]:
    """The public classes and functions a module defines (not those it imports)."""
    module = importlib.import_module(module_name)
    found = []
    for name, value in vars(module).items():
        if name.startswith("_") or not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        if getattr(value, "__module__", None) == module_name:
            found.append(f"{module_name}.{name}")
    return found


def check_coverage(app: Sphinx, env: BuildEnvironment) -> None:
    """Warn (fail, under ``-W``) for each module or public object no page documents."""
    objects = env.get_domain("py").objects
    for module in submodules(PACKAGE):
        if module not in objects:
            log.warning("module %s is on no page of the reference (docs/api/*)", module)
            continue
        for name in public_objects(module):
            if name not in objects:
                log.warning("%s is public but not in the reference", name)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("automodules", AutoModules)
    app.add_post_transform(PrepareReferences)
    app.connect("missing-reference", resolve_missing)
    app.connect("env-check-consistency", check_coverage)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
