"""A fleet of sandbox accounts on one server, and the accounts file that names them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from mettl_async.platforms import platform
from mettl_async.testing import AccountsSandbox, SandboxThread
from mettl_async.testing.certicheck import CertiCheckSandbox
from mettl_async.testing.proctorexam import ProctorExamSandbox

Start = Callable[..., SandboxThread]
#: The kinds a fleet of CertiCHECK and ProctorExam accounts harvests: two for each account.
FLEET_KINDS = ("results", "tests", "proctorexam-sessions", "proctorexam-exams")


def fleet_server(
    start: Start,
    certicheck: Iterable[str],
    proctorexam: Iterable[str],
    *,
    records: int = 40,
    rate: float | None = None,
    burst: int | None = None,
) -> tuple[SandboxThread, dict[str, AccountsSandbox]]:
    """CertiCHECK and ProctorExam accounts served together (each its own data and limit)."""
    fleets = {
        "certicheck": AccountsSandbox.of(
            CertiCheckSandbox, certicheck, records=records, rate=rate, burst=burst
        ),
        "proctorexam": AccountsSandbox.of(
            ProctorExamSandbox, proctorexam, records=records, rate=rate, burst=burst
        ),
    }
    return start(*fleets.values()), fleets


def variable(label: str, keyword: str) -> str:
    return f"FLEET_{label.upper().replace('-', '_')}_{keyword.upper()}"


def accounts_file(
    path: Path,
    server: SandboxThread,
    fleets: Mapping[str, AccountsSandbox],
    env: dict[str, str],
    *,
    rate: float | None = None,
    wrong: Iterable[str] = (),
) -> Path:
    """Write ``path`` naming every account: non-secret settings written, secrets read from
    variables (set in ``env``); the accounts in ``wrong`` get a wrong secret."""
    wrong = set(wrong)
    tables = []
    for name, fleet in fleets.items():
        entry = platform(name)
        by_variable = {s.envvar: s for s in entry.settings if s.envvar}
        for label in fleet.accounts:
            lines = ["[[account]]", f'label = "{label}"', f'platform = "{name}"']
            if rate is not None:
                lines.append(f"rate = {rate}")
            for envvar, value in fleet.exports_of(label, server.base_url_of(fleet)).items():
                setting = by_variable[envvar]
                if setting.secret:
                    env[variable(label, setting.keyword)] = "wrong-secret" if label in wrong else value
                    lines.append(f'{setting.keyword}_env = "{variable(label, setting.keyword)}"')
                else:
                    lines.append(f'{setting.keyword} = "{value}"')
            tables.append("\n".join(lines))
    path.write_text("\n\n".join(tables) + "\n", encoding="utf-8")
    return path


def single_env(fleet: AccountsSandbox, label: str, server: SandboxThread) -> dict[str, str]:
    """The environment a single-account harvest of ``label`` reads."""
    return fleet.exports_of(label, server.base_url_of(fleet)) | {"METTL_ACCOUNT": label}
