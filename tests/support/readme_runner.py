"""The README's code blocks run (for tests/cli/test_readme.py): the setting (every platform's sandbox
on one server, the environment that points the clients at it, the files the examples upload), each
block's script run in a process group of its own and whatever it left running stopped, and the
report of a failed block. Finding the blocks and turning them into scripts is
tests/support/readme_blocks.py's."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import CertiCheckSandbox
from mettl_async.testing.itep import FULFILLMENT_PATH, ItepSandbox
from mettl_async.testing.mettl_rest import MettlRestSandbox
from mettl_async.testing.proctorexam import ProctorExamSandbox
from tests.support.mettl_images import GIF, ico, jpeg, png
from tests.support.readme_blocks import (
    CONSOLE,
    HELPERS,
    PYTHON,
    SHELL,
    Block,
    console_to_shell,
    numbered,
    shell_script,
)

READY_SECONDS = 30.0


@dataclass(frozen=True)
class Outcome:
    """How a block ended: the exit status (``None``: timed out) and everything it printed."""

    returncode: int | None
    output: str


def run_script(argv: list[str], cwd: Path, env: Mapping[str, str], timeout: float) -> Outcome:
    """Run in a process group of its own; afterwards stop whatever it left running."""
    log_path = cwd.parent / f"{cwd.name}.out"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            argv, cwd=cwd, env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            returncode: int | None = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            returncode = None
        finally:
            _stop_group(process.pid)
            process.wait()
    return Outcome(returncode, log_path.read_text(errors="replace"))


def _stop_group(group: int) -> None:
    """SIGTERM to the group (servers a block started), SIGKILL to what is left after 5 s."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not _group_alive(group):
                return
            time.sleep(0.05)


def _group_alive(group: int) -> bool:
    """Whether a process of the group is still running (zombies waiting to be reaped are not)."""
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            return True
    return False


def python_argv(script: Path) -> list[str]:
    return [sys.executable, str(script)]


# -- the README test's setting: sandboxes, environment, files --------------------------------------

TIMEOUT = 120.0
#: Prefixes of the variables the harness owns: the caller's values are removed.
OWNED_PREFIXES = ("METTL_", "PROCTOREXAM_", "ITEP_")
WEBHOOK_TOKEN = "readme-webhook-token"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n%%EOF\n"
)
FILES = {
    "favicon.png": png(),
    "favicon.ico": ico(),
    "logo.png": png(4, 4),
    "logo.jpg": jpeg(),
    "cover.jpg": jpeg(),
    "cover.png": png(16, 9),
    "cover.gif": GIF,
    "instructions.pdf": PDF,
}


def all_sandboxes() -> SandboxThread:
    """One server hosting every platform's sandbox, each with its default account."""
    return SandboxThread(CertiCheckSandbox(), MettlRestSandbox(), ProctorExamSandbox(), ItepSandbox())


def prepare(cwd: Path) -> Path:
    """A fresh directory holding the small files the examples upload."""
    cwd.mkdir()
    for name, data in FILES.items():
        (cwd / name).write_bytes(data)
    return cwd


def sandbox_environment(server: SandboxThread) -> dict[str, str]:
    """The variables that point every platform's client (and the command) at ``server``."""
    certicheck = server.get(CertiCheckSandbox)
    rest = server.get(MettlRestSandbox)
    proctorexam = server.get(ProctorExamSandbox)
    itep = server.get(ItepSandbox)
    return {
        "METTL_PUBLIC_KEY": certicheck.config.public_key,  # the REST sandbox has the same keys
        "METTL_PRIVATE_KEY": certicheck.config.private_key,
        "METTL_SUBDOMAIN": certicheck.config.subdomain,
        "METTL_BASE_URL": server.base_url_of(certicheck),
        "METTL_API_BASE_URL": server.base_url_of(rest) + "/v2",
        "PROCTOREXAM_BASE_URL": server.base_url_of(proctorexam),
        "PROCTOREXAM_API_TOKEN": proctorexam.config.api_token,
        "PROCTOREXAM_SECRET_KEY": proctorexam.config.secret_key,
        "ITEP_FULFILLMENT_URL": server.base_url_of(itep) + FULFILLMENT_PATH,
        "ITEP_API_KEY": itep.config.api_key,
        "ITEP_SIGNATURE_HEADER": itep.config.header,
        "ITEP_SIGNATURE_ENCODING": itep.config.encoding.value,
        "METTL_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
    }


def missing(block: Block) -> list[str]:
    """The modules a block needs that do not import here."""
    return [module for module in block.needs if importlib.util.find_spec(module) is None]


def base_environment(provided: Mapping[str, str], python: Path) -> dict[str, str]:
    """This process's environment without the caller's platform settings, plus ``provided``.
    dlt (the dlt block) keeps its pipelines in the block's directory, not the home directory,
    and sends no usage reports."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(OWNED_PREFIXES)}
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    env["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    env.update(provided)
    return env


def run_block(block: Block, cwd: Path, provided: Mapping[str, str]) -> tuple[Outcome, list[str]]:
    """Run one block as the conventions say; the outcome and the problems found before running."""
    env = base_environment(provided, Path(sys.executable))
    env["DLT_DATA_DIR"] = str(cwd / ".dlt")
    scripts = cwd.parent
    if block.lang in PYTHON:
        script = scripts / f"readme_L{block.fence_line}.py"
        script.write_text(numbered(block.code, block.first_line), encoding="utf-8")
        return run_script(python_argv(script), cwd, env, TIMEOUT), []
    code = console_to_shell(block.code) if block.lang in CONSOLE else block.code
    code, problems = shell_script(code, provided, pasted=block.lang in SHELL)
    if problems:
        return Outcome(None, ""), problems
    logs = scripts / "serve-logs"
    logs.mkdir(exist_ok=True)
    (scripts / "helpers.sh").write_text(HELPERS, encoding="utf-8")
    env.update(READMETEST_LOGS=str(logs), READMETEST_READY=str(int(READY_SECONDS)))
    first = (
        f"set -e -o pipefail; . {scripts / 'helpers.sh'}; "
        f"trap 'echo \"{block.source} line $LINENO: exit status $?\" >&2' ERR"
    )
    script = scripts / f"readme_L{block.fence_line}.sh"
    script.write_text(numbered(code, block.first_line, first), encoding="utf-8")
    outcome = run_script(["bash", str(script)], cwd, env, TIMEOUT)
    served = "".join(
        f"\n--- output of a server the block started ({log.name}) ---\n{log.read_text(errors='replace')}"
        for log in sorted(logs.iterdir())
    )
    return Outcome(outcome.returncode, outcome.output + served), []


def failure_report(block: Block, outcome: Outcome) -> str:
    """The message of a failed block: where it is, how it ended, what it printed."""
    ended = "timed out" if outcome.returncode is None else f"exit status {outcome.returncode}"
    return (
        f"{block.source} line {block.fence_line}: ```{block.lang} block failed ({ended}); "
        f"its output:\n{outcome.output.rstrip() or '(none)'}"
    )
