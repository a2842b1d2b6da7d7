"""The ``mettl-async`` command: harvest, onboard, sandbox, demo, sign, webhooks, itep, worker, enqueue.

Each command lives in its own module and imports the heavy parts (aiohttp, the
sandboxes) only when it runs, so ``mettl-async --version`` stays fast.
"""

from __future__ import annotations

import platform

import click

from .._version import __version__
from .common import CommandLine, configure_logging
from .harvest import harvest
from .itep import itep
from .onboard import onboard
from .sandbox import demo, sandbox
from .sign import sign_command
from .webhooks import webhooks
from .workers import enqueue, worker


@click.group(
    cls=CommandLine, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.option("--debug", is_flag=True, help="Log every request and retry to stderr; show tracebacks.")
@click.version_option(
    __version__,
    prog_name="mettl-async",
    message=f"%(prog)s %(version)s (Python {platform.python_version()})",
)
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Harvest Mettl, CertiCHECK, ProctorExam and iTEP data to files and databases, or try it
    all on the built-in sandboxes (mettl-async demo).

    Credentials come from options or environment variables (see each command's --help);
    keys are never printed.
    """
    ctx.ensure_object(dict)["debug"] = debug
    configure_logging(debug)


main.add_command(harvest)
main.add_command(sandbox)
main.add_command(demo)
main.add_command(sign_command)
main.add_command(webhooks)
main.add_command(itep)
main.add_command(onboard)
main.add_command(worker)
main.add_command(enqueue)

__all__ = ["main"]
