"""Writing a generated module: its methods and imports as plain lines, then laid out by ruff itself.

The generator writes every signature, call and import on one line, in any order;
``ruff check --select I --fix`` sorts the imports and ``ruff format`` breaks the
lines, both with the project's settings (pyproject.toml), so a generated file is
exactly what ruff would leave it as. The ruff used is the one pinned in
``requirements/ruff.txt``: another version may lay lines out otherwise, and the
test that compares the files would then fail for no change of the API.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from .source import GenerationError, Method, Origin, Param

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "mettl_async"
#: The one place the ruff version is pinned (the tests and lint requirements include it).
RUFF_PIN = ROOT / "requirements" / "ruff.txt"


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


def method_lines(method: Method, indent: str = "    ") -> list[str]:
    """The synchronous twin of ``method``: its signature and docstring, and a body that runs
    the async method on the client's loop (or wraps its paginator)."""
    params = ", ".join(["self", *(p.text for p in method.params)])
    lines = [f"{indent}def {method.name}({params}) -> {method.returns}:"]
    if method.docstring:
        lines.append(f"{indent}    {method.docstring}")
    runner = "self._portal.run" if method.kind == "call" else "self._paginate"
    call = "" if method.returns == "None" else "return "
    arguments = ", ".join([f"self._aio.{method.name}", *forwarded(method.params)])
    return [*lines, f"{indent}    {call}{runner}({arguments})"]


class Imports:
    """The imports of a generated module, each name bound once (ruff sorts them afterwards)."""

    def __init__(self, package: str) -> None:
        self.package = package
        self._bound: dict[str, Origin] = {}

    def add(self, origin: Origin) -> None:
        known = self._bound.get(origin.alias)
        if known is not None and known != origin:
            raise GenerationError(f"{origin.alias!r} would be imported both as {known} and as {origin}")
        self._bound[origin.alias] = origin

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
        out = []
        for origin in self._bound.values():
            module = self._relative(origin.module)
            if origin.name is None:
                out.append(f"import {module}" + ("" if origin.alias == module else f" as {origin.alias}"))
            else:
                alias = "" if origin.alias == origin.name else f" as {origin.alias}"
                out.append(f"from {module} import {origin.name}{alias}")
        return out


def ruff(*args: str, source: str, path: Path) -> str:
    """``source`` through ``ruff args`` as if it were the file at ``path`` (its settings apply)."""
    try:
        done = subprocess.run(  # noqa: S603 - our own arguments to the ruff of this interpreter
            [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(path), "-"],
            input=source,
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
    except OSError as error:  # pragma: no cover - the interpreter itself could not start
        raise GenerationError(f"cannot run ruff: {error}") from None
    if done.returncode != 0:
        raise GenerationError(f"ruff {' '.join(args)} failed on {path.name}: {done.stderr.strip()}")
    return done.stdout


def pinned_ruff() -> str:
    """The ruff version ``requirements/ruff.txt`` pins."""
    found = re.search(r"^ruff==(\S+)", RUFF_PIN.read_text(encoding="utf-8"), flags=re.MULTILINE)
    if found is None:
        raise GenerationError(f"{RUFF_PIN} pins no ruff version (ruff==X.Y.Z)")
    return found.group(1)


def installed_ruff() -> str | None:
    """The version of the ruff this interpreter runs (``None``: not installed)."""
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "--version"], capture_output=True, text=True, check=False
    )
    return done.stdout.split()[-1] if done.returncode == 0 and done.stdout.strip() else None


def check_ruff() -> None:
    """Refuse to lay files out with a ruff other than the pinned one (its layout may differ)."""
    wanted, found = pinned_ruff(), installed_ruff()
    if found != wanted:
        raise GenerationError(
            f"the generated modules are laid out by ruff {wanted}, and this interpreter has "
            f"{'no ruff' if found is None else f'ruff {found}'}: pip install -r {RUFF_PIN.relative_to(ROOT)}"
        )


def laid_out(source: str, path: Path) -> str:
    """``source`` with its imports sorted and its lines broken as ruff does for the project."""
    return ruff(
        "format", source=ruff("check", "--select", "I", "--fix-only", source=source, path=path), path=path
    )
