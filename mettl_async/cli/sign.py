"""``mettl-async sign``: the string to sign and the signature of a Mettl request, to debug an integration."""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qsl, urlunsplit

import click

from ..core.checks import check_utf8, split_http_url
from ..core.errors import InputError
from ..core.redaction import redact
from ..core.request import encode_params, encode_value
from ..mettlfamily.signing import (
    ENV_PRIVATE_KEY,
    ENV_PUBLIC_KEY,
    Algorithm,
    check_param_text,
    sign,
    string_to_sign,
)
from .common import debug_option


@click.command(name="sign")
@click.argument("method")
@click.argument("url")
@click.argument("params", nargs=-1, metavar="[NAME=VALUE]...")
@click.option("--sha1", is_flag=True, help="HMAC-SHA1, as Mettl API v1 signs.")
@debug_option
def sign_command(method: str, url: str, params: tuple[str, ...], sha1: bool) -> None:
    """Print the string-to-sign and the signature of a request, to debug an integration.

    Signs exactly the parameters given (and any in the URL's query), adding ak
    (from METTL_PUBLIC_KEY) and ts (now) only when absent. The private key comes
    from METTL_PRIVATE_KEY.
    """
    private_key = os.environ.get(ENV_PRIVATE_KEY)
    if not private_key:
        raise click.UsageError(f"set {ENV_PRIVATE_KEY} to sign")
    parts = split_http_url(url)
    if parts is None:
        raise click.BadParameter(f"must be an http(s) URL, got {redact(url)!r}", param_hint="URL")
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
    for name, value in given.items():
        try:
            check_param_text(name, value)
        except InputError as error:
            raise click.BadParameter(f"{name}: {error.rule}", param_hint="NAME=VALUE") from None
    try:
        check_utf8(ENV_PRIVATE_KEY, private_key)
    except InputError:
        raise click.UsageError(f"{ENV_PRIVATE_KEY} must be UTF-8 text") from None
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
