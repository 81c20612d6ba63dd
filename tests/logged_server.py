"""`seckg serve` on a free loopback port with everything it prints kept in a file, for tests that read
the server's log (what it says about refused writes, and what it must never say)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from live_server import free_port, request
from live_server import stop_process as stop


def start(root: Path, log_path: Path | None, *args: str, env: dict[str, str] | None = None,
          startup: float = 120, own_group: bool = False) -> tuple[subprocess.Popen, str]:
    """Start the server and wait until it answers; `log_path` None discards what it prints, and
    `own_group` gives it its own process group, so one killpg reaches every process of it."""
    port = free_port()
    with open(log_path or os.devnull, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "seckg", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env={**os.environ, "SECKG_ROOT": str(root), **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=own_group)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup
    while True:
        try:
            if request(base + "/store/status")[0] == 200:
                return process, base
        except OSError:
            pass
        assert process.poll() is None, "the server exited at start-up:\n" + (
            log_path.read_text(errors="replace") if log_path else "")
        assert time.monotonic() < deadline, f"the server did not start within {startup} s"
        time.sleep(0.2)



@contextmanager
def logged_serving(root: Path, log_path: Path, *args: str, env: dict[str, str] | None = None):
    """Yield the base URL; the log is complete once the block has ended (the server has stopped)."""
    process, base = start(root, log_path, *args, env=env)
    try:
        yield base
    finally:
        stop(process)
