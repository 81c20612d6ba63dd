"""Starts `seckg serve` (gunicorn) on a free loopback port for HTTP tests, and stops it.

`serving_backend` runs the same server over either store: "embedded" loads the
files itself; "remote" starts a real `oxigraph serve` on loopback, fills it with
`seckg load --to` and runs `seckg serve --remote` in front of it.
"""

from __future__ import annotations

import os
import shutil
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


BACKENDS = ("embedded", "remote")
# Seconds oxigraph serve gives a query, so a runaway the app gave up on does not keep a core busy long.
REMOTE_QUERY_TIMEOUT = 5


class _PortTaken(Exception):
    """Another process bound the port between `free_port` and the server's own bind."""


def _wait_until_up(url: str, process: subprocess.Popen, startup: float) -> None:
    deadline = time.monotonic() + startup
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:
            return  # it answers, if only to say the request was incomplete
        except (urllib.error.URLError, ConnectionError):
            if process.poll() is not None:
                errors = process.stderr.read().decode()
                if "in use" in errors:  # gunicorn: "Connection in use"; oxigraph: "Address already in use"
                    raise _PortTaken(errors)
                raise AssertionError(errors)
            assert time.monotonic() < deadline, f"{url} did not come up within {startup} s"
            time.sleep(0.2)


def stop_process(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if process.stderr is not None:
        process.stderr.close()


def oxigraph_command() -> str:
    """The `oxigraph` server binary installed with the test extra (PyPI package `oxigraph`)."""
    found = shutil.which("oxigraph", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    assert found, "oxigraph is not installed: pip install -e '.[test]'"
    return found


@contextmanager
def _running(command: list[str], probe: str, env: dict[str, str] | None, startup: float):
    """Yield http://127.0.0.1:PORT while `command` (given PORT) serves `probe` there; stop it afterwards.

    Tests run in parallel (pytest-xdist) and beside other programs, so a free port can be taken
    before the server binds it; then the server is started again on another."""
    for attempt in range(3):
        port = free_port()
        server = subprocess.Popen([part.replace("{port}", str(port)) for part in command],
                                  env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(base + probe, server, startup)
        except _PortTaken:
            stop_process(server)
            if attempt == 2:
                raise
            continue
        except BaseException:
            stop_process(server)
            raise
        try:
            yield base
        finally:
            stop_process(server)
        return


def oxigraph_server(*args: str, startup: float = 30):
    """Yield the base URL of an empty in-memory `oxigraph serve ARGS` on 127.0.0.1 (endpoints /query, /store)."""
    command = [oxigraph_command(), "serve", "--bind", "127.0.0.1:{port}", "--timeout-s", str(REMOTE_QUERY_TIMEOUT),
               *args]
    return _running(command, "/query", None, startup)


def load_into(root: Path, target: str, *args: str) -> subprocess.CompletedProcess:
    """Run `seckg load --to TARGET` over the repository at `root`."""
    return subprocess.run([sys.executable, "-m", "seckg", "load", "--to", target, *args],
                          env={**os.environ, "SECKG_ROOT": str(root)}, capture_output=True, text=True, timeout=300)


@contextmanager
def serving_backend(backend: str, root: Path, *args: str, env: dict[str, str] | None = None):
    """Yield the base URL of `seckg serve ARGS` over the files at `root`, held by `backend`."""
    if backend == "embedded":
        with serving(root, *args, env=env) as base:
            yield base
        return
    with oxigraph_server() as store:
        loaded = load_into(root, store + "/store")
        assert loaded.returncode == 0, loaded.stderr
        with serving(root, "--remote", store + "/query", *args, env=env) as base:
            yield base


def serving(root: Path, *args: str, env: dict[str, str] | None = None, startup: float = 60):
    """Yield the base URL of `seckg serve ARGS` on 127.0.0.1 while it runs; stop it afterwards."""
    command = [sys.executable, "-m", "seckg", "serve", "--host", "127.0.0.1", "--port", "{port}", *args]
    return _running(command, "/sparql", {"SECKG_ROOT": str(root), **(env or {})}, startup)


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
