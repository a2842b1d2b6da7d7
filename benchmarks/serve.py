"""A CertiCHECK sandbox for the benchmarks, in a process of its own.

``python -m benchmarks.serve --applicants N --latency S --rate R --burst B`` prints
``base_url public_key private_key subdomain`` on one line, then serves until killed. With
``--fleet N`` it serves N accounts (``acct-000``…: ``CertiCheckSandbox.for_account``, each with
``--applicants`` records and the limit ``--rate``) and prints their base URL.
"""

from __future__ import annotations

import argparse
import asyncio

from mettl_async.testing import AccountsSandbox, SandboxServer
from mettl_async.testing.certicheck import CertiCheckSandbox, SandboxConfig


async def serve(args: argparse.Namespace) -> None:
    if args.fleet:
        labels = [fleet_label(i) for i in range(args.fleet)]
        accounts = AccountsSandbox.of(CertiCheckSandbox, labels, records=args.applicants, rate=args.rate)
        async with SandboxServer(accounts, latency=args.latency) as server:
            print(server.base_url, flush=True)
            await asyncio.Event().wait()
    config = SandboxConfig(applicants=args.applicants, rate=args.rate, burst=args.burst, results_page_size=20)
    async with SandboxServer(CertiCheckSandbox(config), latency=args.latency) as server:
        print(server.base_url, config.public_key, config.private_key, config.subdomain, flush=True)
        await asyncio.Event().wait()


def fleet_label(index: int) -> str:
    return f"acct-{index:03d}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fleet", type=int, default=0)
    parser.add_argument("--applicants", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--rate", type=float, default=None)
    parser.add_argument("--burst", type=int, default=None)
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
