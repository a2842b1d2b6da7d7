"""``mettl-async itep fulfill`` (a test ID for a product code) and ``mettl-async itep sandbox``."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import click

from ..core.errors import InputError
from ..itep.config import (
    DEFAULT_SIGNATURE_ENCODING,
    DEFAULT_SIGNATURE_HEADER,
    ENV_API_KEY,
    ENV_FULFILLMENT_URL,
    ENV_SIGNATURE_ENCODING,
    ENV_SIGNATURE_HEADER,
)
from .common import debug_option, is_debug, run, spelling


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_option(option: str, text: str | None) -> Any:
    """The JSON value of an option, or :class:`InputError` naming the option."""
    if text is None:
        return None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except ValueError as error:
        raise InputError(option, f'must be a JSON object, e.g. \'{{"name": "Mary"}}\' ({error})') from None


@click.group()
@debug_option
def itep() -> None:
    """iTEP: request test IDs (fulfillment), or run an iTEP sandbox to try it."""


@itep.command()
@click.argument("product_code", metavar="PRODUCT-CODE")
@click.option("--email", help="Candidate e-mail (required for STX-… codes: iTEP e-mails the test ID).")
@click.option("--bcc", help="STX only: a copy of iTEP's e-mail goes here.")
@click.option("--track", help="Tracking code iTEP assigned you (required for results webhooks).")
@click.option(
    "--assigned-to", "assigned_to", metavar="JSON", help="JSON object for the test's assigned-to field."
)
@click.option(
    "--registration", metavar="JSON", help="JSON object of registration fields (Last_Name, First_Name, …)."
)
@click.option("--url", envvar=ENV_FULFILLMENT_URL, show_envvar=True, help="Fulfillment endpoint URL.")
@click.option(
    "--api-key",
    envvar=ENV_API_KEY,
    show_envvar=True,
    help="API key (prefer the environment variable: options show in process lists).",
)
@click.option(
    "--signature-header",
    envvar=ENV_SIGNATURE_HEADER,
    show_envvar=True,
    help=f"Header carrying the body's signature [default: {DEFAULT_SIGNATURE_HEADER}].",
)
@click.option(
    "--signature-encoding",
    envvar=ENV_SIGNATURE_ENCODING,
    show_envvar=True,
    type=click.Choice(["hex", "base64"], case_sensitive=False),
    help=f"Signature encoding [default: {DEFAULT_SIGNATURE_ENCODING}].",
)
@click.option(
    "--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True, help="Seconds."
)
@debug_option
@click.pass_context
def fulfill(
    ctx: click.Context,
    product_code: str,
    email: str | None,
    bcc: str | None,
    track: str | None,
    assigned_to: str | None,
    registration: str | None,
    url: str | None,
    api_key: str | None,
    signature_header: str | None,
    signature_encoding: str | None,
    timeout: float,
) -> None:
    """Request a test ID for PRODUCT-CODE (GTX-… or STX-…) and print it.

    \b
    The request is never repeated once it may have reached iTEP (a repeat would
    consume another test ID): after a lost connection or a timeout, check iTEP
    before running this again. Only a connection never made, or a 429, is retried.
    """

    async def go() -> int:
        from ..core.options import ClientOptions
        from ..itep.client import ItepClient

        fields: dict[str, Any] = {
            "assigned_to": json_option("--assigned-to", assigned_to),
            "registration": json_option("--registration", registration),
        }
        async with ItepClient(
            api_key,
            url=url,
            signature_header=signature_header,
            signature_encoding=signature_encoding,
            environ={},
            options=ClientOptions(timeout=timeout),
        ) as client:
            issued = await client.fulfill(product_code, email=email, bcc=bcc, track=track, **fields)
        click.echo(issued.test_id)
        if issued.emailed:
            click.echo(f"iTEP e-mailed the test ID to {email}", err=True)
        return 0

    run(go, debug=is_debug(ctx), spelled=spelling(ctx))


@itep.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8095, show_default=True, help="0 picks a free port."
)
@click.option("--webhook-url", help="Where results webhooks go, e.g. http://127.0.0.1:8090/itep?token=T.")
@click.option(
    "--complete-after",
    type=click.FloatRange(min=0),
    help="Seconds after fulfillment until a tracked test reports Finished, and again until Complete.",
)
@click.option(
    "--stock", type=click.IntRange(min=0), default=20, show_default=True, help="Ready IDs per test type."
)
@click.option("--seed", type=int, default=1, show_default=True)
@debug_option
@click.pass_context
def sandbox(
    ctx: click.Context,
    host: str,
    port: int,
    webhook_url: str | None,
    complete_after: float | None,
    stock: int,
    seed: int,
) -> None:
    """Serve an iTEP sandbox in the foreground (Ctrl-C stops it)."""
    from ..testing import SandboxServer
    from ..testing.itep import FULFILLMENT_PATH, ItepSandbox, SandboxConfig

    types = ("Academic-Plus", "Academic-Core", "Business", "SLATE-Core")
    config = SandboxConfig(
        inventory=dict.fromkeys(types, stock),
        seed=seed,
        webhook_url=webhook_url,
        complete_after=complete_after,
    )

    async def serve() -> int:
        async with SandboxServer(ItepSandbox(config), host=host, port=port) as server:
            url = server.base_url + FULFILLMENT_PATH
            click.echo(f"iTEP sandbox at {url} ({stock} Ready test IDs per test type)")
            click.echo("product codes: " + ", ".join(f"GTX-{t}, STX-{t}" for t in types))
            if webhook_url:
                when = f"{complete_after:g}s after fulfillment" if complete_after is not None else "never"
                click.echo(f"results webhooks of tracked tests go to {webhook_url} (automatically: {when})")
            click.echo("Its demo settings (for this sandbox only):")
            click.echo(f"  export {ENV_FULFILLMENT_URL}={url}")
            click.echo(f"  export {ENV_API_KEY}={config.api_key}")
            click.echo(f"  export {ENV_SIGNATURE_HEADER}={config.header}")
            click.echo(f"  export {ENV_SIGNATURE_ENCODING}={config.encoding.value}")
            await asyncio.Event().wait()
        return 0

    run(serve, debug=is_debug(ctx), interrupted=0)
