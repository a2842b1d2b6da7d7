"""What the Mettl REST tests share: a fast retry policy, sandboxes of a chosen shape, lookups, and
the command run in-process with a sandbox's credentials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from click.testing import CliRunner, Result

from mettl_async import MettlClient, RetryPolicy
from mettl_async.cli import main
from mettl_async.testing import RecordedRequest, SandboxThread
from mettl_async.testing.mettl_rest import MettlRestConfig, MettlRestSandbox

FAST = RetryPolicy(backoff_initial=0.0, backoff_max=0.2, jitter=0.0)
StartRest = Callable[..., SandboxThread]
SMALL = MettlRestConfig(candidates=40)


def start(factory: StartRest, **overrides: Any) -> SandboxThread:
    """A REST sandbox with 40 candidates unless told otherwise."""
    return factory(attrs.evolve(SMALL, **overrides))


def platform(thread: SandboxThread) -> MettlRestSandbox:
    sandbox = thread.sandbox
    assert isinstance(sandbox, MettlRestSandbox)
    return sandbox


def client(thread: SandboxThread, **kwargs: Any) -> MettlClient:
    made: MettlClient = thread.client(**{"retry": FAST, **kwargs})
    return made


def seen(thread: SandboxThread, fragment: str = "") -> list[RecordedRequest]:
    """The requests the sandbox received whose path holds ``fragment``."""
    return [r for r in platform(thread).requests if fragment in r.raw_path]


def biggest_schedule(thread: SandboxThread) -> str:
    world = platform(thread).world
    return max(world.schedules, key=lambda key: len(world.schedules[key].candidates))


def candidates_with(thread: SandboxThread, key: str, status: str) -> list[str]:
    return [c.email for c in platform(thread).world.schedules[key].candidates.values() if c.status == status]


def env_for(sandbox: SandboxThread) -> dict[str, str]:
    config = platform(sandbox).config
    return {
        "METTL_PUBLIC_KEY": config.public_key,
        "METTL_PRIVATE_KEY": config.private_key,
        "METTL_API_BASE_URL": sandbox.base_url,
        "METTL_API_VERSION": "",
    }


def cli(sandbox: SandboxThread | None, *args: str, env: dict[str, str] | None = None) -> Result:
    environment = (env_for(sandbox) if sandbox else {}) | (env or {})
    return CliRunner().invoke(main, list(args), env=environment, catch_exceptions=False)
