"""What the CLI does to its own process while a command runs (never done by the library)."""

from __future__ import annotations

import gc

import pytest

from mettl_async.cli.common import run


def test_a_command_runs_with_what_it_imported_left_out_of_the_collector_s_passes() -> None:
    frozen: list[int] = []

    async def command() -> int:
        frozen.append(gc.get_freeze_count())
        return 0

    with pytest.raises(SystemExit) as ended:
        run(command, debug=False)
    assert ended.value.code == 0
    assert len(frozen) == 1
    assert frozen[0] > 10_000  # the modules' objects, in the permanent generation meanwhile
    assert gc.get_freeze_count() == 0  # and back once the command is over (a CliRunner's process)


def test_a_failing_command_leaves_the_collector_as_it_found_it() -> None:
    async def command() -> int:
        raise OSError(28, "No space left on device")

    with pytest.raises(SystemExit) as ended:
        run(command, debug=False)
    assert ended.value.code != 0
    assert gc.get_freeze_count() == 0


def test_what_else_failed_is_said_after_the_error(capsys: pytest.CaptureFixture[str]) -> None:
    async def command() -> int:
        error = OSError(5, "Input/output error")
        error.add_note("closing the output failed too: HarvestError: ak=SECRETKEY1234 full\x1b[2J")
        raise error

    with pytest.raises(SystemExit):
        run(command, debug=False)
    said = capsys.readouterr().err
    assert said.startswith("mettl-async: Input/output error; closing the output failed too: HarvestError: ")
    assert "SECRETKEY1234" not in said  # masked, as the error's own text is
    assert "\x1b" not in said  # and printable
