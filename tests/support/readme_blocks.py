"""The README's code blocks, found and turned into scripts (for tests/cli/test_readme.py): the pure
part, parsing the README and translating a block into a script as the conventions say, so the
conventions are tested without a sandbox (tests/cli/test_readme_harness.py). Running the scripts is
tests/support/readme_runner.py's; the conventions themselves are told in tests/cli/test_readme.py's
docstring."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

#: Blocks that are run, by the language named after the opening fence.
PYTHON = ("python", "py")
SHELL = ("sh", "bash", "shell")
CONSOLE = ("console",)
#: Blocks that are shown, never run: data, output and formats that are not commands.
SHOWN = ("text", "json", "jsonl", "csv", "toml", "ini", "yaml", "sql", "diff", "http", "output")

MARKER = re.compile(r"^\s*<!--\s*readme-test:\s*(?P<directive>.*?)\s*-->\s*$")
SKIP = re.compile(r"^skip\s*\((?P<reason>.*\S.*)\)$")
#: ``needs dlt duckdb``: run only where those modules import (an extra's), else skipped saying so.
NEEDS = re.compile(r"^needs((?:\s+[A-Za-z_][\w.]*)+)$")
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
#: ``export A=… B=…``: the reader's own values, which the sandbox's stand in for.
EXPORT = re.compile(r"^\s*export\s+(?P<assignments>(?:[A-Za-z_]\w*=\S*\s*)+)(?:#.*)?$")
#: Commands that serve until stopped; run in the background until their block ends.
SERVING = re.compile(
    r"^(?P<indent>\s*)(?P<command>(?:mettl-async|python3? -m mettl_async)(?:\s+--debug)?\s+"
    r"(?:sandbox|webhooks\s+serve|itep\s+sandbox)\b|python3? -m mettl_async\.sandbox\b)"
)


@dataclass(frozen=True)
class Block:
    """One fenced block: its language, its text, and where it starts in the README."""

    lang: str
    #: README line of the opening fence (1-based) and of the block's first line of code.
    fence_line: int
    first_line: int
    code: str
    skip: str | None = None
    #: Modules the block needs (``needs …``): where one does not import, the block is skipped.
    needs: tuple[str, ...] = ()
    #: The ```output block right after it (blank lines between allowed): what it must print.
    expected: str | None = None
    #: The file it is in, as messages name it.
    source: str = "README.md"

    @property
    def runnable(self) -> bool:
        return self.lang in PYTHON + SHELL + CONSOLE

    @property
    def id(self) -> str:
        where = "" if self.source == "README.md" else self.source.replace("/", "-") + "-"
        return f"{where}L{self.fence_line}-{self.lang}" + "".join(f"-{module}" for module in self.needs)


def parse(text: str, source: str = "README.md") -> tuple[list[Block], list[str]]:
    """Every fenced block of a Markdown text, and the problems found with blocks and markers. A
    block whose language is in braces (```{toctree}) is a MyST directive: shown, not run."""
    lines = text.splitlines()
    blocks: list[Block] = []
    problems: list[str] = []
    pending: tuple[int, str] | None = None  # a marker waiting for its block: (line, directive)
    closed = -1  # index of the line that closed the last block
    index = 0
    while index < len(lines):
        line = lines[index]
        number = index + 1
        marker = MARKER.match(line)
        opening = FENCE.match(line)
        if marker:
            if pending:
                problems.append(f"line {pending[0]}: readme-test marker followed by no code block")
            pending = (number, marker.group("directive"))
        elif opening:
            fence, indent, lang = opening.group("fence"), opening.group("indent"), opening.group("info")
            end = index + 1
            while end < len(lines) and not _closes(lines[end], fence):
                end += 1
            if end == len(lines):
                problems.append(f"line {number}: code block never closed")
            body = [
                raw[len(indent) :] if raw.startswith(indent) else raw.lstrip()
                for raw in lines[index + 1 : end]
            ]
            skip = None
            needs: tuple[str, ...] = ()
            if pending:
                found, needed = SKIP.match(pending[1]), NEEDS.match(pending[1])
                if found:
                    skip = found.group("reason").strip()
                elif needed:
                    needs = tuple(needed.group(1).split())
                else:
                    problems.append(
                        f"line {pending[0]}: unknown readme-test directive {pending[1]!r} "
                        "(those there are: skip (reason), needs MODULE…)"
                    )
                pending = None
            lang = lang.lower()
            if not lang:
                problems.append(f"line {number}: code block without a language (```text if it is not code)")
            elif lang not in PYTHON + SHELL + CONSOLE + SHOWN and not lang.startswith("{") and skip is None:
                problems.append(
                    f"line {number}: ```{lang} blocks are neither run nor known as text: use one of "
                    f"{', '.join(PYTHON + SHELL + CONSOLE + SHOWN)}, or mark it skip (reason)"
                )
            code = "\n".join(body) + "\n"
            follows = blocks and not any(line.strip() for line in lines[closed + 1 : index])
            if lang == "output" and follows and blocks[-1].runnable:
                blocks[-1] = replace(blocks[-1], expected=code)
            blocks.append(Block(lang, number, number + 1, code, skip, needs, source=source))
            closed = end
            index = end
        elif line.strip() and pending:
            problems.append(f"line {pending[0]}: readme-test marker followed by no code block")
            pending = None
        index += 1
    if pending:
        problems.append(f"line {pending[0]}: readme-test marker followed by no code block")
    return blocks, problems


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]} and len(line) - len(line.lstrip()) < 4


def console_to_shell(code: str) -> str:
    """A console session as a script: ``$ `` lines (and their ``\\`` continuations) are run, the
    output lines between them become blank lines, so line numbers stay those of the README."""
    out: list[str] = []
    continuing = False
    for line in code.splitlines():
        if continuing:
            out.append(line)
        elif line.startswith("$ ") or line == "$":
            out.append(line[2:])
        else:
            out.append("")
            continue
        continuing = line.endswith("\\")
    return "\n".join(out) + "\n"


def shell_script(code: str, provided: Iterable[str], *, pasted: bool = False) -> tuple[str, list[str]]:
    """A shell block's lines with the conventions applied, and the problems found:

    * an ``export`` line holding a ``…`` placeholder is not run (the sandbox's values are already
      set), and each name on it must be one the harness provides;
    * a serving command starting a line runs in the background until the block ends, once it has
      printed its first line (``__readme_serve``);
    * ``pasted`` (a ``sh`` block, which a reader pastes into one shell): a serving command with
      lines after it must end with ``&``, or say ``# in another terminal``: else the reader's
      shell would wait on it forever (the console blocks are sessions: no such rule)."""
    names = set(provided)
    out: list[str] = []
    problems: list[str] = []
    lines = code.splitlines()
    for offset, line in enumerate(lines):
        export = EXPORT.match(line)
        if export and "…" in line:
            assigned = [item.split("=", 1)[0] for item in export.group("assignments").split()]
            unknown = [name for name in assigned if name not in names]
            if unknown:
                problems.append(
                    f"block line {offset + 1}: {', '.join(unknown)} not set by the README test "
                    f"(it sets {', '.join(sorted(names))})"
                )
            out.append(": placeholder export, the sandbox values stand in")
            continue
        serving = SERVING.match(line)
        later = any(rest.strip() for rest in lines[offset + 1 :])
        if serving and pasted and later and not line.rstrip().endswith(("&", "# in another terminal")):
            problems.append(
                f"block line {offset + 1}: {serving.group('command')!r} serves until stopped: end the "
                "line with & (a reader pastes the block into one shell), or say # in another terminal"
            )
        if serving and not line.rstrip().endswith("&"):
            out.append(f"{serving.group('indent')}__readme_serve {line[len(serving.group('indent')) :]}")
            continue
        out.append(line)
    return "\n".join(out) + "\n", problems


HELPERS = r"""
__readme_serve() {  # a serving command: in the background until the block ends, once it has spoken
  local log
  log=$(mktemp "${READMETEST_LOGS}/serve.XXXXXX")
  "$@" >"$log" 2>&1 &
  local pid=$! waited=0
  while [ ! -s "$log" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "serving command stopped before it printed anything: $*" >&2; cat "$log" >&2; return 1
    fi
    if [ "$waited" -ge $((READMETEST_READY * 10)) ]; then
      echo "serving command printed nothing in ${READMETEST_READY} s: $*" >&2; return 1
    fi
    sleep 0.1; waited=$((waited + 1))
  done
  sleep 0.2  # the rest of its first lines
  cat "$log"
}
"""


def numbered(code: str, first_line: int, first: str = "") -> str:
    """``code`` placed so that its line numbers are the README's; ``first`` fills line 1."""
    assert "\n" not in first
    assert first_line >= 2
    return first + "\n" * (first_line - 1) + code
