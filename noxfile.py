"""Sessions: tests, lint (ruff), typecheck (mypy --strict), docs (the reference), soak (long proofs),
bench (benchmarks)."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "venv"


@nox.session
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff==0.17.6")  # pinned: a new rule must not turn CI red by itself
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[test,bench]", "mypy==2.4.1")
    # tests/sync/test_sync.py asserts the synchronous API's types (assert_type) and
    # tests/core/test_limiters.py that every client takes any Limiter: mypy checks them.
    session.run(
        "mypy",
        "--strict",
        "mettl_async",
        "benchmarks",
        "tests/sync/test_sync.py",
        "tests/core/test_limiters.py",
    )


@nox.session
def docs(session: nox.Session) -> None:
    """The reference (docs/, Sphinx from the docstrings) in docs/_build/html; any warning fails it:
    a broken cross-reference, bad reST in a docstring, or a public module or object on no page."""
    session.install(
        "-e", ".[test]", "-r", "docs/requirements.txt"
    )  # [test]: the pytest fixtures import pytest
    # -E: read every page afresh (a saved environment would not repeat its warnings); -n: every reference
    # must resolve; -W --keep-going: all warnings listed, then the build fails.
    session.run(
        "sphinx-build", "-b", "html", "-E", "-n", "-W", "--keep-going", "-q", "docs", "docs/_build/html"
    )


@nox.session
def soak(session: nox.Session) -> None:
    """The long proofs: 50,000 records through 15 % faults, more kill points (about 5 minutes)."""
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        "tests/harvest/test_soak.py",
        "tests/harvest/test_crash_resume.py",
        "-q",
        *session.posargs,
        env={"METTL_SOAK": "1"},
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Every throughput figure (benchmarks/README.md); cattrs is the typed-decoding baseline."""
    session.install("-e", ".[bench]")
    session.run("python", "-m", "benchmarks", *session.posargs)
