"""``mettl-async sandbox`` (serve the sandboxes) and ``mettl-async demo`` (harvests against them)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click

from ..certicheck.config import ENV_BASE_URL, ENV_SUBDOMAIN
from ..mettl_rest.config import ENV_API_BASE_URL
from ..mettlfamily.signing import ENV_PRIVATE_KEY, ENV_PUBLIC_KEY
from .common import debug_option, is_debug, run

APIS = ("certicheck", "mettl", "proctorexam", "both", "all")


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
    """Serve the sandbox APIs in the foreground (Ctrl-C stops them): CertiCHECK v2, the Mettl
    REST API (v1, v2, v3) and ProctorExam v3 (--applicants is also the number of candidates and
    of student sessions). iTEP's sandbox posts webhooks: see mettl-async itep sandbox."""
    from ..proctorexam.config import ENV_API_TOKEN, ENV_SECRET_KEY
    from ..proctorexam.config import ENV_BASE_URL as ENV_PROCTOREXAM_BASE_URL
    from ..testing import FaultConfig, SandboxServer
    from ..testing.certicheck import CertiCheckSandbox, SandboxConfig
    from ..testing.mettl_rest import MettlRestConfig, MettlRestSandbox
    from ..testing.proctorexam import ProctorExamSandbox, ProctorExamSandboxConfig

    fault_config = FaultConfig(rate=faults, seed=seed)
    config = SandboxConfig(applicants=applicants, seed=seed, rate=rate, faults=fault_config)
    rest = MettlRestSandbox(MettlRestConfig(candidates=applicants, seed=seed, rate=rate, faults=fault_config))
    proctoring = ProctorExamSandboxConfig(sessions=applicants, seed=seed, rate=rate, faults=fault_config)
    proctorexam = ProctorExamSandbox(proctoring)

    async def serve() -> int:
        async with SandboxServer(
            CertiCheckSandbox(config), rest, proctorexam, host=host, port=port
        ) as server:
            click.echo(f"Mettl sandbox at {server.base_url} ({applicants} applicants, faults {faults:.0%})")
            click.echo("Its demo credentials (for this sandbox only):")
            click.echo(f"  export {ENV_BASE_URL}={server.base_url}")
            click.echo(f"  export {ENV_PUBLIC_KEY}={config.public_key}")
            click.echo(f"  export {ENV_PRIVATE_KEY}={config.private_key}")
            click.echo(f"  export {ENV_SUBDOMAIN}={config.subdomain}")
            click.echo(f"  export {ENV_API_BASE_URL}={server.base_url_of(rest)}/v2")
            click.echo(
                f"Mettl REST API sandbox at {server.base_url_of(rest)}/v1, /v2 and /v3 "
                f"({len(rest.world.schedules)} schedules; --api-version picks the version)"
            )
            click.echo(
                f"ProctorExam sandbox at {server.base_url_of(proctorexam)} ({applicants} student sessions):"
            )
            click.echo(f"  export {ENV_PROCTOREXAM_BASE_URL}={server.base_url_of(proctorexam)}")
            click.echo(f"  export {ENV_API_TOKEN}={proctoring.api_token}")
            click.echo(f"  export {ENV_SECRET_KEY}={proctoring.secret_key}")
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
    type=click.Choice(APIS),
    default="all",
    show_default=True,
    help="Which API to show: CertiCHECK's results, the Mettl REST API's schedule results, ProctorExam's "
    "student sessions; both (the two Mettl APIs) or all three in turn.",
)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("mettl-demo.jsonl"),
    show_default=True,
    help="Output; with several APIs the others go beside it "
    "(mettl-demo-rest.jsonl, mettl-demo-proctorexam.jsonl).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@debug_option
@click.pass_context
def demo(ctx: click.Context, applicants: int, faults: float, api: str, out: Path, quiet: bool) -> None:
    """Harvest from in-process sandboxes, faults included: no keys, no network.

    \b
    certicheck: every applicant's results (CertiCHECK v2);
    mettl: every candidate of the largest schedule (Mettl REST API v2);
    proctorexam: every student session (ProctorExam v3, with its total and ETA);
    all (default): one after the other, then how to try iTEP's sandbox.
    """
    from ..core.retry import RetryPolicy
    from ..testing import FaultConfig

    fault_config = FaultConfig(rate=faults, seed=7, slow_seconds=0.2, retry_after=1.0)
    retry = RetryPolicy(backoff_initial=0.1, backoff_max=2.0, jitter=0.1)
    several = api in ("both", "all")
    rest_out = out.with_name(f"{out.stem}-rest{out.suffix}") if several else out
    proctorexam_out = out.with_name(f"{out.stem}-proctorexam{out.suffix}") if several else out

    async def go() -> int:
        if api in ("certicheck", "both", "all"):
            await _demo_certicheck(applicants, faults, fault_config, retry, out, quiet)
        if api in ("mettl", "both", "all"):
            await _demo_rest(applicants, faults, fault_config, retry, rest_out, quiet)
        if api in ("proctorexam", "all"):
            await _demo_proctorexam(applicants, faults, fault_config, retry, proctorexam_out, quiet)
        if api == "all":
            click.echo(
                "iTEP: mettl-async webhooks serve --out itep.sqlite --token T & mettl-async itep sandbox "
                "--webhook-url 'http://127.0.0.1:8090/itep?token=T' --complete-after 2, then "
                "mettl-async itep fulfill GTX-Academic-Plus --track RC (see README, iTEP)"
            )
        return 0

    run(go, debug=is_debug(ctx))


async def _demo_certicheck(
    applicants: int, faults: float, fault_config: Any, retry: Any, out: Path, quiet: bool
) -> None:
    from ..testing.certicheck import CertiCheckSandbox, SandboxConfig

    platform = CertiCheckSandbox(SandboxConfig(applicants=applicants, faults=fault_config))
    headline = f"{applicants:,} applicants, {faults:.0%} of requests fail"
    await _demo_harvest(platform, "CertiCHECK", "", headline, "results", {}, retry, out, quiet)


async def _demo_rest(
    candidates: int, faults: float, fault_config: Any, retry: Any, out: Path, quiet: bool
) -> None:
    from ..testing.mettl_rest import MettlRestConfig, MettlRestSandbox

    platform = MettlRestSandbox(MettlRestConfig(candidates=candidates, faults=fault_config))
    key, schedule = max(platform.world.schedules.items(), key=lambda item: len(item[1].candidates))
    headline = f"schedule {key} has {len(schedule.candidates):,} candidates, {faults:.0%} of requests fail"
    await _demo_harvest(
        platform, "Mettl REST API", "/v2", headline, "schedule-results", {"schedule": key}, retry, out, quiet
    )


async def _demo_proctorexam(
    sessions: int, faults: float, fault_config: Any, retry: Any, out: Path, quiet: bool
) -> None:
    from ..testing.proctorexam import ProctorExamSandbox, ProctorExamSandboxConfig

    platform = ProctorExamSandbox(ProctorExamSandboxConfig(sessions=sessions, faults=fault_config))
    headline = f"{sessions:,} student sessions, {faults:.0%} fail"
    await _demo_harvest(platform, "ProctorExam", "", headline, "proctorexam-sessions", {}, retry, out, quiet)


async def _demo_harvest(
    platform: Any,
    title: str,
    path: str,
    headline: str,
    kind: str,
    filters: dict[str, Any],
    retry: Any,
    out: Path,
    quiet: bool,
) -> None:
    """Serve ``platform``, harvest ``kind`` from it to ``out`` and say which faults it injected."""
    from ..harvest.kinds import kinds
    from ..testing import SandboxServer
    from .harvest import harvest_to

    async with SandboxServer(platform) as server:
        click.echo(f"{title} sandbox at {server.base_url}{path}: {headline}")
        async with server.client(concurrency=4, retry=retry) as client:
            await harvest_to(
                client,
                kinds()[kind],
                filters,
                out,
                "jsonl",
                resume=False,
                restart=True,
                page_size=None,
                quiet=quiet,
            )
        injected = {k.value: v for k, v in platform.faults.injected.items() if v}
        click.echo(f"faults the sandbox injected: {injected or 'none'}")
