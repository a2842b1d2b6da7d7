"""The pytest plugin is opt-in: installing mettl-async changes nobody's test run until the project
asks for the fixtures with ``-p mettl_async.pytest_plugin`` (or ``pytest_plugins``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TRIVIAL = """
import sys

def test_nothing_of_mettl_async_is_imported():
    assert not [name for name in sys.modules if name.partition(".")[0] == "mettl_async"]
"""

USES_A_FIXTURE = """
def test_the_sandbox_fixture_serves(certicheck_sandbox):
    assert certicheck_sandbox.base_url.startswith("http://127.0.0.1:")
"""


def pytest_in(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """pytest run as a fresh project would run it: its own directory, no setting of ours."""
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    return subprocess.run(
        [sys.executable, *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_project_that_does_not_ask_for_the_plugin_never_imports_the_package(tmp_path: Path) -> None:
    (tmp_path / "test_trivial.py").write_text(TRIVIAL, encoding="utf-8")
    done = pytest_in(tmp_path, "-X", "importtime", "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert done.returncode == 0, done.stdout
    assert "1 passed" in done.stdout
    # each line: "import time: self | cumulative | <indent>module"
    imported = [
        line.rpartition("|")[2].strip() for line in done.stderr.splitlines() if "import time:" in line
    ]
    assert "pytest" in imported, "python -X importtime wrote no import log"
    assert not [name for name in imported if name.partition(".")[0] == "mettl_async"]


def test_p_mettl_async_pytest_plugin_brings_the_fixtures(tmp_path: Path) -> None:
    (tmp_path / "test_fixture.py").write_text(USES_A_FIXTURE, encoding="utf-8")
    without = pytest_in(tmp_path, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert without.returncode == 1
    assert "fixture 'certicheck_sandbox' not found" in without.stdout
    opted_in = pytest_in(
        tmp_path, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "mettl_async.pytest_plugin"
    )
    assert opted_in.returncode == 0, opted_in.stdout
    assert "1 passed" in opted_in.stdout
