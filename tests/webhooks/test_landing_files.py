"""The receiver lands events in JSONL and CSV files durably: a write that fails (injected, or a
real full filesystem) leaves nothing, so the redelivery writes the event; a torn last line is
cut off, not glued onto; a file it creates has its directory fsynced."""

from __future__ import annotations

import contextlib
import csv
import errno
import os
import sqlite3
import stat
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from mettl_async.itep.webhooks import SOURCE
from mettl_async.webhooks.landing import Landing
from mettl_async.webhooks.server import application
from tests.itep.test_itep_webhooks import FORM, GRADED, form

TOKEN = "T"
FORMATS = ["jsonl", "csv"]


def event(number: int) -> bytes:
    return form(GRADED | {"TestID": f"T{number:05d}AP"})


def written_file(out: Path, fmt: str) -> Path:
    """Where the receiver writes iTEP events for ``--out out``: CSV has a file per kind."""
    return out.with_name(f"{out.stem}-itep-results{out.suffix}") if fmt == "csv" else out


def landed_ids(out: Path, fmt: str) -> list[str]:
    """The test ids in the output, in order, reading it line by line (a line that is not a whole
    record fails the test)."""
    path = written_file(out, fmt)
    if fmt == "sqlite":
        with contextlib.closing(sqlite3.connect(path)) as db:
            return [
                test_id
                for (test_id,) in db.execute("SELECT test_id FROM itep_results_records ORDER BY rowid")
            ]
    if fmt == "jsonl":
        return [orjson.loads(line)["TestID"] for line in path.read_bytes().splitlines()]
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:2] == ["account", "test_id"]
    assert all(len(row) == len(rows[0]) for row in rows)
    return [row[1] for row in rows[1:]]


@contextlib.asynccontextmanager
async def receiving(out: Path, fmt: str) -> AsyncIterator[Callable[[bytes], Any]]:
    """``application()`` landing in ``out`` over loopback; yields ``post(body) -> status``."""
    landing = Landing(out, fmt)
    runner = web.AppRunner(application([SOURCE], landing, token=TOKEN), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/itep?token={TOKEN}"
    try:
        async with aiohttp.ClientSession() as http:

            async def post(body: bytes) -> int:
                async with http.post(url, data=body, headers={"Content-Type": FORM}) as answer:
                    return answer.status

            yield post
    finally:
        await runner.cleanup()
        landing.close()


async def deliver_twice(out: Path, fmt: str, count: int, between: Callable[[], None]) -> list[int]:
    """Deliver ``count`` events, call ``between``, deliver every one again (as a platform does when
    it got no 2xx, and here even when it did); the statuses of the first round."""
    async with receiving(out, fmt) as post:
        first = [await post(event(n)) for n in range(count)]
        between()
        again = [await post(event(n)) for n in range(count)]
    assert again == [200] * count
    return first


# -- a write that fails, injected ---------------------------------------------------------------------


class FailingOutput:
    """Makes every third append to one file fail: a short write then ENOSPC (``pwrite``), or EIO
    from ``fsync``; only while ``on``."""

    def __init__(self, path: Path, how: str) -> None:
        self.path = path
        self.how = how
        self.on = True
        self.appends = 0
        self.short = False
        self._pwrite, self._fsync = os.pwrite, os.fsync

    def _ours(self, fd: int) -> bool:
        try:
            held, named = os.fstat(fd), os.stat(self.path)
        except FileNotFoundError:
            return False
        return stat.S_ISREG(held.st_mode) and (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)

    def pwrite(self, fd: int, data: Any, offset: int) -> int:
        if self.on and self.how == "pwrite" and self._ours(fd):
            if self.short:  # the rest of the short write: the disk is full now
                self.short = False
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.appends += 1
            if self.appends % 3 == 0 and len(data) > 1:
                self.short = True
                return self._pwrite(fd, bytes(data)[: len(data) // 2], offset)
        return self._pwrite(fd, data, offset)

    def fsync(self, fd: int) -> None:
        if self.on and self.how == "fsync" and self._ours(fd):
            self.appends += 1
            if self.appends % 3 == 0:
                raise OSError(errno.EIO, os.strerror(errno.EIO))
        self._fsync(fd)


@pytest.mark.parametrize("how", ["pwrite", "fsync"])
@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_failed_write_leaves_nothing_and_the_redelivery_writes_the_event(
    tmp_path: Path, fmt: str, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / f"events.{fmt}"
    failing = FailingOutput(written_file(out, fmt), how)
    monkeypatch.setattr(os, "pwrite", failing.pwrite)
    monkeypatch.setattr(os, "fsync", failing.fsync)

    def disk_fixed() -> None:
        failing.on = False

    first = await deliver_twice(out, fmt, 30, disk_fixed)
    assert first.count(500) >= 5  # about every third append failed
    assert landed_ids(out, fmt) == [f"T{n:05d}AP" for n in range(30) if first[n] == 200] + [
        f"T{n:05d}AP" for n in range(30) if first[n] != 200
    ]


# -- a real full filesystem ---------------------------------------------------------------------------


@pytest.fixture
def small_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs mounted for the test (root only: skipped where mounting is not allowed)."""
    where = tmp_path / "small"
    where.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)], capture_output=True, check=False
        )
    except FileNotFoundError:
        pytest.skip("no mount command here")
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(where: Path, leave: int) -> Path:
    """A file taking all but about ``leave`` bytes of the filesystem at ``where``."""
    filler = where / "filler"
    free = os.statvfs(where).f_bavail * os.statvfs(where).f_frsize
    filler.write_bytes(b"\0" * max(free - leave, 0))
    return filler


@pytest.mark.parametrize("fmt", [*FORMATS, "sqlite"])
async def test_on_a_full_filesystem_every_event_acknowledged_is_stored_once(
    small_filesystem: Path, fmt: str
) -> None:
    out = small_filesystem / f"events.{fmt}"
    # Room for a few events: SQLite needs 32 KiB for its WAL index, and its tables (records, runs,
    # schema versions, checkpoints, their indexes) some 100 KiB of WAL, before the first.
    filler = fill(small_filesystem, leave=(320 if fmt == "sqlite" else 12) * 1024)
    first = await deliver_twice(out, fmt, 40, filler.unlink)
    assert 200 in first
    assert 500 in first  # the disk filled up
    ids = landed_ids(out, fmt)
    assert sorted(ids) == [f"T{n:05d}AP" for n in range(40)]  # each once, acknowledged ones too


# -- a torn last line ---------------------------------------------------------------------------------


def append(path: Path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


@pytest.mark.parametrize(
    ("fmt", "torn"),
    [
        ("jsonl", b'{"TestID": "T99999AP", "Sta'),
        ("csv", b'T99999AP,Complete,"a note\n'),  # ends in a newline, inside a quoted field
    ],
)
async def test_an_event_is_not_glued_onto_a_torn_last_line(tmp_path: Path, fmt: str, torn: bytes) -> None:
    out = tmp_path / f"events.{fmt}"
    async with receiving(out, fmt) as post:
        assert await post(event(1)) == 200
    append(written_file(out, fmt), torn)  # a crash or a full disk in the middle of a line
    async with receiving(out, fmt) as post:
        assert await post(event(2)) == 200
        assert await post(event(1)) == 200  # a redelivery: already there
    assert landed_ids(out, fmt) == ["T00001AP", "T00002AP"]


# -- the directory entry ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
async def test_a_file_the_receiver_creates_has_its_directory_fsynced(
    tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "new" / f"events.{fmt}"
    out.parent.mkdir()
    directory = os.stat(out.parent)
    synced: list[bool] = []  # per fsync of the directory: whether the output existed by then
    real_fsync = os.fsync

    def watching(fd: int) -> None:
        held = os.fstat(fd)
        if (held.st_dev, held.st_ino) == (directory.st_dev, directory.st_ino):
            synced.append(written_file(out, fmt).exists())
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", watching)
    async with receiving(out, fmt) as post:
        assert await post(event(1)) == 200
    assert True in synced
