"""Starts `seckg serve` (gunicorn) on a free loopback port for HTTP tests, and stops it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from conftest import BASE_FILES


def write_repo(root: Path, files: dict[str, str] | None = None) -> Path:
    for rel, text in {**BASE_FILES, **(files or {})}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(root: Path, *args: str, env: dict[str, str] | None = None, startup: float = 60):
    """Yield the base URL of `seckg serve ARGS` on 127.0.0.1 while it runs; stop it afterwards."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "seckg", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env={**os.environ, "SECKG_ROOT": str(root), **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup
        while True:
            try:
                urllib.request.urlopen(base + "/sparql", timeout=5).close()
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, f"server did not start within {startup} s"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stderr.close()


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
            method: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one HTTP exchange, errors included (no exception for 4xx/5xx)."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()
