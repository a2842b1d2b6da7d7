"""No import goes in a circle, between modules or between folders (issue 15, item 4).

Read from the source, as a reader follows it: every ``import``, those under ``if TYPE_CHECKING:``
and inside functions included (a type-only import is still a dependency; restructure instead of
hiding it). A package's ``__init__`` importing its own modules to re-export them is left out.
"""

from __future__ import annotations

import ast
import functools
import graphlib
from pathlib import Path

import pytest

import mettl_async

PACKAGE = Path(mettl_async.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, name: str, package: str, modules: set[str]) -> set[str]:
    """The ``modules`` that module ``name`` (of ``package``) imports in ``source`` (a name imported
    from a module counts as the module)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not target.startswith(name + "."):
                found.add(target)
    return found


@functools.cache
def import_graph() -> dict[str, set[str]]:
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    return {
        name: imports_of(
            path.read_text(encoding="utf-8"),
            name,
            name if path.name == "__init__.py" else name.rpartition(".")[0],
            set(paths),
        )
        for name, path in paths.items()
    }


def folder(module: str) -> str:
    """``mettl_async.testing.certicheck.world`` -> ``mettl_async.testing``."""
    return ".".join(module.split(".")[:2])


def cycle_in(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        return list(error.args[1])
    return None


def test_no_module_imports_itself_through_others() -> None:
    assert cycle_in(import_graph()) is None


def test_no_folder_imports_itself_through_others() -> None:
    folders: dict[str, set[str]] = {}
    for module, deps in import_graph().items():
        folders.setdefault(folder(module), set()).update(
            folder(d) for d in deps if folder(d) not in (folder(module), "mettl_async")
        )
    assert cycle_in(folders) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from .server import X\n", "mettl_async.testing.certicheck.server"),
        ("if TYPE_CHECKING:\n    from ..kit import PARAMS\n", "mettl_async.testing.kit"),
        ("def f():\n    from . import world\n", "mettl_async.testing.certicheck.world"),
        ("import mettl_async.core.records\n", "mettl_async.core.records"),
    ],
)
def test_every_kind_of_import_counts(source: str, expected: str) -> None:
    # The tests above prove nothing unless type-only and function-level imports are seen.
    modules = set(import_graph())
    found = imports_of(
        source, "mettl_async.testing.certicheck.accounts", "mettl_async.testing.certicheck", modules
    )
    assert expected in found
