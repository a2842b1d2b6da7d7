"""Response bodies are bounded: a gzip bomb, an endless body and a huge page are refused at the
client's ``max_response_bytes``, the client's memory staying near that cap (measured with
tracemalloc; the server runs in a process of its own), with the library's own error naming the
limit and the URL (credentials masked), and no retry."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
import urllib.request
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mettl_async import CertiCheckClient, ClientOptions, ConfigurationError, ResponseTooLargeError
from mettl_async.cli import main
from mettl_async.core.options import DEFAULT_MAX_RESPONSE_BYTES as MAX_RESPONSE_BYTES
from tests.support.hostile_bodies import MiB, gzip_bomb

#: The cap the tests set: small, so that refusing costs little time (the default is 64 MiB).
CAP = 8 * MiB
PUBLIC_KEY = "public-key-0123456789"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hostile() -> Iterator[str]:
    """The URL of a server of hostile bodies in a process of its own."""
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.support.hostile_bodies"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    try:
        yield server.stdout.readline().strip()
    finally:
        server.kill()
        server.wait()
        server.stdout.close()


def seen(url: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/seen") as answer:  # noqa: S310 - the test's own loopback server
        return [path for path in json.load(answer) if path]


def client(base_url: str, cap: int = CAP) -> CertiCheckClient:
    return CertiCheckClient(
        PUBLIC_KEY,
        "private-key-0123456789",
        "sub",
        base_url=base_url,
        options=ClientOptions(max_response_bytes=cap),
    )


async def refused_with_peak(base_url: str) -> tuple[ResponseTooLargeError, int]:
    """Ask for the tests list: the refusal and the client's peak of Python memory meanwhile."""
    async with client(base_url) as mettl:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseTooLargeError) as caught:
                await mettl.tests.list().to_list()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        await mettl.account.get()  # the refused connection was dropped, not pooled
    return caught.value, peak


def test_the_bomb_is_a_megabyte_that_inflates_to_a_gibibyte() -> None:
    """Its first blocks inflate a MiB each, and the rest repeat the last of them (inflating it all
    would take seconds)."""
    bomb = gzip_bomb()
    assert len(bomb) < 1.1e6
    block = len(gzip_bomb(3)) - len(gzip_bomb(2))
    assert bomb == gzip_bomb(3) + bomb[-block:] * 1021
    assert zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(gzip_bomb(3)) == bytes(3 * MiB)


async def test_a_gzip_bomb_stops_at_the_cap(hostile: str) -> None:
    """Defect: 1 MB of gzip was decompressed whole, to 3.1 GB of memory. The cap applies to
    the decompressed size: the body is refused after CAP bytes, the rest never inflated."""
    error, peak = await refused_with_peak(f"{hostile}/bomb/0/api/v2")
    assert peak < 1.5 * CAP, f"peak {peak / MiB:.1f} MiB for a cap of {CAP / MiB:.0f} MiB"
    assert seen(hostile) == ["/bomb/0/api/v2/tests", "/bomb/0/api/v2/accountSettings"]  # not retried
    assert error.retryable is False
    assert error.limit == CAP
    assert error.http_status == 200


async def test_an_endless_body_stops_at_the_cap(hostile: str) -> None:
    """Defect: an endless body was read until memory ran out (8.1 GB after 140 s)."""
    error, peak = await refused_with_peak(f"{hostile}/endless/0/api/v2")
    assert peak < 1.5 * CAP, f"peak {peak / MiB:.1f} MiB for a cap of {CAP / MiB:.0f} MiB"
    message = str(error)
    assert message.startswith(f"HTTP 200: the response to GET {hostile}/endless/0/api/v2/tests?ak=REDACTED&")
    assert f"is larger than {CAP:,} bytes (max_response_bytes): refused after " in message
    assert "asgn=REDACTED" in message
    assert PUBLIC_KEY not in message


async def test_a_declared_length_over_the_cap_is_refused_before_reading(hostile: str) -> None:
    error, peak = await refused_with_peak(f"{hostile}/declared/{400 * MiB}/api/v2")
    assert peak < MiB  # none of the body was read
    assert str(error).endswith(
        "its Content-Length is 419,430,400; ask for smaller pages or raise max_response_bytes"
    )


@pytest.mark.parametrize("kind", ["page", "chunked"])
async def test_a_large_page_is_refused_and_one_at_the_cap_is_read(hostile: str, kind: str) -> None:
    """Defect: a 400 MB page took 1.6 GB."""
    _, peak = await refused_with_peak(f"{hostile}/{kind}/{3 * CAP}/api/v2")
    assert peak < 1.5 * CAP, f"peak {peak / MiB:.1f} MiB for a cap of {CAP / MiB:.0f} MiB"
    async with client(f"{hostile}/{kind}/{CAP}/api/v2") as mettl:
        assert await mettl.tests.list().to_list() == []
    async with client(f"{hostile}/{kind}/{CAP}/api/v2", CAP - 1) as mettl:
        with pytest.raises(ResponseTooLargeError):
            await mettl.tests.list().to_list()


def test_the_default_cap_is_64_mib() -> None:
    assert 64 * MiB == MAX_RESPONSE_BYTES
    assert CertiCheckClient("pk", "sk", "sub").options.max_response_bytes == 64 * MiB


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "64MiB", None])
def test_a_cap_that_is_not_a_positive_integer_is_a_configuration_error(value: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"max_response_bytes must be an integer >= 1"):
        CertiCheckClient("pk", "sk", "sub", options=ClientOptions(max_response_bytes=value))


def test_the_harvest_command_takes_the_cap(hostile: str, tmp_path: Path) -> None:
    env = {"METTL_PUBLIC_KEY": "pk", "METTL_PRIVATE_KEY": "sk", "METTL_SUBDOMAIN": "sub"}
    env["METTL_BASE_URL"] = f"{hostile}/page/4096/api/v2"
    args = ["harvest", "tests", "--out", str(tmp_path / "t.jsonl"), "--quiet", "--max-response-bytes"]
    refused = CliRunner().invoke(main, [*args, "4095"], env=env, catch_exceptions=False)
    read = CliRunner().invoke(main, [*args, "4096"], env=env, catch_exceptions=False)
    assert refused.exit_code == 1
    assert "is larger than 4,095 bytes (max_response_bytes): its Content-Length is 4,096" in refused.stderr
    assert read.exit_code == 0, read.output
