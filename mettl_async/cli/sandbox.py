"""``mettl-async sandbox`` (serve the sandboxes) and ``mettl-async demo`` (a harvest against one)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from ..certicheck.config import ENV_BASE_URL, ENV_SUBDOMAIN
from ..mettl.signing import ENV_PRIVATE_KEY, ENV_PUBLIC_KEY
from .common import debug_option, is_debug, run


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
    """Serve the sandbox APIs in the foreground (Ctrl-C stops them)."""
    from ..certicheck.sandbox import CertiCheckSandbox, SandboxConfig
    from ..sandbox import FaultConfig, SandboxServer

    config = SandboxConfig(
        applicants=applicants, seed=seed, rate=rate, faults=FaultConfig(rate=faults, seed=seed)
    )

    async def serve() -> int:
        async with SandboxServer(CertiCheckSandbox(config), host=host, port=port) as server:
            click.echo(f"Mettl sandbox at {server.base_url} ({applicants} applicants, faults {faults:.0%})")
            click.echo("Its demo credentials (for this sandbox only):")
            click.echo(f"  export {ENV_BASE_URL}={server.base_url}")
            click.echo(f"  export {ENV_PUBLIC_KEY}={config.public_key}")
            click.echo(f"  export {ENV_PRIVATE_KEY}={config.private_key}")
            click.echo(f"  export {ENV_SUBDOMAIN}={config.subdomain}")
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
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("mettl-demo.jsonl"),
    show_default=True,
)
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@debug_option
@click.pass_context
def demo(ctx: click.Context, applicants: int, faults: float, out: Path, quiet: bool) -> None:
    """Harvest all results from an in-process sandbox, faults included: no keys, no network."""
    from ..certicheck.sandbox import CertiCheckSandbox, SandboxConfig
    from ..harvest.kinds import kinds
    from ..retry import RetryPolicy
    from ..sandbox import FaultConfig, SandboxServer
    from .harvest import harvest_to

    fault_config = FaultConfig(rate=faults, seed=7, slow_seconds=0.2, retry_after=1.0)
    platform = CertiCheckSandbox(SandboxConfig(applicants=applicants, faults=fault_config))

    async def go() -> int:
        async with SandboxServer(platform) as server:
            click.echo(
                f"sandbox at {server.base_url}: {applicants:,} applicants, {faults:.0%} of requests fail"
            )
            retry = RetryPolicy(backoff_initial=0.1, backoff_max=2.0, jitter=0.1)
            async with server.client(concurrency=4, retry=retry) as client:
                await harvest_to(
                    client,
                    kinds()["results"],
                    {},
                    out,
                    "jsonl",
                    resume=False,
                    restart=True,
                    page_size=None,
                    quiet=quiet,
                )
            injected = {k.value: v for k, v in platform.faults.injected.items() if v}
            click.echo(f"faults the sandbox injected: {injected or 'none'}")
        return 0

    run(go, debug=is_debug(ctx))
