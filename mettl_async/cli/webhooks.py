"""``mettl-async webhooks serve``: receive pushed results and land them where harvests land."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from ..harvest.locking import set_command
from ..harvest.outputs import FORMATS, format_for, is_stream, shown
from ..webhooks.receiver import MAX_BODY
from .common import (
    EXIT_BROKEN_PIPE,
    UsageError,
    configure_logging,
    debug_option,
    is_debug,
    redis_option,
    run,
)

ENV_TOKEN = "METTL_WEBHOOK_TOKEN"  # noqa: S105  # a variable name, not a secret
#: How much aiohttp reads ahead of a handler, per connection (it pauses at twice this): deliveries
#: are small, and many senders that stall then hold little (aiohttp's default is 64 KiB).
READ_BUFFER = 16 * 1024


@click.group()
@debug_option
def webhooks() -> None:
    """Receive results the platforms push (Mettl schedule notifications, iTEP results)."""


@webhooks.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8090, show_default=True, help="0 picks a free port."
)
@click.option(
    "--out",
    "-o",
    metavar="FILE|-|URL",
    required=True,
    help="Output, as for harvest: a file, - (JSONL on stdout) or postgresql://user@host/db.",
)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), help="Output format [default: from the extension]."
)
@click.option(
    "--token",
    envvar=ENV_TOKEN,
    show_envvar=True,
    help="Shared secret the platforms send back in the URL you register (…/mettl?token=T).",
)
@click.option(
    "--no-token", is_flag=True, help="Accept deliveries without a token (only behind your own gateway)."
)
@click.option(
    "--account",
    "accounts",
    multiple=True,
    metavar="NAME",
    help="An account deliveries land under (part of every row's key; give a harvest of it the same "
    "name): each is served at /mettl/NAME and /itep/NAME, the first also at /mettl and /itep. "
    "Repeat for several accounts [default: one, called default].",
)
@click.option(
    "--max-body",
    type=click.IntRange(min=1),
    default=MAX_BODY,
    show_default=True,
    metavar="BYTES",
    help="Larger deliveries are refused (413) without being read whole.",
)
@redis_option
@debug_option
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    out: str,
    fmt: str | None,
    token: str | None,
    no_token: bool,
    accounts: tuple[str, ...],
    max_body: int,
    redis_url: str | None,
) -> None:
    """Serve /mettl and /itep; land every event in --out, upserted on its account and natural key.

    \b
    Register https://your-host/mettl?token=T as a schedule's notification URL,
    and https://your-host/itep?token=T with iTEP (/mettl/NAME for an account
    named by --account NAME). A wrong or missing token is answered 401 and
    nothing is written, its body unread. With --redis, receivers behind one address
    share what they handled: a delivery one landed is acknowledged by the others.
    """
    from aiohttp import web

    from ..core.account import account_label
    from ..core.errors import ConfigurationError
    from ..platforms import webhook_sources
    from ..webhooks.landing import DEFAULT_ACCOUNT, Landing
    from ..webhooks.server import application, delivery_log

    try:
        names = tuple(dict.fromkeys(account_label(name, name) for name in accounts))
    except ConfigurationError as error:
        raise click.BadParameter(str(error), param_hint="--account") from None
    if token and no_token:
        raise click.BadParameter("give --token or --no-token, not both", param_hint="--no-token")
    if not token and not no_token:
        raise click.UsageError(
            f"a token is required: --token T or ${ENV_TOKEN} "
            "(or --no-token, explicitly, to accept any delivery)"
        )

    if not is_debug(ctx):  # every answer, and a failed landing (a database down, a full disk), as it happens
        configure_logging(False, warnings=True, info=(delivery_log.name,))

    async def go() -> int:
        output_closed = asyncio.Event()
        set_command(f"mettl-async webhooks serve --out {shown(out)}")
        landing = Landing(
            out,
            format_for(out, fmt),
            on_output_closed=output_closed.set,
            account=names[0] if names else DEFAULT_ACCOUNT,
        )
        recent = None
        if redis_url:  # imported only then: a receiver's heap stays small without it
            from ..redisstore.deliveries import SharedRecentKeys
            from ..redisstore.registry import BudgetRegistry

            registry = BudgetRegistry(redis_url)
            recent = SharedRecentKeys(registry.link)
        try:
            await serve_until(landing, output_closed, recent)
        finally:
            landing.close()  # after the server: no handler is still landing
            if recent is not None:
                await recent.drain()
                await registry.aclose()
        return EXIT_BROKEN_PIPE

    async def serve_until(landing: Landing, output_closed: asyncio.Event, recent: Any) -> None:
        served = webhook_sources()
        if not served:
            raise UsageError("no platform declares a webhook source")
        runner = web.AppRunner(
            application(served, landing, token=token, max_body=max_body, accounts=names, recent=recent),
            access_log=None,
            handle_signals=False,
            read_bufsize=READ_BUFFER,
        )
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            try:
                await site.start()
            except OSError as error:
                raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None
            bound = runner.addresses[0][1]
            under = "" if len(names) < 2 else "[/" + "|/".join(names) + "]"
            paths = ", ".join(f"http://{host}:{bound}/{s.name}{under}" for s in served)
            click.echo(
                f"receiving at {paths} (token {'required' if token else 'NOT required'}); "
                f"landing in {shown(out)}",
                err=is_stream(out),
            )
            await output_closed.wait()  # or until interrupted
        finally:
            await runner.cleanup()

    run(go, debug=is_debug(ctx), interrupted=0)
