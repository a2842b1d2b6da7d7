"""Helpers for the onboarding tests: input files, the command against a sandbox, the report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from click.testing import CliRunner, Result

from mettl_async.cli import main
from mettl_async.testing import SandboxThread


def environment(sandbox: SandboxThread) -> dict[str, str]:
    """What points the command at every platform the sandbox thread hosts."""
    env: dict[str, str] = {"METTL_ACCOUNT": ""}
    for hosted in sandbox.server.platforms:
        env |= hosted.exports(sandbox.base_url_of(hosted))
    return env


def onboard(sandbox: SandboxThread, *args: str) -> Result:
    """``mettl-async onboard ARGS`` in this process, pointed at the sandbox."""
    return CliRunner().invoke(main, ["onboard", *args], env=environment(sandbox), catch_exceptions=False)


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    separator: str = ",",
    bom: bool = False,
) -> Path:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(("\ufeff" if bom else "") + out.getvalue(), encoding="utf-8", newline="")
    return path


def read_report(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def outcomes(path: Path) -> Mapping[str, str]:
    """The report's outcome by e-mail address."""
    return {row["email"]: row["outcome"] for row in read_report(path)}
