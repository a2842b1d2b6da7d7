"""The mettl-async command's errors, driven against the sandbox over loopback: each failure's exit
status and message, parameters refused before anything is sent, outputs left alone, and no key or
signature in logs or files."""

from __future__ import annotations

from pathlib import Path

import pytest

from mettl_async.testing import FaultConfig, SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.cli_support import Factory, cli, expected_records, jsonl, lines_in, spawn, wait_for

# -- errors and exit statuses -------------------------------------------------------------------


def test_wrong_key_exits_3_with_the_e_code_and_no_traceback(sandbox: SandboxThread, tmp_path: Path) -> None:
    result = cli(
        sandbox,
        "harvest",
        "tests",
        "--out",
        str(tmp_path / "t.jsonl"),
        env={"METTL_PRIVATE_KEY": "not-the-key"},
    )
    assert result.exit_code == 3
    assert "authentication failed: E401: Authentication failed/Signature mismatch" in result.stderr
    assert "Traceback" not in result.output


def test_unreachable_network_exits_4(sandbox: SandboxThread, tmp_path: Path, closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/api/v2"
    out = str(tmp_path / "t.jsonl")
    # One attempt: the default five wait 0.5 + 1 + 2 + 4 s (and jitter) before saying the same.
    result = cli(sandbox, "harvest", "tests", "--out", out, "--attempts", "1", env={"METTL_BASE_URL": url})
    assert result.exit_code == 4
    assert "network unreachable" in result.stderr


def test_attempts_bounds_the_tries_of_each_request(
    certicheck_sandbox_factory: Factory, tmp_path: Path
) -> None:
    faults = FaultConfig(rate=1.0, kinds="e000")
    faulty = certicheck_sandbox_factory(SandboxConfig(applicants=20, faults=faults))
    out = str(tmp_path / "t.jsonl")
    result = cli(faulty, "harvest", "tests", "--out", out, "--attempts", "2")
    assert result.exit_code == 1
    assert "E000" in result.stderr
    assert len(faulty.sandbox.requests) == 2  # the first try and one more


def test_api_error_exits_1_with_code_and_message(sandbox: SandboxThread, tmp_path: Path) -> None:
    result = cli(sandbox, "harvest", "enrolled", "--slot-window", "99999", "--out", str(tmp_path / "e.jsonl"))
    assert result.exit_code == 1
    assert "API error E022: No candidate enrolled in the slot window" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["harvest", "enrolled", "--out", "x.jsonl"], "invalid --slot-window: is required"),
        (["harvest", "results", "--status", "Published", "--out", "x.jsonl"], "applies to tests only"),
        (
            ["harvest", "results", "--page-size", "501", "--out", "x.jsonl"],
            "invalid --page-size: must be an integer from 1 to 500",
        ),
        (["harvest", "results", "--out", "x.txt"], "--format"),
        (["harvest", "results", "--email", "not-an-email", "--out", "x.jsonl"], "must be an e-mail address"),
    ],
)
def test_invalid_parameters_exit_2_before_anything_is_sent(
    sandbox: SandboxThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli(sandbox, *args)
    assert result.exit_code in (1, 2)
    assert message in result.output
    assert len(sandbox.sandbox.requests) == 0


def test_a_mistyped_harvest_leaves_the_output_alone(sandbox: SandboxThread, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    out.write_bytes(b'{"keep":"me"}\n')
    result = cli(sandbox, "harvest", "results", "--assessment", "3", "--email", "a@b.co", "--out", str(out))
    assert result.exit_code == 2
    assert "give one of them, not both" in result.stderr
    assert "--resume" not in result.output
    assert out.read_bytes() == b'{"keep":"me"}\n'


def test_an_unfinished_harvest_is_not_overwritten_without_restart(
    slow_sandbox: SandboxThread, tmp_path: Path
) -> None:
    out = tmp_path / "r.jsonl"
    process = spawn(slow_sandbox, "results", "--out", str(out))
    wait_for(lambda: lines_in(out) >= 30, process)
    process.kill()
    process.communicate()  # reaps it and closes its pipes
    kept = out.read_bytes()
    refused = cli(slow_sandbox, "harvest", "results", "--out", str(out))
    assert refused.exit_code == 1
    assert "holds an unfinished harvest" in refused.stderr
    assert out.read_bytes() == kept
    again = cli(slow_sandbox, "harvest", "results", "--out", str(out), "--restart", "--rate", "1000")
    assert again.exit_code == 0
    assert jsonl(out) == expected_records(slow_sandbox, "results")


def test_missing_credentials_exit_2(tmp_path: Path) -> None:
    env = {"METTL_PUBLIC_KEY": "", "METTL_PRIVATE_KEY": "", "METTL_SUBDOMAIN": ""}
    result = cli(None, "harvest", "tests", "--out", str(tmp_path / "t.jsonl"), env=env)
    assert result.exit_code == 2
    assert "configuration: missing --public-key (or $METTL_PUBLIC_KEY) and --private-key" in result.stderr


# -- secrets ------------------------------------------------------------------------------------


def test_no_key_or_signature_in_logs_or_files(certicheck_sandbox_factory: Factory, tmp_path: Path) -> None:
    faults = FaultConfig(rate=0.3, seed=2, kinds="e000,html5xx,drop,429", retry_after=0.01)
    sandbox = certicheck_sandbox_factory(
        SandboxConfig(applicants=80, faults=faults, private_key="PRIV-9f3b-secret")
    )
    outputs = [tmp_path / "r.jsonl", tmp_path / "r.csv", tmp_path / "r.sqlite"]
    texts = []
    for out in outputs:
        result = cli(sandbox, "--debug", "harvest", "results", "--out", str(out), "--rate", "1000")
        assert result.exit_code == 0, result.output
        texts.append(result.output)
    bad = cli(
        sandbox,
        "--debug",
        "harvest",
        "tests",
        "--out",
        str(tmp_path / "t.jsonl"),
        env={"METTL_PRIVATE_KEY": "PRIV-wrong-secret"},
    )
    texts.append(bad.output)
    logged = "\n".join(texts)
    assert "DEBUG mettl_async.session: GET" in logged  # the requests were logged
    assert "WARNING mettl_async.session: retrying" in logged
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    signatures = {r.params["asgn"] for r in sandbox.sandbox.requests if "asgn" in r.params}
    assert len(signatures) > 10
    for secret in ("PRIV-9f3b-secret", "PRIV-wrong-secret", sandbox.sandbox.config.public_key, *signatures):
        assert secret not in logged
        assert secret.encode() not in files
