"""The demo's last words, how to try iTEP's sandbox, work when pasted into a shell as printed:
the servers go to the background and ``fulfill`` finds its settings in the ``export`` line (it
used to fail with ``missing iTEP url``)."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from mettl_async.cli.sandbox import itep_hint


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_hint_pasted_into_a_shell_gets_a_test_id_and_its_results(tmp_path: Path) -> None:
    said, *lines = itep_hint(free_port(), free_port(), complete_after=0.5)
    assert said.endswith("paste into a shell:")
    assert all(line.startswith("  ") for line in lines)
    assert any(line.strip().startswith("export ITEP_FULFILLMENT_URL=") for line in lines)
    script = "\n".join(line.strip() for line in lines) + "\nsleep 2\nkill %1 %2\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ITEP_", "METTL_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "itep.sqlite") as db:
        landed = db.execute("SELECT test_id, status FROM itep_results ORDER BY status").fetchall()
    assert [status for _, status in landed] == ["Complete", "Finished"]
    test_id = landed[0][0]
    assert landed[1][0] == test_id
    # fulfil prints the test ID on a line of its own; the receiver in the background may print
    # its own line before or after it
    assert test_id in done.stdout.splitlines()
