"""``mettl-async itep fulfill`` and ``mettl-async itep sandbox``, against the sandbox over loopback."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mettl_async.cli import main
from mettl_async.testing import SandboxThread
from mettl_async.testing.itep import FULFILLMENT_PATH, ItepSandbox, SandboxConfig


def env_for(sandbox: SandboxThread) -> dict[str, str]:
    platform = sandbox.get(ItepSandbox)
    return {
        "ITEP_FULFILLMENT_URL": sandbox.base_url_of(platform) + FULFILLMENT_PATH,
        "ITEP_API_KEY": platform.config.api_key,
        "ITEP_SIGNATURE_HEADER": platform.config.header,
        "ITEP_SIGNATURE_ENCODING": platform.config.encoding.value,
    }


def cli(sandbox: SandboxThread | None, *args: str, env: dict[str, str] | None = None) -> Result:
    blank = dict.fromkeys(("ITEP_FULFILLMENT_URL", "ITEP_API_KEY", "ITEP_SIGNATURE_HEADER"))
    environment: dict[str, Any] = blank | (env_for(sandbox) if sandbox else {}) | (env or {})
    return CliRunner().invoke(main, ["itep", *args], env=environment, catch_exceptions=False)


def test_fulfill_prints_the_test_id(itep_sandbox: SandboxThread) -> None:
    result = cli(
        itep_sandbox,
        "fulfill",
        "GTX-Academic-Plus",
        "--track",
        "RC",
        "--assigned-to",
        '{"student-name": "Mary Poppins", "id": 9810283}',
        "--registration",
        '{"Last_Name": "Poppins", "First_Name": "Mary"}',
    )
    assert result.exit_code == 0, result.output
    test_id = result.stdout.strip()
    test = itep_sandbox.get(ItepSandbox).inventory.tests[test_id]
    assert result.stdout == test_id + "\n"
    assert test.assigned_to == {"student-name": "Mary Poppins", "id": 9810283}
    assert test.registration == {"Last_Name": "Poppins", "First_Name": "Mary"}


def test_fulfill_stx_says_it_was_emailed(itep_sandbox: SandboxThread) -> None:
    result = cli(
        itep_sandbox, "fulfill", "STX-Business", "--email", "mary@example.com", "--bcc", "me@example.com"
    )
    assert result.exit_code == 0, result.output
    assert "iTEP e-mailed the test ID to mary@example.com" in result.stderr
    assert len(result.stdout.split()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["STX-Business"], "invalid --email: is required for STX product codes"),
        (["GTX-Business", "--registration", '{"Last_name": "P"}'], "did you mean 'Last_Name'?"),
        (
            ["GTX-Business", "--assigned-to", "{not json"],
            "invalid --assigned-to: must be a JSON object",
        ),
        (["GTX-Business", "--assigned-to", '{"score": NaN}'], "invalid --assigned-to"),
        (["GTX-Business", "--assigned-to", "[1]"], "invalid --assigned-to: must be a JSON object"),
        (["gtx-business"], "invalid PRODUCT-CODE"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_is_sent(
    itep_sandbox: SandboxThread, args: list[str], message: str
) -> None:
    result = cli(itep_sandbox, "fulfill", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert len(itep_sandbox.get(ItepSandbox).requests) == 0


def test_missing_settings_name_the_variables() -> None:
    result = cli(None, "fulfill", "GTX-Business")
    assert result.exit_code == 2
    assert "configuration: missing --url (or $ITEP_FULFILLMENT_URL)" in result.stderr
    assert "$ITEP_API_KEY" in result.stderr


def test_options_override_the_environment(itep_sandbox_factory: Any) -> None:
    sandbox = itep_sandbox_factory(SandboxConfig(header="X-Sig", encoding="base64"))
    settings = env_for(sandbox)
    result = cli(
        None,
        "fulfill",
        "GTX-Business",
        "--url",
        settings["ITEP_FULFILLMENT_URL"],
        "--signature-header",
        "X-Sig",
        "--signature-encoding",
        "BASE64",
        env={"ITEP_API_KEY": settings["ITEP_API_KEY"], "ITEP_SIGNATURE_HEADER": "X-Wrong"},
    )
    assert result.exit_code == 0, result.output


def test_a_wrong_key_is_exit_3_without_the_key(itep_sandbox: SandboxThread) -> None:
    result = cli(itep_sandbox, "fulfill", "GTX-Business", env={"ITEP_API_KEY": "a-wrong-secret-key"})
    assert result.exit_code == 3
    assert "authentication failed: HTTP 401: signature mismatch" in result.stderr
    assert "a-wrong-secret-key" not in result.output + result.stderr


def test_a_lost_answer_is_exit_4_and_says_to_check_itep(itep_sandbox_factory: Any) -> None:
    sandbox = itep_sandbox_factory(SandboxConfig(drop_after_acting=1))
    result = cli(sandbox, "fulfill", "GTX-Business")
    assert result.exit_code == 4
    assert result.stderr.startswith("mettl-async: network error: ")
    assert "check the test IDs assigned in iTEP's administration system" in result.stderr
    assert result.stdout == ""
    assert len(sandbox.get(ItepSandbox).inventory.fulfilled()) == 1
    assert len(sandbox.get(ItepSandbox).requests) == 1


def test_the_itep_sandbox_command_serves_what_fulfill_uses() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mettl_async", "itep", "sandbox", "--port", "0", "--stock", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(7)]
        exports = dict(
            line.strip().removeprefix("export ").split("=", 1) for line in lines if "export " in line
        )
        assert set(exports) == {
            "ITEP_FULFILLMENT_URL",
            "ITEP_API_KEY",
            "ITEP_SIGNATURE_HEADER",
            "ITEP_SIGNATURE_ENCODING",
        }
        first = CliRunner().invoke(main, ["itep", "fulfill", "GTX-SLATE-Core"], env=exports)
        second = CliRunner().invoke(main, ["itep", "fulfill", "GTX-SLATE-Core"], env=exports)
        third = CliRunner().invoke(main, ["itep", "fulfill", "GTX-SLATE-Core"], env=exports)
        assert first.exit_code == second.exit_code == 0, first.output + second.output
        assert first.stdout != second.stdout
        assert third.exit_code == 1
        assert "API error HTTP 409: no available test ID for SLATE-Core" in third.stderr
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=10)  # also closes the pipes
    assert process.returncode == 0


def test_debug_logs_show_neither_the_key_nor_the_signature(itep_sandbox_factory: Any) -> None:
    sandbox = itep_sandbox_factory(SandboxConfig(drop_after_acting=1))
    result = cli(sandbox, "fulfill", "GTX-Business", "--debug")
    assert result.exit_code == 4
    seen = sandbox.get(ItepSandbox).requests[0]
    signature = seen.headers["X-iTEP-Signature"]
    assert "POST http://127.0.0.1" in result.stderr
    for secret in (sandbox.get(ItepSandbox).config.api_key, signature):
        assert secret not in result.output + result.stderr
