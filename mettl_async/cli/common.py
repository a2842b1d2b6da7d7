"""What every command shares: running a coroutine, one-line errors with exit statuses, logging.

Exit statuses: 0 success; 1 an API or harvest error; 2 invalid parameter or
configuration (nothing was sent); 3 authentication failed; 4 network
unreachable or lost; 130 interrupted (what was fetched is kept); 141 the reader of a
stream output went away (``--out - | head``), as for any writer killed by SIGPIPE.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import NoReturn

import click

from ..core.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    InputError,
    MettlError,
    PermissionDeniedError,
    SignatureExpiredError,
    TimestampError,
    TLSVerificationError,
    TransportError,
)
from ..core.printable import printable
from ..core.redaction import redact

EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_NETWORK, EXIT_INTERRUPTED = 1, 2, 3, 4, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `yes | head -1`'s writer


class UsageError(MettlError):
    """A command's parameters cannot work (exit 2); nothing was sent."""


def describe(error: BaseException) -> tuple[int, str]:
    """The exit status and one-line message for an error."""
    if isinstance(error, InputError):
        return EXIT_USAGE, f"invalid parameter {error.field}: {error.rule}"
    if isinstance(error, ConfigurationError):
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
    if isinstance(error, TLSVerificationError):
        return EXIT_NETWORK, f"TLS verification failed: {error}"
    if isinstance(error, ConnectError):
        return EXIT_NETWORK, f"network unreachable: {error}"
    if isinstance(error, TransportError):
        return EXIT_NETWORK, f"network error: {error}"
    if isinstance(error, ApiError):
        return EXIT_ERROR, f"API error {error}"
    if isinstance(error, MettlError):
        return EXIT_ERROR, str(error)
    if isinstance(error, OSError) and error.strerror:
        where = f" ({error.filename})" if error.filename else ""
        return EXIT_ERROR, f"{error.strerror}{where}"
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
        click.echo(f"mettl-async: {printable(message)}", err=True)
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


def is_debug(ctx: click.Context) -> bool:
    return bool((ctx.obj or {}).get("debug"))
