"""What every command shares: running a coroutine, one-line errors with exit statuses, logging.

Exit statuses: 0 success; 1 an API or harvest error; 2 invalid parameter or
configuration (nothing was sent); 3 authentication failed; 4 network
unreachable or lost; 130 interrupted (what was fetched is kept); 141 the reader of a
stream output went away (``--out - | head``), as for any writer killed by SIGPIPE.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import gc
import logging
import signal
import sys
import traceback
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, NoReturn

import click

from ..core.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    InputError,
    MettlError,
    PermissionDeniedError,
    PlainHTTPError,
    SignatureExpiredError,
    TimestampError,
    TLSVerificationError,
    TransportError,
)
from ..core.printable import printable
from ..core.redaction import redact
from ..core.responses import no_such_path

EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_NETWORK, EXIT_INTERRUPTED = 1, 2, 3, 4, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `yes | head -1`'s writer


class UsageError(MettlError):
    """A command's parameters cannot work (exit 2); nothing was sent."""


#: How the command line spells a library name (an argument, a setting): its option, and the
#: environment variable it reads, if any. ``{"page_size": ("--page-size", None)}``.
Spelling = Mapping[str, tuple[str, str | None]]


def spelling(
    ctx: click.Context, aliases: Mapping[str, str] | None = None
) -> dict[str, tuple[str, str | None]]:
    """The options of ``ctx``'s command by parameter name, and ``aliases`` (a library argument
    named otherwise than its option's parameter: ProctorExam's ``api_token`` is
    ``proctorexam_api_token``)."""
    found: dict[str, tuple[str, str | None]] = {}
    for param in ctx.command.params:
        if not param.name:
            continue
        if isinstance(param, click.Option):
            spelt = (max(param.opts, key=len), param.envvar if isinstance(param.envvar, str) else None)
        else:
            spelt = (param.human_readable_name, None)  # an argument: its metavar (KIND, PRODUCT_CODE)
        # the library may say it with hyphens, as a document does (iTEP's "assigned-to")
        found[param.name] = found[param.name.replace("_", "-")] = spelt
    return found | {alias: found[name] for alias, name in (aliases or {}).items() if name in found}


def _option(spelled: tuple[str, str | None]) -> str:
    option, variable = spelled
    return f"{option} (or ${variable})" if variable else option


def describe(error: BaseException, spelled: Spelling | None = None) -> tuple[int, str]:
    """The exit status and one-line message for an error; ``spelled`` names library arguments as
    the command line's options."""
    spelled = spelled or {}
    if isinstance(error, InputError):
        if error.field.startswith("--"):
            return EXIT_USAGE, f"invalid {error.field}: {error.rule}"
        if error.field in spelled:
            return EXIT_USAGE, f"invalid {spelled[error.field][0]}: {error.rule}"
        return EXIT_USAGE, f"invalid parameter {error.field}: {error.rule}"
    if isinstance(error, ConfigurationError):
        if error.missing and all(name in spelled for name, _ in error.missing):
            return EXIT_USAGE, "configuration: missing " + " and ".join(
                _option(spelled[name]) for name, _ in error.missing
            )
        return EXIT_USAGE, f"configuration: {error}"
    if isinstance(error, UsageError):
        return EXIT_USAGE, str(error)
    if isinstance(error, TimestampError):
        if error.server_time is None:
            return EXIT_AUTH, (
                f"authentication failed: the server refused the request's time and sent no Date header "
                f"to correct it from; the local clock may be off: {error}"
            )
        return EXIT_AUTH, f"authentication failed (time refused even after correcting the clock): {error}"
    if isinstance(error, AuthenticationError | PermissionDeniedError | SignatureExpiredError):
        return EXIT_AUTH, f"authentication failed: {error}"
    if isinstance(error, PlainHTTPError):
        return EXIT_NETWORK, f"not TLS: {error.detail}"
    if isinstance(error, TLSVerificationError):
        return EXIT_NETWORK, (
            f"TLS verification failed: {error.detail}; to trust a private certificate authority, set "
            "SSL_CERT_FILE to a PEM file holding its certificate"
        )
    if isinstance(error, ConnectError):
        return EXIT_NETWORK, f"network unreachable: {error}"
    if isinstance(error, TransportError):
        return EXIT_NETWORK, f"network error: {error}"
    if isinstance(error, ApiError) and no_such_path(error):
        where = _option(spelled["base_url"]) if "base_url" in spelled else "the base URL"
        return EXIT_ERROR, f"API error {error}; that server has no such path: check {where}"
    if isinstance(error, ApiError):
        return EXIT_ERROR, f"API error {error}"
    if isinstance(error, MettlError):
        return EXIT_ERROR, str(error)
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        return EXIT_ERROR, f"{error.strerror}{where}"
    return EXIT_ERROR, f"unexpected error: {type(error).__name__}: {redact(str(error))}"


def run(
    main: Callable[[], Awaitable[int]],
    *,
    debug: bool,
    interrupted: int = EXIT_INTERRUPTED,
    spelled: Spelling | None = None,
) -> NoReturn:
    """Run a command's coroutine; SIGTERM cancels it like Ctrl-C; errors become one line.

    ``interrupted`` is the exit status after Ctrl-C or SIGTERM; ``spelled`` (:func:`spelling`)
    lets the errors name the options the user typed.
    """

    async def guarded() -> int:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        if task is not None:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signal.SIGTERM, task.cancel)
        return await main()

    # What the command imported lives as long as the process: the cycle collector's full passes
    # (a harvest makes several) need not walk it again. Objects made from here on are collected
    # as ever, and all of them once the command is over (a command run in-process, by a test's
    # CliRunner, leaves that process as it found it). The library never does this.
    gc.freeze()
    try:
        code = asyncio.run(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        if interrupted:
            click.echo("mettl-async: interrupted", err=True)
        code = interrupted
    except Exception as error:
        if debug:
            traceback.print_exc()
        code, message = describe(error, spelled)
        notes = "".join(f"; {redact(note)}" for note in getattr(error, "__notes__", ()))  # what else failed
        click.echo(f"mettl-async: {printable(message + notes)}", err=True)
    finally:
        gc.unfreeze()
    sys.exit(code)


class _DebugHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler ``--debug`` installs (one at a time, to the current stderr)."""

    def emit(self, record: logging.LogRecord) -> None:
        # sys.stderr as it is now: a live progress display replaces it while it runs, to
        # print log lines above itself instead of through it.
        self.stream = sys.stderr
        super().emit(record)


class _PrintableFormatter(logging.Formatter):
    """Log messages with control characters escaped (they quote server text); a traceback
    keeps its line breaks."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message)
        return super().formatMessage(record)


def configure_logging(debug: bool, *, warnings: bool = False, info: tuple[str, ...] = ()) -> None:
    """``debug``: every record to stderr. Else, with ``warnings`` (a server that runs for days and
    answers no one on the terminal), warnings and errors, with their time and level, and the INFO
    records of the loggers named in ``info`` (the server's line per delivery)."""
    logger = logging.getLogger("mettl_async")
    for old in [h for h in logger.handlers if isinstance(h, _DebugHandler)]:
        logger.removeHandler(old)
    if not debug and not warnings:
        return
    handler = _DebugHandler(sys.stderr)
    handler.setFormatter(_PrintableFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    if debug:
        logger.setLevel(logging.DEBUG)
        return
    for name in info:
        logging.getLogger(name).setLevel(logging.INFO)
    handler.addFilter(lambda record: record.levelno >= logging.WARNING or record.name in info)


def debug_option(command: Callable[..., object]) -> Callable[..., object]:
    """``--debug`` on a subcommand too (``mettl-async harvest … --debug``)."""

    def enable(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
        if value:
            ctx.ensure_object(dict)["debug"] = True
            configure_logging(True)
        return value

    return click.option(
        "--debug",
        "debug_here",
        is_flag=True,
        expose_value=False,
        callback=enable,
        help="Log every request and retry to stderr; show tracebacks.",
    )(command)


#: The Redis every process of a fleet shares (``--redis``).
ENV_REDIS = "METTL_REDIS_URL"


def redis_option(command: Callable[..., object]) -> Callable[..., object]:
    """``--redis URL`` (or ``$METTL_REDIS_URL``): declared once, for every command that shares
    budgets through Redis."""
    return click.option(
        "--redis",
        "redis_url",
        metavar="URL",
        envvar=ENV_REDIS,
        show_envvar=True,
        help="Redis shared by every process using the same keys (redis://host:6379/0): each key's "
        "rate budget and signed seconds, one per key across processes and machines.",
    )(command)


def is_debug(ctx: click.Context) -> bool:
    return bool((ctx.obj or {}).get("debug"))


class CommandLine(click.Group):
    """The ``mettl-async`` group: a mistake in the options is said in two lines (the error, and
    where help is), without repeating the usage line after every mistyped option."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as error:
            if error.ctx is not None:
                help_line = f"Try '{error.ctx.command_path} --help' for help."
            else:
                help_line = "Try 'mettl-async --help' for help."
            click.echo(f"Error: {error.format_message()}\n{help_line}", err=True)
            sys.exit(error.exit_code)
        except click.ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


class Choice(click.Choice):  # type: ignore[type-arg]
    """A choice that, refused, names the closest one (``'result'``: did you mean ``'results'``?)
    and the others."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            names = [str(choice) for choice in self.choices]
            close = difflib.get_close_matches(str(value), names, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.fail(f"{value!r}{hint} (the choices: {', '.join(names)})", param, ctx)
