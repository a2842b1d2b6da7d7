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
