"""A CertiCHECK sandbox for the benchmarks, in a process of its own.

``python -m benchmarks.serve --applicants N --latency S --rate R --burst B`` prints
``base_url public_key private_key subdomain`` on one line, then serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio

from mettl_async.testing import SandboxServer
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig


async def serve(args: argparse.Namespace) -> None:
    config = SandboxConfig(applicants=args.applicants, rate=args.rate, burst=args.burst, results_page_size=20)
    async with SandboxServer(CertiCheckSandbox(config), latency=args.latency) as server:
        print(server.base_url, config.public_key, config.private_key, config.subdomain, flush=True)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applicants", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--rate", type=float, default=None)
    parser.add_argument("--burst", type=int, default=None)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
