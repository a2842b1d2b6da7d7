"""Every code block of README.md (and of the reference's front page, docs/index.md) runs against
the sandboxes, so neither can drift.

How a README block is run (the conventions a README writer relies on):

* **Which blocks.** Every fenced block needs a language. ```python (or py), ```sh (bash, shell)
  and ```console blocks are run; text, json, jsonl, csv, toml, ini, yaml, sql, diff, http and
  output blocks are shown, never run. Any other language, or none, fails the test.
* **Not running a block** takes a marker on the line before it (blank lines may come between)::

      <!-- readme-test: skip (installs the package into the running interpreter) -->

  The reason is required; the test reports each skipped block and its reason (the "README
  blocks not run" section at the end of the pytest run, and as a skip). A marker with any
  other directive, or followed by no block, fails the test.
* **A block that needs an extra** says which modules on the line before it
  (``<!-- readme-test: needs dlt duckdb -->``): it runs where they import, and is skipped,
  saying so, where they do not (``python -m nox -s dlt`` runs such blocks; their test ids
  end with the modules' names). dlt keeps its pipelines in the block's directory and sends no
  usage reports there.
* **Where.** Each block runs in a fresh temporary directory holding ``favicon.png``,
  ``favicon.ico``, ``logo.png``, ``logo.jpg``, ``cover.jpg``, ``cover.png``, ``cover.gif``
  (real images, built byte by byte) and ``instructions.pdf``. Blocks share nothing but the
  sandboxes: a file one block writes is not there for the next.
* **Against what.** One sandbox server, started once for the module, hosts every platform:
  CertiCHECK (default account: 200 applicants, e-mails such as ``app0@yopmail.com`` and
  ``app+5@yopmail.com``, tests 101…, slot windows 150…), the Mettl REST API, ProctorExam and
  iTEP. Their addresses and credentials are in the environment, under the names the clients
  and the command read: METTL_PUBLIC_KEY, METTL_PRIVATE_KEY, METTL_SUBDOMAIN, METTL_BASE_URL,
  METTL_API_BASE_URL, PROCTOREXAM_BASE_URL, PROCTOREXAM_API_TOKEN, PROCTOREXAM_SECRET_KEY,
  ITEP_FULFILLMENT_URL, ITEP_API_KEY, ITEP_SIGNATURE_HEADER, ITEP_SIGNATURE_ENCODING and
  METTL_WEBHOOK_TOKEN (see :func:`sandbox_environment`). Any such variable of the calling
  environment is removed first. State changes (a registration, a booking) stay for later blocks.
* **Python blocks** run as a script in a fresh interpreter (``asyncio.run(main())`` or plain
  top-level code). Line numbers in a traceback are the README's.
* **Shell blocks** run as one ``bash`` script with ``set -e -o pipefail``: the first failing
  line stops the block and is reported by its README line number. ``export`` and ``cd`` carry
  on to the next lines. ``mettl-async``, ``python`` and ``python -m mettl_async`` are the ones
  of the interpreter running the tests.
* **Console blocks**: lines starting ``$ `` (and their ``\\`` continuation lines) are run as
  in a shell block; the other lines are output to show, not compared.
* **Your own credentials.** A line ``export NAME=…`` whose value holds the placeholder ``…``
  (``export METTL_PUBLIC_KEY=…  METTL_PRIVATE_KEY=…  METTL_SUBDOMAIN=yourcompany``) is not
  run: the sandbox's values stand in. Each NAME on it must be one of those set above (a
  misspelt variable fails the test).
* **Servers.** A line that starts ``mettl-async sandbox``, ``mettl-async webhooks serve``,
  ``mettl-async itep sandbox`` (or ``python -m mettl_async …`` of those, or
  ``python -m mettl_async.testing``) runs in the background: the block goes on once the server
  has printed its first line (it does so once it listens), and the server is stopped when the
  block ends. Give it a ``--port`` of its own (the sandbox above uses a free port); a line
  ending with ``&`` is left to the shell. Whatever a block leaves running is stopped with it.
  In a ``sh`` block (pasted by a reader into one shell), a server with lines after it must end
  with ``&`` or say ``# in another terminal``: else the reader's shell would wait on it.
* **What it prints.** An ```output block right after a run block (blank lines between allowed)
  is what that block prints: each of its non-blank lines must be a line of the block's output
  (stdout and stderr), in that order, other lines allowed between; ``…`` in a line stands for any
  text (a time, an id). Without one, a block is held only to its exit status.
* **Time.** A block may take 120 seconds.

A failing block fails its test with the block's README line, its exit status and its output.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mettl_async.testing import SandboxThread
from tests.support.readme_blocks import Block, parse
from tests.support.readme_output import missing_output
from tests.support.readme_runner import (
    TIMEOUT,
    all_sandboxes,
    failure_report,
    missing,
    prepare,
    run_block,
    sandbox_environment,
)

ROOT = Path(__file__).resolve().parents[2]
BLOCKS, PROBLEMS = [], []
for _name in ("README.md", "docs/index.md"):
    _found, _problems = parse((ROOT / _name).read_text(encoding="utf-8"), _name)
    BLOCKS += _found
    PROBLEMS += [f"{_name}: {problem}" for problem in _problems]
RUNNABLE = [block for block in BLOCKS if block.runnable]


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[SandboxThread]:
    """Every platform's sandbox on one port, for all the README's blocks."""
    with all_sandboxes() as server:
        yield server


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return prepare(tmp_path / "work")


def test_readme_blocks_follow_the_conventions() -> None:
    """Every block has a language the test knows, every marker belongs to a block."""
    assert not PROBLEMS, "; ".join(PROBLEMS)
    assert RUNNABLE, "README.md has no runnable code block: is the parser broken?"


@pytest.mark.timeout(TIMEOUT * 2)
@pytest.mark.parametrize("block", RUNNABLE, ids=[block.id for block in RUNNABLE])
def test_readme_block_runs(block: Block, sandboxes: SandboxThread, workdir: Path) -> None:
    if block.skip is not None:
        pytest.skip(f"{block.source} line {block.fence_line} (```{block.lang}): {block.skip}")
    if missing(block):
        pytest.skip(
            f"{block.source} line {block.fence_line} (```{block.lang}): needs {', '.join(missing(block))} "
            "(python -m nox -s dlt runs it)"
        )
    outcome, problems = run_block(block, workdir, sandbox_environment(sandboxes))
    assert not problems, f"{block.source} line {block.fence_line}: " + "; ".join(problems)
    if outcome.returncode != 0:
        pytest.fail(failure_report(block, outcome), pytrace=False)
    if block.expected is not None:
        absent = missing_output(block.expected, outcome.output)
        assert not absent, (
            f"{block.source} line {block.fence_line}: the ```output block below it says it prints "
            f"{absent!r}, which it did not; its output:\n{outcome.output}"
        )
