"""What --out names (files, streams, URLs), passwords masked, the output lock, the stream sink."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import orjson
import pytest

from mettl_async.core.errors import InputError
from mettl_async.core.paging_styles import PagePosition
from mettl_async.harvest import HarvestError, open_sink
from mettl_async.harvest.locking import OutputBusyError, OutputLock, lock_path, set_command
from mettl_async.harvest.outputs import format_for, is_stream, mask_url, redact_url, shown
from mettl_async.harvest.stream import OutputClosedError, StreamSink
from mettl_async.platforms import kinds

RESULTS = kinds()["results"]
FINGERPRINT = {"kind": "results", "filters": {}, "format": "jsonl"}


def page(start: int, count: int) -> list[dict[str, object]]:
    return [{"email": f"a{i}@x.com", "certificates": []} for i in range(start, start + count)]


# -- what --out names -----------------------------------------------------------------------------


def test_formats_of_streams_urls_and_files(tmp_path: Path) -> None:
    assert format_for("-", None) == "jsonl"
    assert format_for("-", "csv") == "csv"
    assert format_for("/dev/stdout", None) == "jsonl"
    assert format_for("postgresql://u@h/db", None) == "postgresql"
    assert format_for("POSTGRES://u@h/db", "postgresql") == "postgresql"
    assert format_for(tmp_path / "a.db", None) == "sqlite"
    for target, given, field, rule in [
        ("-", "sqlite", "--format", "cannot be written to a stream"),
        ("postgres://u@h/db", "jsonl", "--format", "takes no --format jsonl"),
        (str(tmp_path / "a.jsonl"), "postgresql", "--out", "needs --out postgresql://"),
    ]:
        with pytest.raises(InputError, match=rule) as caught:
            format_for(target, given)
        assert caught.value.field == field


def test_streams_are_stdout_and_what_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    regular = tmp_path / "r.jsonl"
    regular.write_bytes(b"")
    assert is_stream("-")
    assert is_stream(fifo)
    assert is_stream("/dev/null")
    assert not is_stream(regular)
    assert not is_stream(tmp_path / "new.jsonl")  # not there yet: a file to create
    assert not is_stream("postgresql://u@h/db")
    assert shown("-") == "stdout"


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://u:s3cret@h:5432/db", "postgresql://u:***@h:5432/db"),
        ("postgres://u:p%40ss@h/db?sslmode=require", "postgres://u:***@h/db?sslmode=require"),
        ("postgresql://u:pa/ss@w@h/db", "postgresql://u:***@h/db"),
        (
            "postgresql://h/db?user=u&password=s3cret&sslmode=a",
            "postgresql://h/db?user=u&password=***&sslmode=a",
        ),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
    ],
)
def test_passwords_are_masked(url: str, masked: str) -> None:
    assert mask_url(url) == masked
    assert shown(url) == masked


def test_error_texts_lose_every_form_of_the_password() -> None:
    url = "postgresql://u:p%40ss%zz@h/db"
    text = f'invalid percent-encoded token: "p%40ss%zz" in {url}; p@ss%zz'
    redacted = redact_url(text, url)
    assert "p%40ss" not in redacted
    assert "p@ss" not in redacted
    assert redacted.count("***") == 3


# -- the lock ---------------------------------------------------------------------------------------


def test_a_second_writer_is_refused_with_the_first_named(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    set_command("mettl-async harvest results --out r.jsonl")
    first = open_sink(out, "jsonl", RESULTS, FINGERPRINT, resume=False)
    try:
        info = orjson.loads(lock_path(out).read_bytes())
        assert info["pid"] == os.getpid()
        assert info["command"] == "mettl-async harvest results --out r.jsonl"
        for fmt in ("jsonl", "csv"):
            with pytest.raises(OutputBusyError) as refused:
                open_sink(out, fmt, RESULTS, FINGERPRINT, resume=True)
            assert f"(pid {os.getpid()}, since " in str(refused.value)
            assert "mettl-async harvest results --out r.jsonl)" in str(refused.value)
        assert not out.exists()  # nothing touched: no page came
    finally:
        first.close()
    assert not lock_path(out).exists()  # removed by its holder on the way out
    again = open_sink(out, "jsonl", RESULTS, FINGERPRINT, resume=False)
    again.write_page(page(0, 1), None)
    again.close()


def test_sqlite_is_locked_too_and_a_failed_open_lets_go(tmp_path: Path) -> None:
    out = tmp_path / "r.sqlite"
    fingerprint = FINGERPRINT | {"format": "sqlite"}
    first = open_sink(out, "sqlite", RESULTS, fingerprint, resume=False)
    with pytest.raises(OutputBusyError):
        open_sink(out, "sqlite", RESULTS, fingerprint, resume=False)
    first.close()
    out.write_bytes(b"not a database" * 100)
    with pytest.raises(HarvestError, match="cannot"):
        open_sink(out, "sqlite", RESULTS, fingerprint, resume=True)
    assert not lock_path(out).exists()
    jsonl = tmp_path / "r.jsonl"
    writing = open_sink(jsonl, "jsonl", RESULTS, FINGERPRINT, resume=False)
    writing.write_page(page(0, 1), PagePosition(1, 1))
    with pytest.raises(OutputBusyError):  # a refused open releases nothing of the writer's
        open_sink(jsonl, "jsonl", RESULTS, FINGERPRINT, resume=False, restart=True)
    assert lock_path(jsonl).exists()
    with pytest.raises(OutputBusyError):
        open_sink(jsonl, "jsonl", RESULTS, FINGERPRINT, resume=True)
    writing.close()


def test_a_lock_file_left_by_a_dead_process_does_not_block(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    lock_path(out).write_bytes(b'{"pid": 999999, "command": "killed"}\n')  # no one holds it
    lock = OutputLock.acquire(out)
    assert orjson.loads(lock_path(out).read_bytes())["pid"] == os.getpid()
    lock.release()
    lock.release()  # idempotent


def test_a_lock_file_deleted_under_a_waiting_opener_is_not_shared(tmp_path: Path) -> None:
    """A opens the lock file; its holder deletes it and lets go; A locks the old, unlinked file,
    sees that the path no longer names it, and locks the new one, which a third writer holds."""
    out = tmp_path / "r.jsonl"
    holder = OutputLock.acquire(out)
    stale = os.open(lock_path(out), os.O_RDWR)  # opened before the holder deletes it
    holder.release()
    third = OutputLock.acquire(out)  # creates a new file at the path
    real_open = os.open
    calls = []

    def reopen_stale_first(path: object, flags: int, mode: int = 0o777) -> int:
        calls.append(path)
        return os.dup(stale) if len(calls) == 1 else real_open(path, flags, mode)  # type: ignore[arg-type]

    os.open = reopen_stale_first  # type: ignore[assignment]
    try:
        with pytest.raises(OutputBusyError):
            OutputLock.acquire(out)
    finally:
        os.open = real_open
        os.close(stale)
        third.release()
    assert len(calls) == 2  # the stale file, then the one the path names


# -- streams ------------------------------------------------------------------------------------------


def test_stream_sink_writes_jsonl_and_csv_page_by_page() -> None:
    buffer = io.BytesIO()
    sink = StreamSink("-", "jsonl", RESULTS, FINGERPRINT, stream=buffer)
    sink.write_page(page(0, 2), PagePosition(2, 2))
    assert buffer.getvalue().count(b"\n") == 2  # flushed with its page
    sink.write_page(page(2, 1), None)
    sink.close()
    assert [orjson.loads(line) for line in buffer.getvalue().splitlines()] == page(0, 3)
    assert sink.records == 3
    table = io.BytesIO()
    csv_sink = StreamSink("-", "csv", RESULTS, FINGERPRINT, stream=table)
    assert csv_sink.land(page(0, 2)) == 2
    assert csv_sink.land(page(1, 2)) == 1  # a redelivery is not written twice
    lines = table.getvalue().decode().splitlines()
    assert lines[0] == ",".join(("account", *RESULTS.columns))
    assert [line.split(",")[1] for line in lines[1:]] == ["a0@x.com", "a1@x.com", "a2@x.com"]


def test_a_stream_cannot_resume_or_hold_sqlite() -> None:
    with pytest.raises(HarvestError, match="keeps no checkpoint"):
        StreamSink("-", "jsonl", RESULTS, FINGERPRINT, resume=True, stream=io.BytesIO())
    with pytest.raises(HarvestError, match="sqlite cannot be written to a stream"):
        StreamSink("-", "sqlite", RESULTS, FINGERPRINT, stream=io.BytesIO())


def test_a_reader_that_goes_away_closes_the_output(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    lines: list[bytes] = []

    def read_one_line() -> None:
        with open(fifo, "rb") as reader:
            lines.append(reader.readline())

    reader = threading.Thread(target=read_one_line)
    reader.start()
    sink = open_sink(fifo, "jsonl", RESULTS, FINGERPRINT, resume=False)  # a pipe: a stream
    assert isinstance(sink, StreamSink)
    sink.write_page(page(0, 1), PagePosition(1, 1))
    reader.join()

    def write_until_refused() -> None:
        for n in range(1, 100):  # the first writes after the reader left may still fit the pipe
            sink.write_page(page(n, 50), PagePosition(n + 50, 50))

    with pytest.raises(OutputClosedError, match=f"the reader of {fifo} went away"):
        write_until_refused()
    with pytest.raises(OutputClosedError):
        sink.write_page(page(0, 1), None)
    sink.close()
    assert orjson.loads(lines[0]) == page(0, 1)[0]
    assert not list(tmp_path.glob("*.checkpoint.json"))
    assert not list(tmp_path.glob("*.lock"))
