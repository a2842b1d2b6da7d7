"""The registry is the only list of platforms: every face reads it, no module names two platforms.

A module that imports from two platforms, or holds two platform names in its code, is a list
someone must keep in sync by hand; only the registry (and what is generated from it) may.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mettl_async
import mettl_async.sync
from mettl_async.platforms import PLATFORMS, kinds, platform, platform_of, webhook_sources

PACKAGE = Path(mettl_async.__file__).parent
NAMES = {entry.name for entry in PLATFORMS}
#: Modules allowed to name several platforms: the registry, the public names (checked below
#: against the registry) and the synchronous package generated from it.
ALLOWED = {"platforms.py", "__init__.py", "sync/__init__.py"}


def owner(path: Path) -> str | None:
    """The platform a module belongs to (its folder, or its sandbox's), if any."""
    parts = path.relative_to(PACKAGE).parts
    if parts[0] in NAMES:
        return parts[0]
    if parts[0] == "testing" and len(parts) > 2 and parts[1] in NAMES:
        return parts[1]
    if parts[0] == "sync" and parts[-1].removeprefix("_").removesuffix(".py") in NAMES:
        return parts[-1].removeprefix("_").removesuffix(".py")
    return None


def platforms_named(path: Path) -> set[str]:
    """The platforms a module imports from, or names in a string that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[: len(base) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module or ""]) if node.level else node.module or ""
            parts = target.split(".")[1:]
            for name in node.names:
                dotted = [*parts, name.name]
                if dotted[0] == "testing":
                    dotted = dotted[1:]
                if dotted and dotted[0] in NAMES:
                    found.add(dotted[0])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            words = set(node.value.replace("/", " ").replace(".", " ").split())
            found |= words & NAMES
    return found


def test_every_platform_is_a_folder_with_a_sandbox_and_every_folder_a_platform() -> None:
    folders = {p.parent.name for p in PACKAGE.glob("*/client.py") if p.parent.name != "core"}
    assert folders == NAMES
    for entry in PLATFORMS:
        assert (PACKAGE / "testing" / entry.name).is_dir()
        assert entry.load_sandbox().__module__.startswith(f"mettl_async.testing.{entry.name}")
        assert entry.load_client().__module__ == f"mettl_async.{entry.name}.client"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_but_the_registry_lists_platforms(path: Path) -> None:
    relative = str(path.relative_to(PACKAGE))
    named = platforms_named(path) - {owner(path)}
    if relative in ALLOWED:
        return
    assert len(named) <= 1, f"{relative} names {sorted(named)}: read mettl_async.platforms instead"


def test_the_public_clients_are_the_registry_s() -> None:
    clients = {entry.load_client().__name__ for entry in PLATFORMS}
    exported = {name for name in mettl_async.__all__ if name.endswith("Client")}
    assert exported == clients
    assert {name for name in mettl_async.sync.__all__ if name.endswith("Client")} - {"SyncClient"} == clients
    for name in clients:
        assert getattr(mettl_async, name).__name__ == name


def test_kinds_and_webhooks_come_from_the_registry() -> None:
    assert all(platform_of(kind).name in NAMES for kind in kinds().values())
    assert {source.name for source in webhook_sources()} == {
        entry.webhook.name for entry in PLATFORMS if entry.webhook is not None
    }
    assert platform("certicheck").title == "Mettl CertiCHECK v2"


def test_an_unknown_platform_is_named_with_the_known_ones() -> None:
    from mettl_async.core.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="unknown platform 'nope'; the platforms are: certicheck"):
        platform("nope")


@pytest.mark.parametrize("name", sorted(NAMES))
def test_each_platform_has_its_pytest_fixtures(name: str, request: pytest.FixtureRequest) -> None:
    start = request.getfixturevalue(f"{name}_sandbox_factory")
    sandbox = start()  # the platform's default account, served in a thread
    assert type(sandbox.sandbox).__module__.startswith(f"mettl_async.testing.{name}")
