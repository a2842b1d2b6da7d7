"""The ``mettl-async`` command: harvest, sandbox, demo, sign.

Exit statuses: 0 success; 1 an API or harvest error; 2 invalid parameter or
configuration; 3 authentication failed; 4 network unreachable or lost;
130 interrupted (what was fetched is kept; re-run with ``--resume``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import click

from ._version import __version__
from .certicheck import CertiCheckClient
from .errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    InputError,
    MettlError,
    PermissionDeniedError,
    SignatureExpiredError,
    TimestampError,
    TransportError,
)
from .harvest.kinds import KINDS
from .harvest.progress import Progress, count
from .harvest.runner import HarvestSummary, harvest_fingerprint, run_harvest, summarize
from .harvest.sinks import FORMATS, format_for, open_sink
from .retry import RetryPolicy
from .sandbox import FaultConfig, SandboxConfig, SandboxServer
from .session import ENV_BASE_URL, ENV_PRIVATE_KEY, ENV_PUBLIC_KEY, ENV_SUBDOMAIN
from .signing import Algorithm, encode_params, encode_value, sign, string_to_sign
from .wire import redact

EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_NETWORK, EXIT_INTERRUPTED = 1, 2, 3, 4, 130

log = logging.getLogger("mettl_async.cli")


def describe(error: BaseException) -> tuple[int, str]:
    """The exit status and one-line message for an error."""
    if isinstance(error, InputError):
        return EXIT_USAGE, f"invalid parameter {error.field}: {error.rule}"
    if isinstance(error, ConfigurationError):
        return EXIT_USAGE, f"configuration: {error}"
    if isinstance(error, TimestampError):
        return EXIT_AUTH, f"authentication failed (clock rejected even after correction): {error}"
    if isinstance(error, AuthenticationError | PermissionDeniedError | SignatureExpiredError):
        return EXIT_AUTH, f"authentication failed: {error}"
    if isinstance(error, ConnectError):
        return EXIT_NETWORK, f"network unreachable: {error}"
    if isinstance(error, TransportError):
        return EXIT_NETWORK, f"network error: {error}"
    if isinstance(error, ApiError):
        return EXIT_ERROR, f"API error {error}"
    if isinstance(error, MettlError):
        return EXIT_ERROR, str(error)
    return EXIT_ERROR, f"unexpected error: {type(error).__name__}: {redact(str(error))}"


def run(main: Callable[[], Awaitable[int]], *, debug: bool, interrupted: int = EXIT_INTERRUPTED) -> NoReturn:
    """Run a command's coroutine; SIGTERM cancels it like Ctrl-C; errors become one line.

    ``interrupted`` is the exit status after Ctrl-C or SIGTERM.
    """

    async def guarded() -> int:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        if task is not None:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signal.SIGTERM, task.cancel)
        return await main()

    try:
        code = asyncio.run(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        if interrupted:
            click.echo("mettl-async: interrupted", err=True)
        code = interrupted
    except Exception as error:
        if debug:
            traceback.print_exc()
        code, message = describe(error)
        click.echo(f"mettl-async: {message}", err=True)
    sys.exit(code)


class _DebugHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``--debug`` installs (one at a time, to the current stderr)."""


def _configure_logging(debug: bool) -> None:
    logger = logging.getLogger("mettl_async")
    for old in [h for h in logger.handlers if isinstance(h, _DebugHandler)]:
        logger.removeHandler(old)
    if not debug:
        return
    handler = _DebugHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--debug", is_flag=True, help="Log every request and retry to stderr; show tracebacks.")
@click.version_option(__version__, prog_name="mettl-async")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Harvest Mettl CertiCHECK data to files and databases, or try it on the built-in sandbox.

    Credentials come from the options or from METTL_PUBLIC_KEY, METTL_PRIVATE_KEY,
    METTL_SUBDOMAIN and METTL_BASE_URL; keys are never printed.
    """
    ctx.obj = {"debug": debug}
    _configure_logging(debug)


def credential_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--public-key", envvar=ENV_PUBLIC_KEY, show_envvar=True, help="API public key."),
        click.option(
            "--private-key",
            envvar=ENV_PRIVATE_KEY,
            show_envvar=True,
            help="API private key (prefer the environment variable: flags show in process lists).",
        ),
        click.option("--subdomain", envvar=ENV_SUBDOMAIN, show_envvar=True, help="Account subdomain."),
        click.option(
            "--base-url",
            envvar=ENV_BASE_URL,
            show_envvar=True,
            help="API base URL [default: https://certification.mettl.com/api/v2].",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


# -- harvest ------------------------------------------------------------------------------------

_FILTERS = {
    "assessment": ("results",),
    "email": ("results",),
    "status": ("tests",),
    "slot_window": ("enrolled",),
}


@main.command(epilog="Kinds: " + "; ".join(f"{k.name}: {k.help}" for k in KINDS.values()) + ".")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.option(
    "--out", "-o", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Output file."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format [default: from the extension: .jsonl, .csv, .sqlite/.db].",
)
@click.option("--resume", is_flag=True, help="Continue from the checkpoint beside the output.")
@click.option("--restart", is_flag=True, help="Start over even if the output holds an unfinished harvest.")
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Requests per second, at most.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Requests in flight, at most (the pages of one list are fetched in order, one at a time).",
)
@click.option("--page-size", type=click.IntRange(1, 500), help="Records per page asked for (1-500).")
@click.option("--assessment", type=click.IntRange(min=1), help="results: one assessment's applicants.")
@click.option("--email", help="results: one applicant across assessments.")
@click.option("--status", type=click.Choice(["Published", "UnPublished"]), help="tests: by status.")
@click.option("--slot-window", type=click.IntRange(min=1), help="enrolled: the slot window (required).")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@credential_options
@click.pass_context
def harvest(
    ctx: click.Context,
    /,
    kind: str,
    out: Path,
    fmt: str | None,
    resume: bool,
    restart: bool,
    rate: float,
    concurrency: int,
    page_size: int | None,
    quiet: bool,
    public_key: str | None,
    private_key: str | None,
    subdomain: str | None,
    base_url: str | None,
    **filters: Any,
) -> None:
    """Write every record of KIND to --out: results, tests, slot-windows or enrolled.

    \b
    JSONL keeps each record exactly as the API returned it; CSV and SQLite hold
    flat documented columns (nested certificates and slots become one row each).
    Ctrl-C keeps everything fetched; --resume continues where a run stopped.
    """
    for name, value in filters.items():
        if value is not None and kind not in _FILTERS[name]:
            option = "--" + name.replace("_", "-")
            raise click.BadParameter(f"applies to {' and '.join(_FILTERS[name])} only", param_hint=option)
    if resume and restart:
        raise click.BadParameter("give --resume or --restart, not both", param_hint="--restart")
    debug = ctx.obj["debug"]

    async def go() -> int:
        client = CertiCheckClient(
            public_key, private_key, subdomain, base_url=base_url, rate=rate, concurrency=concurrency
        )
        async with client:
            return await harvest_to(
                client,
                kind,
                filters,
                out,
                fmt,
                resume=resume,
                restart=restart,
                page_size=page_size,
                quiet=quiet,
            )

    run(go, debug=debug)


async def harvest_to(
    client: CertiCheckClient,
    kind_name: str,
    filters: dict[str, Any],
    out: Path,
    fmt: str | None,
    *,
    resume: bool,
    page_size: int | None,
    quiet: bool,
    restart: bool = False,
) -> int:
    """Harvest into ``out`` with a progress display and a summary line.

    Everything that can be checked is checked before the output is touched; a
    run that stops after writing says what it kept.
    """
    kind = KINDS[kind_name]
    fmt = format_for(out, fmt)
    paginator = kind.open(client, filters, page_size or kind.default_page_size)
    fingerprint = harvest_fingerprint(kind, filters, client, fmt)
    sink = open_sink(out, fmt, kind, fingerprint, resume=resume, restart=restart)
    progress = Progress(sys.stderr, enabled=not quiet and sys.stderr.isatty())
    try:
        summary = await run_harvest(paginator, sink, progress, client.session.stats)
    except BaseException:
        if sink.records:
            stopped = summarize(sink, progress, complete=False)
            click.echo(f"{stopped.line(out)}; re-run with --resume to continue", err=True)
        raise
    click.echo(_finished(summary, out))
    return 0


def _finished(summary: HarvestSummary, out: Path) -> str:
    if summary.pages == 0 and summary.resumed_at:
        return f"already complete: {count(summary.records, 'record', 'records')} in {out}"
    return summary.line(out)


# -- sandbox and demo ---------------------------------------------------------------------------


@main.command()
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
@click.pass_context
def sandbox(
    ctx: click.Context, host: str, port: int, applicants: int, faults: float, rate: float | None, seed: int
) -> None:
    """Run the sandbox CertiCHECK server in the foreground (Ctrl-C stops it)."""
    config = SandboxConfig(
        applicants=applicants, seed=seed, rate=rate, faults=FaultConfig(rate=faults, seed=seed)
    )

    async def serve() -> int:
        async with SandboxServer(config, host=host, port=port) as server:
            click.echo(f"Mettl sandbox at {server.base_url} ({applicants} applicants, faults {faults:.0%})")
            click.echo("Its demo credentials (for this sandbox only):")
            click.echo(f"  export {ENV_BASE_URL}={server.base_url}")
            click.echo(f"  export {ENV_PUBLIC_KEY}={config.public_key}")
            click.echo(f"  export {ENV_PRIVATE_KEY}={config.private_key}")
            click.echo(f"  export {ENV_SUBDOMAIN}={config.subdomain}")
            await asyncio.Event().wait()
        return 0

    run(serve, debug=ctx.obj["debug"], interrupted=0)


@main.command()
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
@click.pass_context
def demo(ctx: click.Context, applicants: int, faults: float, out: Path, quiet: bool) -> None:
    """Harvest all results from an in-process sandbox, faults included: no keys, no network."""
    fault_config = FaultConfig(rate=faults, seed=7, slow_seconds=0.2, retry_after=1.0)
    config = SandboxConfig(applicants=applicants, faults=fault_config)

    async def go() -> int:
        async with SandboxServer(config) as server:
            click.echo(
                f"sandbox at {server.base_url}: {applicants:,} applicants, {faults:.0%} of requests fail"
            )
            retry = RetryPolicy(backoff_initial=0.1, backoff_max=2.0, jitter=0.1)
            async with server.client(rate=50.0, concurrency=4, retry=retry) as client:
                await harvest_to(
                    client,
                    "results",
                    {},
                    out,
                    "jsonl",
                    resume=False,
                    restart=True,
                    page_size=None,
                    quiet=quiet,
                )
            injected = {k.value: v for k, v in server.sandbox.faults.injected.items() if v}
            click.echo(f"faults the sandbox injected: {injected or 'none'}")
        return 0

    run(go, debug=ctx.obj["debug"])


# -- sign ---------------------------------------------------------------------------------------


@main.command(name="sign")
@click.argument("method")
@click.argument("url")
@click.argument("params", nargs=-1, metavar="[NAME=VALUE]...")
@click.option("--sha1", is_flag=True, help="HMAC-SHA1, as Mettl API v1 signs.")
@click.pass_context
def sign_command(ctx: click.Context, method: str, url: str, params: tuple[str, ...], sha1: bool) -> None:
    """Print the string-to-sign and the signature of a request, to debug an integration.

    Signs exactly the parameters given (and any in the URL's query), adding ak
    (from METTL_PUBLIC_KEY) and ts (now) only when absent. The private key comes
    from METTL_PRIVATE_KEY.
    """
    private_key = os.environ.get(ENV_PRIVATE_KEY)
    if not private_key:
        raise click.UsageError(f"set {ENV_PRIVATE_KEY} to sign")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.BadParameter(f"must be an http(s) URL, got {url!r}", param_hint="URL")
    given = dict(parse_qsl(parts.query, keep_blank_values=True))
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint="NAME=VALUE")
        given[name] = value
    if "ak" not in given:
        public_key = os.environ.get(ENV_PUBLIC_KEY)
        if not public_key:
            raise click.UsageError(f"give ak=... or set {ENV_PUBLIC_KEY}")
        given["ak"] = public_key
    given.setdefault("ts", str(int(time.time())))
    given.pop("asgn", None)
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    algorithm = Algorithm.HMAC_SHA1 if sha1 else Algorithm.HMAC_SHA256
    text = string_to_sign(method, bare, given)
    signature = sign(text, private_key, algorithm)
    wire = encode_params({"ak": given.pop("ak")} | dict(sorted(given.items())) | {"asgn": signature})
    click.echo("string to sign:")
    for line in text.split("\n"):
        click.echo(f"  {line}")
    click.echo(f"signature ({algorithm.value}, base64): {signature}")
    click.echo(f"asgn on the wire: {encode_value(signature)}")
    if method.upper() == "GET":
        click.echo(f"request: GET {bare}?{wire}")
    else:
        click.echo(f"request: {method.upper()} {bare}")
        click.echo(f"body (application/x-www-form-urlencoded): {wire}")
