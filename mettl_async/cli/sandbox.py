"""``mettl-async sandbox`` (serve the sandboxes) and ``mettl-async demo`` (harvests against them)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from ..platforms import PLATFORMS, Platform, kinds
from .common import Choice, debug_option, is_debug, run

#: The platforms whose lists the sandbox serves (iTEP pushes: ``mettl-async itep sandbox``).
PULLED = tuple(entry for entry in PLATFORMS if entry.kinds)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0 picks a free port."
)
@click.option("--applicants", type=click.IntRange(min=0), default=2000, show_default=True)
@click.option(
    "--faults",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of requests that meet a fault (E000, 5xx, dropped, slow, 429).",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    help="Server-side limit in requests per second; 429 above it.",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the data and the faults.")
@debug_option
@click.pass_context
def sandbox(
    ctx: click.Context, host: str, port: int, applicants: int, faults: float, rate: float | None, seed: int
) -> None:
    """Serve the sandboxes of every platform with lists to pull, on one port, in the foreground
    (Ctrl-C stops them); --applicants sizes each one's main list. iTEP's sandbox posts webhooks:
    see mettl-async itep sandbox."""
    from ..testing import FaultConfig, SandboxServer

    fault_config = FaultConfig(rate=faults, seed=seed)
    sandboxes = [
        entry.load_sandbox().sized(applicants, seed=seed, rate=rate, faults=fault_config) for entry in PULLED
    ]

    async def serve() -> int:
        async with SandboxServer(*sandboxes, host=host, port=port) as server:
            exports: dict[str, str] = {}
            for platform in sandboxes:
                where = server.base_url_of(platform)
                click.echo(f"{platform.describe(where)}, faults {faults:.0%}")
                exports.update(platform.exports(where))
            click.echo("Their demo credentials (for these sandboxes only):")
            for name, value in exports.items():
                click.echo(f"  export {name}={value}")
            click.echo("iTEP: mettl-async itep sandbox (it posts results to the webhook URL you give it)")
            await asyncio.Event().wait()
        return 0

    run(serve, debug=is_debug(ctx), interrupted=0)


@click.command()
@click.option("--applicants", type=click.IntRange(min=1), default=3000, show_default=True)
@click.option(
    "--faults",
    type=click.FloatRange(0, 1),
    default=0.03,
    show_default=True,
    help="Share of requests that meet a fault.",
)
@click.option(
    "--api",
    type=Choice([entry.name for entry in PULLED] + ["all"]),
    default="all",
    show_default=True,
    help="Which platform to show (its main list), or all of them in turn.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default="mettl-demo.jsonl",  # text: --help (and the reference) shows it as typed
    show_default=True,
    help="Output of the first platform; with several, the others go beside it "
    "(mettl-demo-mettl_rest.jsonl, mettl-demo-proctorexam.jsonl).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@debug_option
@click.pass_context
def demo(ctx: click.Context, applicants: int, faults: float, api: str, out: Path, quiet: bool) -> None:
    """Harvest each platform's main list from an in-process sandbox, faults included: no keys,
    no network. --api picks one platform; all (the default) runs them one after the other, then
    says how to try iTEP's sandbox."""
    from ..core.retry import RetryPolicy
    from ..testing import FaultConfig

    fault_config = FaultConfig(rate=faults, seed=7, slow_seconds=0.2, retry_after=1.0)
    retry = RetryPolicy(backoff_initial=0.1, backoff_max=2.0, jitter=0.1)
    chosen = [entry for entry in PULLED if api in (entry.name, "all")]

    async def go() -> int:
        for number, entry in enumerate(chosen):
            target = out if number == 0 else out.with_name(f"{out.stem}-{entry.name}{out.suffix}")
            sandbox = entry.load_sandbox().sized(applicants, faults=fault_config)
            await _demo_harvest(entry, sandbox, f"{faults:.0%} of requests fail", retry, target, quiet)
        if api == "all":
            click.echo("\n".join(itep_hint()))
        return 0

    run(go, debug=is_debug(ctx))


async def _demo_harvest(
    entry: Platform, sandbox: Any, faults: str, retry: Any, out: Path, quiet: bool
) -> None:
    """Serve ``sandbox``, harvest its demo list to ``out`` and say which faults it injected."""
    from ..core.options import ClientOptions
    from ..testing import SandboxServer
    from .harvest import harvest_to

    shown = sandbox.demo()
    async with SandboxServer(sandbox) as server:
        click.echo(f"{entry.title} sandbox at {server.base_url}: {shown.headline}, {faults}")
        options = ClientOptions(concurrency=4, retry=retry)
        async with server.client(options=options) as client:
            await harvest_to(
                client,
                kinds()[shown.kind],
                dict(shown.filters),
                out,
                "jsonl",
                resume=False,
                restart=True,
                page_size=None,
                quiet=quiet,
            )
        injected = {k.value: v for k, v in sandbox.faults.injected.items() if v}
        click.echo(f"faults the sandbox injected: {injected or 'none'}")


def itep_hint(receiver_port: int = 8090, sandbox_port: int = 8095, complete_after: float = 2) -> list[str]:
    """How to try iTEP's sandbox, as lines to paste into a shell (the servers in the background,
    the ``export`` lines ``fulfill`` needs); the README's iTEP section says the same at length."""
    from ..itep.config import ENV_API_KEY, ENV_FULFILLMENT_URL
    from ..testing.itep import FULFILLMENT_PATH, ItepSandbox, SandboxConfig

    sandbox_url = f"http://127.0.0.1:{sandbox_port}{ItepSandbox.prefix}{FULFILLMENT_PATH}"
    return [
        "iTEP's sandbox posts results to a webhook receiver; to try it, paste into a shell:",
        f"  mettl-async webhooks serve --port {receiver_port} --out itep.sqlite --token T &",
        f"  mettl-async itep sandbox --port {sandbox_port} --webhook-url "
        f"'http://127.0.0.1:{receiver_port}/itep?token=T' --complete-after {complete_after:g} &",
        f"  export {ENV_FULFILLMENT_URL}={sandbox_url} {ENV_API_KEY}={SandboxConfig().api_key}",
        "  mettl-async itep fulfill GTX-Academic-Plus --track RC",
    ]
