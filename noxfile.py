"""Sessions: tests (in parallel), floors (the suite at the oldest declared versions), dlt (the dlt
source end to end, with dlt and DuckDB), workers (a fleet on arq's worker processes), lint (ruff),
typecheck (mypy --strict), docs (the reference), generate (the synchronous facade), soak (long
proofs), bench (benchmarks).

The tools each session needs are in requirements/*.txt, not in the package's extras: they are
development only and stay out of the published metadata.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
nox.options.reuse_existing_virtualenvs = True
#: uv where it is installed (``pip install 'nox[uv]'``, as the README's commands do): it creates a
#: session's virtualenv and installs into it in seconds where pip took 25 s of the README's
#: three-minute test command; plain venv and pip otherwise.
nox.options.default_venv_backend = "uv|venv"
#: uv compiles what it installs, as pip does. The suite starts some hundreds of ``python -m
#: mettl_async`` processes; where nothing is compiled and ``PYTHONDONTWRITEBYTECODE`` is set (this
#: project's machine images set it), each start compiled every module again: 0.47 s a start
#: against 0.25 s.
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")

HERE = Path(__file__).parent
#: The package with the extras its tests need (the shared budget's Redis, the PostgreSQL output).
PACKAGE = ".[redis,postgresql]"
#: With the dlt source's extra: its own session (dlt) and the type check.
WITH_DLT = ".[redis,postgresql,dlt]"
#: With the workers' extra (arq): its own session (workers); arq holds redis-py below 6.
WITH_WORKERS = ".[redis,postgresql,workers]"
TEST_TOOLS = ("-r", "requirements/test.txt")
#: Workers for the suite: two per core (4 on the project's 2-core machines). Many tests spend their
#: time waiting (on a command's process starting, a server's Retry-After, a kill at a random time):
#: measured on this machine with other work running, -n 4 took 201 s where -n 2 took 229 s. worksteal:
#: a worker that runs out of tests takes some of another's, so no worker idles while one long test
#: file (crash-resume processes, hypothesis properties) finishes on another.
PARALLEL = ("-n", "4", "--dist", "worksteal")
_FLOOR = re.compile(r"^\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*>=\s*([^,;\s]+)\s*$")


def floor_constraints(pyproject: str, extras: tuple[str, ...] = ("redis", "postgresql")) -> list[str]:
    """``name==floor`` for every dependency (and the given extras') in ``pyproject``'s text, its
    own extras left out (pip's constraints take none: ``psycopg[binary]`` pins its binary part to
    the same version itself); a dependency without a plain ``>=`` floor is refused, since it
    could not be proved."""
    project = tomllib.loads(pyproject)["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    constraints = []
    for requirement in requirements:
        found = _FLOOR.match(requirement)
        if found is None:
            raise ValueError(f"{requirement!r}: every dependency needs one lower bound, written name>=X")
        constraints.append(f"{found.group(1)}=={found.group(2)}")
    return constraints


def pytest(session: nox.Session, *args: str, env: dict[str, str] | None = None) -> None:
    """The suite in parallel, the package's own modules compiled first (an editable install is
    not compiled by the installer: see ``UV_COMPILE_BYTECODE`` above)."""
    session.run("python", "-m", "compileall", "-q", "mettl_async")
    session.run("pytest", *PARALLEL, *args, env=env)


@nox.session
def tests(session: nox.Session) -> None:
    session.install("-e", PACKAGE, *TEST_TOOLS)
    pytest(session, *session.posargs)


@nox.session
def floors(session: nox.Session) -> None:
    """The whole suite with every dependency of the package at its declared lower bound (pip
    constraints ``name==floor`` made from pyproject.toml; what those pull in comes at its newest,
    as a user's fresh install would). The test tools come at their newest too."""
    constraints = Path(session.create_tmp()) / "floors.txt"
    pins = floor_constraints((HERE / "pyproject.toml").read_text(encoding="utf-8"))
    constraints.write_text("\n".join(pins) + "\n", encoding="utf-8")
    session.log("floors: " + ", ".join(pins))
    session.install("-c", str(constraints), "-e", PACKAGE, *TEST_TOOLS)
    session.install("pip")  # a uv-made virtualenv has none
    session.run("pip", "check")
    pytest(session, *session.posargs)


@nox.session
def dlt(session: nox.Session) -> None:
    """The dlt source end to end (tests/dlt/): the sandboxes into DuckDB (embedded) and into the
    PostgreSQL server the run starts. A session of its own: dlt and DuckDB are heavy to install,
    and the README's test command (``tests``) skips these tests without them."""
    session.install("-e", WITH_DLT, "-r", "requirements/dlt.txt")
    # tests/dlt, and the README's blocks that need dlt (their ids end with -dlt); no usage reports
    pytest(
        session,
        "tests/dlt",
        "tests/cli/test_readme.py",
        "-k",
        "dlt",
        *session.posargs,
        env={"RUNTIME__DLTHUB_TELEMETRY": "false"},
    )


@nox.session
def workers(session: nox.Session) -> None:
    """A fleet across real worker processes on arq (tests/workers/): jobs queued, a worker
    SIGKILLed mid-job, the schedule, against the Redis and PostgreSQL servers the run starts. A
    session of its own: arq pins redis-py below 6, and the README's test command (tests) skips
    these tests without it."""
    session.install("-e", WITH_WORKERS, *TEST_TOOLS)
    pytest(session, "tests/workers", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("-r", "requirements/ruff.txt")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    # the dlt and workers extras too: mettl_async.dlt and mettl_async.fleet.jobs are checked
    # against dlt's and arq's own types
    session.install(
        "-e",
        ".[redis,postgresql,dlt,workers]",
        *TEST_TOOLS,
        "-r",
        "requirements/lint.txt",
        "-r",
        "requirements/bench.txt",
    )
    # tests/sync/test_sync.py asserts the synchronous API's types (assert_type) and
    # tests/core/test_limiters.py that every client takes any Limiter: mypy checks them.
    session.run(
        "mypy",
        "--strict",
        "mettl_async",
        "benchmarks",
        "tools",
        "tests/sync/test_sync.py",
        "tests/core/test_limiters.py",
    )


@nox.session
def docs(session: nox.Session) -> None:
    """The reference (docs/, Sphinx from the docstrings) in docs/_build/html; any warning fails it:
    a broken cross-reference, bad reST in a docstring, or a public module or object on no page."""
    # the test tools: the pytest fixtures import pytest; the workers extra: mettl_async.fleet.jobs imports arq
    session.install("-e", WITH_WORKERS, *TEST_TOOLS, "-r", "docs/requirements.txt")
    # -E: read every page afresh (a saved environment would not repeat its warnings); -n: every reference
    # must resolve; -W --keep-going: all warnings listed, then the build fails.
    session.run(
        "sphinx-build", "-b", "html", "-E", "-n", "-W", "--keep-going", "-q", "docs", "docs/_build/html"
    )


@nox.session
def generate(session: nox.Session) -> None:
    """Rewrite the synchronous facade (mettl_async/sync/_*.py) from the async clients, laid out by
    the pinned ruff; ``-- --check`` only says whether it is current."""
    session.install("-e", ".", "-r", "requirements/ruff.txt")
    session.run("python", "-m", "tools.syncgen", *session.posargs)


@nox.session
def soak(session: nox.Session) -> None:
    """The whole suite at its long settings (``METTL_SOAK=1``): 50,000 records through 15 %
    faults, more kill points, 2,000 applicants and candidates onboarded through faults and
    kills, every property with its full count of examples (the README's test command tries a
    quarter: tests/support/examples.py). CI runs it."""
    session.install("-e", PACKAGE, *TEST_TOOLS)
    pytest(session, "-q", *session.posargs, env={"METTL_SOAK": "1"})


@nox.session
def bench(session: nox.Session) -> None:
    """Every throughput figure (benchmarks/README.md); cattrs is the typed-decoding baseline."""
    session.install("-e", PACKAGE, "-r", "requirements/bench.txt")
    session.run("python", "-m", "benchmarks", *session.posargs)
