"""A whole harvest against a baseline loop over the same sandbox, in another process.

The baseline is what a script would do by hand: sign each request, GET it with
aiohttp, follow the offsets, append the records to a file; no retries, no rate
limit, no checkpoints, no fsync. The ratio is what correctness costs.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import aiohttp
import orjson

from mettl_async.certicheck.sandbox import CertiCheckSandbox, SandboxConfig
from mettl_async.cli.harvest import harvest_to
from mettl_async.harvest.kinds import kinds

from .common import Result

_last_ts = 0


async def baseline(base_url: str, config: SandboxConfig, out: Path, page_size: int) -> int:
    url = f"{base_url}/getAllApplicantResults"
    global _last_ts
    written, offset = 0, 0
    async with aiohttp.ClientSession() as http:
        with open(out, "wb") as f:
            while True:
                _last_ts = ts = max(int(time.time()), _last_ts + 1)  # a signature is single-use
                params = {
                    "ak": config.public_key,
                    "limit": str(page_size),
                    "offset": str(offset),
                    "subdomain": config.subdomain,
                    "ts": str(ts),
                }
                text = "GET" + url + "".join("\n" + params[k] for k in sorted(params))
                digest = hmac.new(config.private_key.encode(), text.encode(), hashlib.sha256).digest()
                params["asgn"] = base64.b64encode(digest).decode()
                query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
                async with http.get(f"{url}?{query}") as response:
                    payload = orjson.loads(await response.read())
                records = payload["applicants"]
                f.write(b"".join(orjson.dumps(r) + b"\n" for r in records))
                written += len(records)
                if not payload["paging"]["next"]:
                    return written
                offset += len(records)


async def ours(base_url: str, config: SandboxConfig, out: Path, page_size: int) -> None:
    async with CertiCheckSandbox(config).client(base_url) as client:
        with contextlib.redirect_stdout(io.StringIO()):  # its summary line
            await harvest_to(
                client, kinds()["results"], {}, out, "jsonl", resume=False, page_size=page_size, quiet=True
            )


def run(quick: bool) -> list[Result]:
    applicants, page_size = (2_000, 100) if quick else (20_000, 200)
    config = SandboxConfig(applicants=applicants)
    server = subprocess.Popen(
        [sys.executable, "-m", "mettl_async", "sandbox", "--port", "0", "--applicants", str(applicants)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().split()[3]
        server.stdout.readline()
        times: dict[str, list[float]] = {"ours": [], "baseline": []}
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(2 if quick else 3):
                for name, job in (("baseline", baseline), ("ours", ours)):
                    out = Path(tmp) / f"{name}.jsonl"
                    start = time.perf_counter()
                    asyncio.run(job(base_url, config, out, page_size))
                    times[name].append(time.perf_counter() - start)
                    assert out.read_bytes().count(b"\n") == applicants
                    os.remove(out)
        rate = {name: applicants / min(runs) for name, runs in times.items()}
        # Records per second: higher is faster, so the ratio is baseline time over ours.
        return [
            Result(
                f"harvest {applicants:,} results, s per 10k records",
                1e4 / rate["ours"],
                1e4 / rate["baseline"],
                "s",
            )
        ]
    finally:
        server.terminate()
        server.wait()
