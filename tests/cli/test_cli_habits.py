"""Habits of the command line: --debug anywhere, shell completion, credentials that name their
flag and variable, --version, and a --help or --version that does not load the HTTP stack."""

from __future__ import annotations

import logging
import platform
import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from mettl_async import __version__
from mettl_async.cli import main
from mettl_async.cli.common import configure_logging
from mettl_async.platforms import PLATFORMS, kinds, platform_of
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import SandboxConfig

StartSandbox = Callable[..., SandboxThread]
ROOT = Path(__file__).resolve().parents[2]


def every_envvar() -> dict[str, str | None]:
    """Every setting's variable, unset: a test's environment gives only what it means to."""
    settings = [s for entry in PLATFORMS for s in entry.settings]
    return dict.fromkeys({s.envvar for s in settings if s.envvar} | {"METTL_WEBHOOK_TOKEN"})


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    environment = every_envvar() | (env or {})
    runner = CliRunner()
    return runner.invoke(main, list(args), env=environment, catch_exceptions=False, prog_name="mettl-async")


@pytest.fixture(autouse=True)
def quiet_logging() -> Iterator[None]:
    yield
    configure_logging(False)  # --debug installs a handler: leave none behind


def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def taken_port() -> Iterator[int]:
    yield from busy_port()


# -- --debug, before or after the subcommand -----------------------------------------------------


def commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


def test_every_command_and_group_takes_debug() -> None:
    found = dict(commands(main))
    assert {" ".join(p) for p in found} >= {
        "harvest",
        "sandbox",
        "demo",
        "sign",
        "webhooks",
        "webhooks serve",
        "itep",
        "itep fulfill",
        "itep sandbox",
    }
    for path, command in found.items():
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert "--debug" in options, " ".join(path)


def test_debug_after_harvest_logs_requests(certicheck_sandbox_factory: StartSandbox, tmp_path: Path) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=30))
    out = str(tmp_path / "r.jsonl")
    result = cli("harvest", "results", "--out", out, "--debug", env=sandbox.exports())
    assert result.exit_code == 0, result.output
    assert "DEBUG mettl_async.session: GET" in result.stderr


def test_debug_after_demo_logs_requests(tmp_path: Path) -> None:
    out = str(tmp_path / "d.jsonl")
    result = cli(
        "demo", "--api", "certicheck", "--applicants", "20", "--faults", "0", "--out", out, "--debug"
    )
    assert result.exit_code == 0, result.output
    assert "DEBUG mettl_async.session: GET" in result.stderr


def test_debug_after_itep_fulfill_logs_the_request(itep_sandbox: SandboxThread) -> None:
    from mettl_async.testing.itep import FULFILLMENT_PATH, ItepSandbox

    config = itep_sandbox.get(ItepSandbox).config
    env = {"ITEP_FULFILLMENT_URL": itep_sandbox.base_url + FULFILLMENT_PATH, "ITEP_API_KEY": config.api_key}
    result = cli("itep", "fulfill", "GTX-Business", "--debug", env=env)
    assert result.exit_code == 0, result.output
    assert "DEBUG mettl_async.session: POST" in result.stderr
    assert config.api_key not in result.output


def test_debug_after_sign_is_accepted() -> None:
    result = cli(
        "sign",
        "GET",
        "https://x.example/api",
        "--debug",
        env={"METTL_PRIVATE_KEY": "k", "METTL_PUBLIC_KEY": "p"},
    )
    assert result.exit_code == 0, result.output
    assert "string to sign:" in result.stdout
    assert any(type(h).__name__ == "_DebugHandler" for h in logging.getLogger("mettl_async").handlers)


@pytest.mark.parametrize(
    "args",
    [
        ["sandbox", "--port", "{port}", "--debug"],
        ["itep", "sandbox", "--port", "{port}", "--debug"],
        ["webhooks", "serve", "--port", "{port}", "--token", "t", "--out", "{out}", "--debug"],
        ["webhooks", "--debug", "serve", "--port", "{port}", "--token", "t", "--out", "{out}"],
        ["--debug", "sandbox", "--port", "{port}"],
    ],
)
def test_debug_after_a_server_command_shows_the_traceback(
    args: list[str], taken_port: int, tmp_path: Path
) -> None:
    filled = [a.format(port=taken_port, out=tmp_path / "w.jsonl") for a in args]
    result = cli(*filled)
    assert result.exit_code in (1, 2), result.output
    assert f"cannot listen on 127.0.0.1:{taken_port}" in result.stderr
    assert "Traceback (most recent call last)" in result.stderr  # what --debug adds
    without = cli(*[a for a in filled if a != "--debug"])
    assert "Traceback" not in without.stderr


# -- shell completion ----------------------------------------------------------------------------


def completion(env: dict[str, str]) -> str:
    code = "from mettl_async.cli import main; main(prog_name='mettl-async')"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        ("bash", "complete -o nosort -F _mettl_async_completion mettl-async"),
        ("zsh", "compdef _mettl_async_completion mettl-async"),
        ("fish", "complete --no-files --command mettl-async"),
    ],
)
def test_the_completion_script_is_produced(shell: str, expected: str) -> None:
    script = completion({"_METTL_ASYNC_COMPLETE": f"{shell}_source", "PATH": "/usr/bin:/bin"})
    assert expected in script
    assert "_METTL_ASYNC_COMPLETE" in script


def test_completion_completes_commands_kinds_and_options() -> None:
    def complete(words: str) -> list[str]:
        env = {
            "_METTL_ASYNC_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        }
        return completion(env).splitlines()

    assert complete("mettl-async har") == ["plain,harvest"]
    assert complete("mettl-async harvest proctorexam-s") == ["plain,proctorexam-sessions"]
    assert "plain,--debug" in complete("mettl-async harvest results --de")


# -- a missing credential names its flag and its variable ---------------------------------------

#: The settings without a default, per platform, and a kind of the platform to harvest.
REQUIRED = {
    "certicheck": ("tests", ["public_key", "private_key", "subdomain"]),
    "mettl_rest": ("assessments", ["public_key", "private_key"]),
    "proctorexam": (
        "proctorexam-exams",
        ["proctorexam_base_url", "proctorexam_api_token", "proctorexam_secret_key"],
    ),
}


def test_the_required_settings_cover_every_platform_harvested() -> None:
    platforms = {platform_of(k).name: platform_of(k) for k in kinds().values()}
    assert set(REQUIRED) == set(platforms) == {entry.name for entry in PLATFORMS if entry.kinds}
    for name, (kind, settings) in REQUIRED.items():
        assert platform_of(kinds()[kind]).name == name
        assert set(settings) <= {s.name for s in platforms[name].settings}


@pytest.mark.parametrize(
    ("platform_name", "missing"),
    [(p, s) for p, (_, settings) in REQUIRED.items() for s in settings],
)
def test_a_missing_setting_names_its_flag_and_its_variable(
    platform_name: str, missing: str, tmp_path: Path
) -> None:
    kind, required = REQUIRED[platform_name]
    settings = {s.name: s for s in platform_of(kinds()[kind]).settings}
    env = {
        settings[name].envvar or "": "https://x.example/api" if "url" in name else "given"
        for name in required
        if name != missing
    }
    result = cli("harvest", kind, "--out", str(tmp_path / "o.jsonl"), env=env)
    assert result.exit_code == 2, result.output
    line = result.stderr.strip()
    assert line.startswith("mettl-async: configuration: missing")
    setting = settings[missing]
    assert setting.option in line
    assert f"${setting.envvar}" in line
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize("missing", ["url", "api_key"])
def test_itep_fulfill_names_flag_and_variable(missing: str) -> None:
    from mettl_async.itep.harvest import SETTINGS

    settings = {s.name: s for s in SETTINGS}
    given = {"url": "https://x.example/fulfill", "api_key": "key"}
    env = {settings[name].envvar or "": value for name, value in given.items() if name != missing}
    result = cli("itep", "fulfill", "GTX-Business", env=env)
    assert result.exit_code == 2
    assert settings[missing].option in result.stderr
    assert f"${settings[missing].envvar}" in result.stderr


def test_webhooks_serve_names_flag_and_variable(tmp_path: Path) -> None:
    serve = cli("webhooks", "serve", "--out", str(tmp_path / "w.jsonl"))
    assert serve.exit_code == 2
    assert "--token" in serve.stderr
    assert "$METTL_WEBHOOK_TOKEN" in serve.stderr


# -- --version, and what --help and --version load -----------------------------------------------


def test_version_names_the_package_and_python() -> None:
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"mettl-async {__version__} (Python {platform.python_version()})\n"


LOADED = """
import sys
from mettl_async.cli import main
try:
    main({args!r}, prog_name="mettl-async")
except SystemExit as stop:
    assert stop.code in (0, None), stop.code
heavy = sorted({{name.split(".")[0] for name in sys.modules}} & {{"aiohttp", "rich", "yarl", "multidict"}})
print("LOADED", ",".join(heavy))
"""


@pytest.mark.parametrize(
    "args",
    [["--version"], ["--help"], ["harvest", "--help"], ["webhooks", "serve", "--help"], ["itep", "--help"]],
)
def test_help_and_version_load_neither_aiohttp_nor_rich(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOADED.format(args=args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "LOADED "


def test_the_library_never_loads_rich() -> None:
    code = (
        "import sys, mettl_async, mettl_async.harvest.runner, mettl_async.harvest.progress, "
        "mettl_async.certicheck.client, mettl_async.proctorexam.client, mettl_async.mettl_rest.client, "
        "mettl_async.itep.client, mettl_async.core.telemetry\n"
        "print('rich' in sys.modules, 'aiohttp' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["False", "True"]
    bare = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, mettl_async; print(sorted(m for m in ('aiohttp', 'rich') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert bare.stdout.strip() == "[]"
    importers = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "mettl_async").rglob("*.py")
        if "cli" not in path.relative_to(ROOT / "mettl_async").parts
        and any(line.startswith(("import rich", "from rich")) for line in path.read_text().splitlines())
    ]
    assert importers == []


# -- promises of --help and --quiet ----------------------------------------------------------------


def test_harvest_help_lists_every_column_of_every_kind_unbroken() -> None:
    text = cli("harvest", "--help").stdout
    words = set(re.findall(r"[\w-]+", text))
    for kind in kinds().values():
        assert kind.name in words, kind.name  # never cut at a hyphen
        assert f"Table {kind.table}, key {', '.join(kind.key)};" in " ".join(text.split())
        missing = [column for column in kind.columns if column not in words]
        assert not missing, f"{kind.name}: {missing}"
    assert cli("harvest", "--help").stdout.startswith("Usage: mettl-async harvest [OPTIONS] KIND\n")


def test_quiet_shows_nothing_on_success(certicheck_sandbox_factory: StartSandbox, tmp_path: Path) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=5))
    out = tmp_path / "t.jsonl"
    result = cli("harvest", "tests", "--out", str(out), "--quiet", env=sandbox.exports())
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("", "")
    assert out.read_bytes()


# -- mistakes on the command line ------------------------------------------------------------------


def test_a_mistyped_kind_gets_the_closest_one_and_no_usage_line() -> None:
    result = cli("harvest", "result", "--out", "x.jsonl")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: Invalid value for 'KIND': 'result'; did you mean 'results'? (the choices: "
        + ", ".join(kinds())
        + ")",
        "Try 'mettl-async harvest --help' for help.",
    ]


def test_an_option_error_is_two_lines_without_the_usage() -> None:
    result = cli("harvest", "tests", "--out", "x.jsonl", "--page-size", "x")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "Error: Invalid value for '--page-size': 'x' is not a valid integer range.",
        "Try 'mettl-async harvest --help' for help.",
    ]


def test_errors_name_the_options_typed(certicheck_sandbox_factory: StartSandbox, tmp_path: Path) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=5))
    env = sandbox.exports()
    out = str(tmp_path / "t.jsonl")
    too_big = cli("harvest", "tests", "--out", out, "--page-size", "1000", env=env)
    assert too_big.stderr == "mettl-async: invalid --page-size: must be an integer from 1 to 500, got 1000\n"
    no_key = cli("harvest", "tests", "--out", out, env=env | {"METTL_PRIVATE_KEY": ""})
    assert no_key.stderr == "mettl-async: configuration: missing --private-key (or $METTL_PRIVATE_KEY)\n"
    no_token = cli("harvest", "proctorexam-exams", "--out", out, env={"PROCTOREXAM_TENANT": "acme"})
    assert "missing --proctorexam-api-token (or $PROCTOREXAM_API_TOKEN)" in no_token.stderr
    assert [r.exit_code for r in (too_big, no_key, no_token)] == [2, 2, 2]
