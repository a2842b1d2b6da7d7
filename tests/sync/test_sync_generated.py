"""The synchronous clients are generated from the async source and must stay so; the README's
"Synchronous use" examples run against the sandbox."""

from __future__ import annotations

import inspect
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mettl_async.core.paginator import Paginator
from mettl_async.core.service import Service
from mettl_async.sync import (
    CertiCheckClient,
    ItepClient,
    MettlClient,
    ProctorExamClient,
    SyncClient,
    SyncService,
)
from mettl_async.testing import SandboxThread
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig
from tests.conftest import missing_server
from tools.syncgen import generate
from tools.syncgen.layout import installed_ruff, pinned_ruff
from tools.syncgen.source import GenerationError, public_methods

SECTION = Path(__file__).resolve().parents[2] / "docs" / "readme-sync.md"


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    """Every generated module's text, generated once for the module's tests (each generation runs
    ruff a dozen times, some seconds)."""
    if installed_ruff() != pinned_ruff():
        missing_server(f"ruff {pinned_ruff()} (pip install -r requirements/ruff.txt)")
    return generate.generate_all()


def test_the_generated_modules_are_current(generated: dict[str, str]) -> None:
    written = generated
    on_disk = {path.name for path in generate.HOME.glob("_*.py")} - {"__init__.py"}
    assert set(written) == on_disk, "a generated module is missing, or one is left that nothing writes"
    for name, text in written.items():
        assert (generate.HOME / name).read_text(encoding="utf-8") == text, (
            f"mettl_async/sync/{name} is out of date: run python -m tools.syncgen"
        )


def test_check_finds_a_stale_module_and_generating_fixes_it(
    generated: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for path in generate.HOME.glob("_*.py"):
        shutil.copy(path, tmp_path)
    monkeypatch.setattr(generate, "OUT", tmp_path)
    # the generation itself is the other test's; this one proves what --check and a write do with it
    monkeypatch.setattr(generate, "generate_all", lambda: generated)
    assert generate.main(["--check"]) == 0
    stale = tmp_path / "_itep_fulfillment.py"
    stale.write_text(
        stale.read_text(encoding="utf-8").replace("def fulfill(", "def fulfil("), encoding="utf-8"
    )
    assert generate.main(["--check"]) == 1
    assert "_itep_fulfillment.py" in capsys.readouterr().err
    assert generate.main([]) == 0
    assert generate.main(["--check"]) == 0
    assert "def fulfill(" in stale.read_text(encoding="utf-8")


def test_no_generated_module_is_over_400_lines() -> None:
    for path in generate.HOME.glob("_*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name


class PeekService(Service):
    """A service with a method that is neither a coroutine nor a paginator."""

    def peek(self) -> int:
        return 1


class ListService(Service):
    """A service the generator knows how to wrap."""

    async def get(self, item_id: int, *, fresh: bool = False) -> str:
        """One item."""
        return str(item_id)

    def all(self, *, page_size: int | None = None) -> Paginator[str]:
        raise NotImplementedError

    async def _hidden(self) -> None:
        """Private: not wrapped."""


def test_an_unknown_kind_of_method_stops_the_generator() -> None:
    with pytest.raises(GenerationError, match="neither a coroutine nor returns a Paginator"):
        list(public_methods(PeekService, Service))


def test_methods_keep_their_signature_text() -> None:
    methods = {method.name: method for _, method in public_methods(ListService, Service)}
    assert set(methods) == {"get", "all"}
    assert [p.text for p in methods["get"].params] == ["item_id: int", "*", "fresh: bool = False"]
    assert (methods["get"].kind, methods["all"].kind) == ("call", "paginate")
    assert methods["get"].docstring == '"""One item."""'
    assert methods["all"].returns == "Paginator[str]"


def python_blocks(markdown: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL)


def test_the_readme_section_runs_against_the_sandbox(
    certicheck_sandbox_factory: Callable[..., SandboxThread], tmp_path: Path
) -> None:
    sandbox = certicheck_sandbox_factory(SandboxConfig(applicants=60))
    config = sandbox.get(CertiCheckSandbox).config
    env = os.environ | {
        "METTL_PUBLIC_KEY": config.public_key,
        "METTL_PRIVATE_KEY": config.private_key,
        "METTL_SUBDOMAIN": config.subdomain,
        "METTL_BASE_URL": sandbox.base_url,
    }
    blocks = python_blocks(SECTION.read_text(encoding="utf-8"))
    assert len(blocks) == 2
    outputs = []
    for index, block in enumerate(blocks):
        script = tmp_path / f"block{index}.py"
        script.write_text(block, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-W", "default", str(script)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert (done.returncode, done.stderr) == (0, ""), block
        outputs.append(done.stdout.splitlines())
    assert len(outputs[0]) == 10 + 50  # the first page of tests (10 published), 50 results
    assert outputs[1][:2] == ["9 9", "E001 Invalid Assessment Id"]
    assert re.fullmatch(r"[23] requests", outputs[1][2])  # 2 when both lists fall in one second


def public_signatures(service: object) -> dict[str, list[str]]:
    return {
        name: list(inspect.signature(getattr(service, name)).parameters)
        for name in dir(service)
        if not name.startswith("_") and callable(getattr(service, name))
    }


def test_every_service_method_has_its_synchronous_twin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITEP_FULFILLMENT_URL", "https://itep.invalid/fulfill")
    clients: list[SyncClient[Any]] = [
        CertiCheckClient("pk", "sk", "acme"),
        MettlClient("pk", "sk"),
        ProctorExamClient("token", "secret", tenant="acme"),
        ItepClient("key"),
    ]
    for client in clients:
        services = {name: value for name, value in vars(client).items() if isinstance(value, SyncService)}
        assert services
        assert services.keys() == {
            name for name, value in vars(client._aio).items() if isinstance(value, Service)
        }
        for name, service in services.items():
            assert public_signatures(service) == public_signatures(getattr(client._aio, name)), name
        assert list(inspect.signature(type(client)).parameters) == [
            p for p in inspect.signature(type(client._aio)).parameters if p != "http"
        ]
        client.close()
