"""A run stopped by an error is recorded ``failed`` in the runs table, with its reason (secrets
masked), even when it wrote nothing: a wrong key stops a run at its first request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from mettl_async.cli import main
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.harvest.test_warehouse import FORMATS, new_output, query

Factory = Callable[..., SandboxThread]
WRONG = "wrong-private-key-0123456789"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_key_s_run_is_recorded_failed_with_its_reason(
    request: pytest.FixtureRequest, certicheck_sandbox_factory: Factory, tmp_path: Path, fmt: str
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=5))
    out = new_output(request, tmp_path, fmt, "failed")
    env = sandbox.exports() | {"METTL_PRIVATE_KEY": WRONG}
    result = CliRunner().invoke(main, ["harvest", "results", "--out", out, "--attempts", "1"], env=env)
    assert result.exit_code == 3, result.output
    runs = query(out, "SELECT account, kind, status, pages, records, error FROM mettl_harvest_runs")
    assert len(runs) == 1
    account, kind, status, pages, records, error = runs[0]
    assert (account, kind, status, pages, records) == ("sandbox", "results", "failed", 0, 0)
    assert error.startswith("AuthenticationError: E")
    assert WRONG not in error
    # a good key afterwards completes a run of its own
    good = CliRunner().invoke(main, ["harvest", "results", "--out", out], env=sandbox.exports())
    assert good.exit_code == 0, good.output
    statuses = query(out, "SELECT status FROM mettl_harvest_runs ORDER BY started_at")
    assert [s for (s,) in statuses] == ["failed", "complete"]
