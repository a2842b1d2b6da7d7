"""Server text reaches a terminal with its control characters shown, never obeyed: an E-code
message holding ``ESC ]0;PWNED BEL CR`` would retitle the window and, with the carriage
return, overwrite "API error" with whatever the server wrote after it."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from aiohttp import web
from click.testing import CliRunner

from mettl_async import CertiCheckClient, MettlError
from mettl_async.cli import main
from mettl_async.cli.common import configure_logging
from mettl_async.cli.progress import PlainProgress
from mettl_async.core.printable import printable
from mettl_async.core.telemetry import RetryScheduled
from tests.support.loopback import serving, serving_in_thread

HOSTILE = "\x1b]0;PWNED\x07\rharvested 3,000 records"
SHOWN = "\\x1b]0;PWNED\\x07\\rharvested 3,000 records"
#: What no line shown to a person may hold: C0 and C1 controls but the line end, DEL, bidi controls.
CONTROLS = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0), 0x202E, 0x2066, 0x2028) if c != 0x0A]


def obeyable(text: str) -> list[str]:
    return [c for c in CONTROLS if c in text]


async def e_code_with_escapes(request: web.Request) -> web.Response:
    return web.json_response({"status": "ERROR", "error": {"code": "E999", "message": HOSTILE}})


def test_controls_are_written_as_escapes() -> None:
    assert printable("a\x1bb\x07c\rd\ne\tf\x7fg\x9bh") == "a\\x1bb\\x07c\\rd\\ne\\tf\\x7fg\\x9bh"
    assert printable("abc\u202edcba\u2066x\u2069\u2028") == "abc\\u202edcba\\u2066x\\u2069\\u2028"
    assert printable("naïve — café 😀 \\x1b") == "naïve — café 😀 \\x1b"  # text is left alone
    assert printable(printable(HOSTILE)) == printable(HOSTILE) == SHOWN


async def test_an_e_code_message_is_escaped_in_the_exception() -> None:
    async with (
        serving(e_code_with_escapes) as url,
        CertiCheckClient("pk", "sk", "sub", base_url=url + "/api/v2") as client,
    ):
        with pytest.raises(MettlError) as caught:
            await client.tests.list().to_list()
    assert str(caught.value) == f"E999: {SHOWN}"
    assert caught.value.message == SHOWN  # type: ignore[attr-defined]
    assert not obeyable(str(caught.value))


def test_the_command_prints_server_text_escaped(tmp_path: Path) -> None:
    with serving_in_thread(e_code_with_escapes) as url:
        env = {
            "METTL_PUBLIC_KEY": "pk",
            "METTL_PRIVATE_KEY": "sk",
            "METTL_SUBDOMAIN": "sub",
            "METTL_BASE_URL": url + "/api/v2",
        }
        args = ["harvest", "tests", "--out", str(tmp_path / "t.jsonl"), "--quiet"]
        result = CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr == f"mettl-async: API error E999: {SHOWN}\n"


def test_debug_log_lines_are_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(True)
    try:
        logging.getLogger("mettl_async.session").warning("next link %s", "https://h/\x1b[2J\u202e")
    finally:
        configure_logging(False)
    err = capsys.readouterr().err
    assert err.endswith("next link https://h/\\x1b[2J\\u202e\n")
    assert not obeyable(err.rstrip("\n"))


def test_the_progress_line_is_escaped() -> None:
    stream = io.StringIO()
    progress = PlainProgress(stream, every=0.0)
    error = RuntimeError(HOSTILE)  # not the library's: its text is escaped where it is shown
    progress.on_event(RetryScheduled("GET", "https://h/tests", 1, 30.0, 0.0, error))
    progress.update(force=True)
    assert SHOWN in stream.getvalue()
    assert not obeyable(stream.getvalue().replace("\n", ""))
