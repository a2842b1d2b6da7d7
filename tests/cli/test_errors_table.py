"""The README's "Errors" table says, for each failure a newcomer can meet, the command's exact
message and exit status: each row is provoked here, against a sandbox or a server that
misbehaves in that one way, and its message and status compared.

The table is the list: a row without a scenario here, or a scenario without a row, fails. In a
message, ``…`` stands for any text, and ``127.0.0.1:8181`` for the address of the server used.
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme
from aiohttp import web
from click.testing import CliRunner, Result

from mettl_async.cli import main
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import SandboxConfig
from tests.support.loopback import serving_in_thread
from tests.support.readme_output import line_pattern

README = Path(__file__).resolve().parents[2] / "README.md"
HEADER = "| what went wrong | what the command says | exit status |"
SHOWN_ADDRESS = "127.0.0.1:8181"


def table() -> dict[str, tuple[str, int]]:
    """The README's rows: what went wrong -> (message, exit status)."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2
    rows = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        assert len(cells) == 3, line
        what, message, status = cells
        rows[what] = (message.strip("`"), int(status))
    return rows


Run = Callable[[Path], tuple[Result, str]]


def harvest(sandbox: SandboxThread, tmp_path: Path, *args: str, **env: str) -> Result:
    config = sandbox.sandbox.config
    environment = {
        "METTL_PUBLIC_KEY": config.public_key,
        "METTL_PRIVATE_KEY": config.private_key,
        "METTL_SUBDOMAIN": config.subdomain,
        "METTL_BASE_URL": sandbox.base_url,
        "METTL_ACCOUNT": "",
    } | env
    out = str(tmp_path / "out.jsonl")
    return CliRunner().invoke(main, ["harvest", *args, "--out", out], env=environment, catch_exceptions=False)


@pytest.fixture
def sandbox(certicheck_sandbox_factory: Callable[..., SandboxThread]) -> SandboxThread:
    return certicheck_sandbox_factory(SandboxConfig(applicants=30))


def address(url: str) -> str:
    return re.search(r"//([^/]+)", url).group(1)  # type: ignore[union-attr]


@pytest.fixture
def closed_url(closed_port: int) -> str:
    return f"http://127.0.0.1:{closed_port}/api/v2"


def no_date_server() -> Iterator[str]:
    async def refuse(request: web.Request) -> web.Response:
        refused = b'{"status":"ERROR","error":{"code":"E504","message":"Invalid Timestamp"}}'
        response = web.Response(body=refused)
        response.headers["Date"] = ""  # aiohttp adds one otherwise
        return response

    with serving_in_thread(refuse) as url:
        yield url + "/api/v2"


def scenarios(
    sandbox: SandboxThread, tmp_path: Path, closed_url: str, factory: Callable[..., SandboxThread]
) -> dict[str, Callable[[], tuple[Result, str]]]:
    """How to provoke each row: the command's result, and the address its message names."""

    def here() -> str:
        return address(sandbox.base_url)

    def wrong_path() -> tuple[Result, str]:
        return harvest(
            sandbox, tmp_path, "tests", METTL_BASE_URL=sandbox.base_url.replace("v2", "v3")
        ), here()

    def wrong_scheme() -> tuple[Result, str]:
        https = sandbox.base_url.replace("http:", "https:")
        return harvest(sandbox, tmp_path, "tests", METTL_BASE_URL=https), here()

    def refused() -> tuple[Result, str]:
        # the row's 9 s are the default policy's five attempts; the last says the same after two
        return harvest(sandbox, tmp_path, "tests", "--attempts", "2", METTL_BASE_URL=closed_url), address(
            closed_url
        )

    def untrusted() -> tuple[Result, str]:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        trustme.CA().issue_cert("127.0.0.1").configure_cert(context)

        async def never_reached(request: web.Request) -> web.Response:
            return web.Response(status=500)

        with serving_in_thread(never_reached, context) as url:
            return harvest(sandbox, tmp_path, "tests", METTL_BASE_URL=url + "/api/v2"), address(url)

    def wrong_key() -> tuple[Result, str]:
        return harvest(sandbox, tmp_path, "tests", METTL_PRIVATE_KEY="not-the-key"), here()

    def missing_key() -> tuple[Result, str]:
        return harvest(sandbox, tmp_path, "tests", METTL_PRIVATE_KEY=""), here()

    def clock() -> tuple[Result, str]:
        skewed = factory(SandboxConfig(applicants=5, clock=lambda: time.time() + 3 * 86400))
        return harvest(skewed, tmp_path, "tests"), here()

    def clock_without_date() -> tuple[Result, str]:
        server = no_date_server()
        url = next(server)
        try:
            return harvest(sandbox, tmp_path, "tests", METTL_BASE_URL=url), address(url)
        finally:
            server.close()

    def throttled() -> tuple[Result, str]:
        limited = factory(SandboxConfig(applicants=20, rate=20, burst=1))
        return harvest(limited, tmp_path, "results", "--page-size", "2"), here()

    def mistyped_kind() -> tuple[Result, str]:
        return harvest(sandbox, tmp_path, "result"), here()

    def bad_value() -> tuple[Result, str]:
        return harvest(sandbox, tmp_path, "tests", "--page-size", "1000"), here()

    return {
        "a wrong base URL (no such path there)": wrong_path,
        "`https://` to a server that speaks plain HTTP": wrong_scheme,
        "nothing listens on the port (after retrying for some 9 s)": refused,
        "a certificate no authority you trust signed": untrusted,
        "a wrong key": wrong_key,
        "a missing key": missing_key,
        "the local clock more than a day off": clock,
        "… and the server sends no `Date` to correct it from": clock_without_date,
        "the server says 429 (too many requests)": throttled,
        "a mistyped kind": mistyped_kind,
        "an option's value out of range": bad_value,
    }


ROWS = table()


def test_every_row_has_a_scenario_and_every_scenario_a_row(tmp_path: Path) -> None:
    made = scenarios(None, tmp_path, "", lambda *a, **k: None)  # type: ignore[arg-type]
    assert set(ROWS) == set(made)


@pytest.mark.parametrize("what", list(ROWS))
def test_the_row_says_what_the_command_says(
    what: str,
    sandbox: SandboxThread,
    tmp_path: Path,
    closed_url: str,
    certicheck_sandbox_factory: Callable[..., SandboxThread],
) -> None:
    message, status = ROWS[what]
    result, shown = scenarios(sandbox, tmp_path, closed_url, certicheck_sandbox_factory)[what]()
    assert result.exit_code == status, result.output
    lines = [line.strip() for line in result.stderr.splitlines()]
    if message.startswith("(") and message.endswith(")"):  # what happens instead of a message
        assert not any(line.startswith("mettl-async:") for line in lines), result.stderr
        return
    wanted = line_pattern(message.replace(SHOWN_ADDRESS, shown))
    assert any(wanted.fullmatch(line) for line in lines), f"{message!r} not in:\n{result.stderr}"
