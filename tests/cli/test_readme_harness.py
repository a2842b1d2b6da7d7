"""The README test's own machinery (tests/support/readme_blocks.py and readme_runner.py): it finds
what it should, applies the conventions told in tests/cli/test_readme.py, and fails where a README
block would mislead a reader."""

from __future__ import annotations

import importlib.util
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mettl_async.testing import SandboxThread
from tests.support.readme_blocks import Block, console_to_shell, numbered, parse, shell_script
from tests.support.readme_output import missing_output
from tests.support.readme_runner import (
    all_sandboxes,
    base_environment,
    failure_report,
    missing,
    prepare,
    python_argv,
    run_block,
    run_script,
    sandbox_environment,
)

README = """# Title

<!-- readme-test: skip (needs a real account) -->
```sh
mettl-async harvest results --out r.jsonl
```

1. In a list:

   ```python
   print("indented")
   ```

```console
$ echo one \\
    two
one two
```

~~~json
{"a": 1}
~~~
"""


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[SandboxThread]:
    with all_sandboxes() as server:
        yield server


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return prepare(tmp_path / "work")


def test_parse_finds_blocks_languages_lines_and_skips() -> None:
    blocks, problems = parse(README)
    assert problems == []
    assert [(b.lang, b.fence_line, b.skip) for b in blocks] == [
        ("sh", 4, "needs a real account"),
        ("python", 10, None),
        ("console", 14, None),
        ("json", 20, None),
    ]
    assert blocks[1].code == 'print("indented")\n'
    assert [b.runnable for b in blocks] == [True, True, True, False]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("```\nls\n```\n", "line 1: code block without a language"),
        ("```pycon\n>>> 1\n```\n", "line 1: ```pycon blocks are neither run nor known as text"),
        (
            "<!-- readme-test: skip (why) -->\nprose\n```sh\nls\n```\n",
            "line 1: readme-test marker followed by no",
        ),
        ("<!-- readme-test: skip () -->\n```sh\nls\n```\n", "line 1: unknown readme-test directive"),
        ("<!-- readme-test: only linux -->\n```sh\nls\n```\n", "line 1: unknown readme-test directive"),
        ("text\n<!-- readme-test: skip (why) -->\n", "line 2: readme-test marker followed by no code block"),
        ("```sh\nls\n", "line 1: code block never closed"),
    ],
)
def test_parse_refuses_what_would_leave_a_block_untested(text: str, problem: str) -> None:
    _, problems = parse(text)
    assert any(found.startswith(problem) for found in problems), problems


def test_a_needs_marker_names_the_modules_a_block_runs_with() -> None:
    blocks, problems = parse("<!-- readme-test: needs dlt duckdb -->\n```python\nimport dlt\n```\n")
    assert not problems
    assert blocks[0].needs == ("dlt", "duckdb")
    assert blocks[0].skip is None
    assert blocks[0].id == "L2-python-dlt-duckdb"
    assert missing(blocks[0]) == [m for m in ("dlt", "duckdb") if importlib.util.find_spec(m) is None]
    assert missing(Block("python", 2, 3, "", needs=("no_such_module_here", "os"))) == ["no_such_module_here"]


def test_a_skip_marker_may_stand_above_blank_lines_and_covers_unknown_languages() -> None:
    blocks, problems = parse("<!-- readme-test: skip (Windows) -->\n\n```powershell\ndir\n```\n")
    assert problems == []
    assert blocks[0].skip == "Windows"


def test_an_output_block_right_after_a_run_block_is_what_it_prints() -> None:
    text = "```python\nprint(1)\n```\n\n```output\n1\n```\n\n```sh\necho\n```\nprose\n```output\nx\n```\n"
    blocks, problems = parse(text)
    assert problems == []
    assert [(b.lang, b.expected) for b in blocks] == [
        ("python", "1\n"),
        ("output", None),
        ("sh", None),  # prose between: the output block is shown, not compared
        ("output", None),
    ]


def test_expected_output_lines_are_found_in_order_with_an_ellipsis_for_any_text() -> None:
    printed = "a@example.com 7 None\n(200, 'received')\nharvested 10 records in 0.2 s\n"
    assert missing_output("(200, 'received')\n\nharvested 10 records in … s\n", printed) == []
    assert missing_output("(200, 'received')\na@example.com 7 None\n", printed) == ["a@example.com 7 None"]
    assert missing_output("(400, …)\n", printed) == ["(400, …)"]
    assert missing_output("received\n", printed) == ["received"]  # whole lines, not parts


def test_console_runs_only_prompted_lines_and_keeps_line_numbers() -> None:
    assert console_to_shell("$ echo a \\\n  b\na b\n$ true\noutput\n") == "echo a \\\n  b\n\ntrue\n\n"


def test_placeholder_exports_are_not_run_and_must_name_provided_variables() -> None:
    code = "export METTL_PUBLIC_KEY=…  METTL_SUBDOMAIN=yourcompany\nexport REAL=1\n"
    script, problems = shell_script(code, {"METTL_PUBLIC_KEY", "METTL_SUBDOMAIN"})
    assert problems == []
    assert script.splitlines()[0].startswith(": ")  # a no-op, on the same line
    assert script.splitlines()[1] == "export REAL=1"
    _, problems = shell_script("export METTL_PUBLIC_KYE=…\n", {"METTL_PUBLIC_KEY"})
    assert problems
    assert "METTL_PUBLIC_KYE not set by the README test" in problems[0]


def test_serving_commands_go_to_the_background_unless_the_line_says_so() -> None:
    code = (
        "mettl-async sandbox --port 8123   # in another terminal\n"
        "  python -m mettl_async --debug webhooks serve --out e.sqlite\n"
        "mettl-async itep sandbox &\n"
        "mettl-async harvest results --out r.jsonl\n"
    )
    lines = shell_script(code, set())[0].splitlines()
    assert lines[0] == "__readme_serve mettl-async sandbox --port 8123   # in another terminal"
    assert lines[1] == "  __readme_serve python -m mettl_async --debug webhooks serve --out e.sqlite"
    assert lines[2:] == ["mettl-async itep sandbox &", "mettl-async harvest results --out r.jsonl"]


def test_a_pasted_block_must_put_its_servers_in_the_background() -> None:
    foreground = (
        "mettl-async webhooks serve --port 8291 --out e.sqlite --token T\nmettl-async itep fulfill X\n"
    )
    _, problems = shell_script(foreground, set(), pasted=True)
    assert problems
    assert "end the line with &" in problems[0]
    for fine in (
        foreground.replace("T\n", "T &\n", 1),
        foreground.replace("T\n", "T  # in another terminal\n", 1),
        "mettl-async sandbox --port 8181\n",  # nothing after it: the reader stops it
    ):
        assert shell_script(fine, set(), pasted=True)[1] == []
    assert shell_script(foreground, set())[1] == []  # a console session shows each prompt


def test_numbered_puts_code_on_its_readme_lines() -> None:
    assert numbered("a\nb\n", 4, "first").splitlines() == ["first", "", "", "a", "b"]


def block(lang: str, code: str, line: int = 40) -> Block:
    return Block(lang, line, line + 1, code)


def test_a_failing_shell_line_is_reported_by_its_readme_line(sandboxes: SandboxThread, workdir: Path) -> None:
    failing = block("sh", "echo first\nfalse\necho never\n")
    outcome, problems = run_block(failing, workdir, sandbox_environment(sandboxes))
    assert problems == []
    assert outcome.returncode == 1
    assert "first" in outcome.output
    assert "never" not in outcome.output
    assert "README.md line 42: exit status 1" in outcome.output
    assert failure_report(failing, outcome).startswith(
        "README.md line 40: ```sh block failed (exit status 1)"
    )


def test_a_python_traceback_names_the_readme_line(sandboxes: SandboxThread, workdir: Path) -> None:
    outcome, _ = run_block(block("python", "x = 1\nraise SystemExit(f'no {x}')\n", 70), workdir, {})
    assert outcome.returncode == 1
    assert "no 1" in outcome.output
    outcome, _ = run_block(block("python", "import os\n\n1 / 0\n", 70), workdir, {})
    assert "line 73, in <module>" in outcome.output
    assert "ZeroDivisionError" in outcome.output


def test_blocks_get_the_sandbox_settings_and_the_files_and_not_the_callers(
    sandboxes: SandboxThread, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROCTOREXAM_TENANT", "callers-own")
    code = (
        "import os, pathlib\n"
        "assert 'PROCTOREXAM_TENANT' not in os.environ\n"
        "assert os.environ['METTL_SUBDOMAIN'] == 'sandbox'\n"
        "assert pathlib.Path('favicon.png').read_bytes().startswith(b'\\x89PNG')\n"
        "assert pathlib.Path('cover.jpg').read_bytes().startswith(b'\\xff\\xd8\\xff')\n"
    )
    outcome, _ = run_block(block("python", code), workdir, sandbox_environment(sandboxes))
    assert outcome.returncode == 0, outcome.output


def test_the_readmes_old_quickstart_fails_against_the_sandbox(
    sandboxes: SandboxThread, workdir: Path
) -> None:
    """What the README said before its blocks were tested: an assessment the sandbox does not have."""
    code = (
        "export METTL_PUBLIC_KEY=…  METTL_PRIVATE_KEY=…\n"
        "mettl-async harvest results --assessment 5330 --out a.csv\n"
    )
    outcome, problems = run_block(block("sh", code, 30), workdir, sandbox_environment(sandboxes))
    assert problems == []
    assert outcome.returncode == 1
    assert "README.md line 32: exit status 1" in outcome.output


def test_a_server_a_block_starts_is_waited_for_and_stopped(sandboxes: SandboxThread, workdir: Path) -> None:
    code = "mettl-async sandbox --port 0 --applicants 5  # in another terminal\necho after the server\n"
    outcome, _ = run_block(block("sh", code), workdir, sandbox_environment(sandboxes))
    assert outcome.returncode == 0, outcome.output
    assert outcome.output.index("CertiCHECK sandbox at") < outcome.output.index("after the server")
    url = next(word for word in outcome.output.split() if word.startswith("http://"))
    address = urlsplit(url)
    with pytest.raises(ConnectionRefusedError), socket.create_connection((address.hostname, address.port), 2):
        pass  # the block's end stopped the server


def test_a_block_that_hangs_is_stopped_at_its_timeout(tmp_path: Path) -> None:
    cwd = tmp_path / "hang"
    cwd.mkdir()
    script = tmp_path / "hang.py"
    script.write_text("import time\nprint('started', flush=True)\ntime.sleep(60)\n")
    outcome = run_script(python_argv(script), cwd, base_environment({}, Path(sys.executable)), 1.0)
    assert outcome.returncode is None
    assert "started" in outcome.output
