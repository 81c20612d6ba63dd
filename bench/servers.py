"""The endpoints compared by `make bench`, each started from the same files on loopback.

- seckg, in memory (`seckg serve`) and on disk (`seckg serve --store DIR`, measured building the
  store and restarting on it);
- Oxigraph's own server (`oxigraph load` of each file into its named graph, then
  `oxigraph serve-read-only --union-default-graph`), the reference every figure is a ratio to;
- rdflib-endpoint, the Python peer (`rdflib-endpoint serve FILES`).

Start to ready is measured from launching the command (for Oxigraph, from launching the load)
to the first answered ASK. Memory is sampled every 0.2 s over the whole process tree while the
server lives: the peak of the summed PSS (which counts pages that forked workers share once)
and the peak RSS of any one process.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

BIN = Path(sys.executable).parent
PROGRAMS = {"oxigraph": "oxigraph", "seckg-memory": "seckg", "seckg-disk": "seckg", "rdflib-endpoint": "rdflib-endpoint"}


def missing_programs(servers: list[str]) -> list[str]:
    """Checked before a run, so a missing peer stops it before the graphs are generated, not an hour in."""
    return sorted({PROGRAMS[name] for name in servers if not (BIN / PROGRAMS[name]).exists()})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(c) for c in handle.read().split())
        except OSError:
            continue
    return found


def _kib(path: str, field_name: str) -> int:
    try:
        with open(path) as handle:
            for line in handle:
                if line.startswith(field_name):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler(threading.Thread):
    """Peak summed PSS and peak single-process RSS of a process tree, in MiB."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_pss = self.peak_rss = 0.0
        self.start_pss = self.start_rss = 0.0  # the peaks up to ready (loading, validation)
        self._stop = threading.Event()

    def mark_ready(self) -> None:
        """Keep the peaks so far as the start-up peaks and measure serving from here."""
        self.sample()
        self.start_pss, self.start_rss = self.peak_pss, self.peak_rss
        self.peak_pss = self.peak_rss = 0.0

    def sample(self) -> None:
        pids = _tree(self.pid)
        pss = sum(_kib(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids) / 1024
        rss = max((_kib(f"/proc/{p}/status", "VmRSS:") for p in pids), default=0) / 1024
        self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)

    def run(self) -> None:
        while not self._stop.wait(0.2):
            self.sample()

    def stop(self) -> None:
        self._stop.set()


@dataclass
class Endpoint:
    """A running server under test and where to send each kind of request."""

    name: str
    base_url: str
    query_path: str  # the SPARQL endpoint's path
    dump: tuple[str, str]  # (path, Accept) of the whole-dataset download
    process: subprocess.Popen | None = None
    ready_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    sampler: MemorySampler | None = None
    log: Path | None = None

    def stop(self) -> None:
        if self.sampler:
            self.sampler.sample()
            self.sampler.stop()
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    @property
    def peak_pss_mib(self) -> float:
        return self.sampler.peak_pss if self.sampler else 0.0

    @property
    def peak_rss_mib(self) -> float:
        return self.sampler.peak_rss if self.sampler else 0.0


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _launch(endpoint: Endpoint, command: list[str], log: Path, started: float, ready_timeout: float) -> Endpoint:
    endpoint.log = log
    with log.open("ab") as out:
        endpoint.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    endpoint.sampler = MemorySampler(endpoint.process.pid)
    endpoint.sampler.start()
    probe = f"{endpoint.base_url}{endpoint.query_path}?query={quote('ASK {}')}"
    while not _answers(probe):
        if endpoint.process.poll() is not None:
            raise RuntimeError(f"{endpoint.name} exited with {endpoint.process.returncode}; see {log}")
        if time.perf_counter() - started > ready_timeout:
            endpoint.stop()
            raise RuntimeError(f"{endpoint.name} not ready after {ready_timeout:.0f} s; see {log}")
        time.sleep(0.1)
    endpoint.ready_seconds = time.perf_counter() - started
    endpoint.notes.append(f"load average {os.getloadavg()[0]:.1f} when ready")
    endpoint.sampler.mark_ready()
    return endpoint


TRUSTED = Path(__file__).resolve().parent / "serve_trusted.py"


def start_seckg(root: Path, work: Path, store: Path | None, ready_timeout: float, name: str,
                validate: bool = True) -> Endpoint:
    """`seckg serve` (with `--store` when given); with `validate=False` the in-memory server is
    started by serve_trusted.py and an on-disk store is built by it beforehand, both unvalidated."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    endpoint = Endpoint(name, base, "/sparql", ("/dumps/seckg.nt", "application/n-triples"))
    log = work / f"{name}.log"
    started = time.perf_counter()
    command = [str(BIN / "seckg"), "--root", str(root), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if store is not None:
        command += ["--store", str(store)]
        if not validate and not store.exists():
            with log.open("ab") as out:
                subprocess.run([sys.executable, str(TRUSTED), "--root", str(root), "--build-store", str(store)],
                               stdout=out, stderr=subprocess.STDOUT, check=True)
            endpoint.notes.append(f"store built unvalidated in {time.perf_counter() - started:.2f} s")
    elif not validate:
        command = [sys.executable, str(TRUSTED), "--root", str(root), "--port", str(port)]
    if not validate:
        endpoint.notes.append("started without SHACL validation (see the SHACL line)")
    return _launch(endpoint, command, log, started, ready_timeout)


def start_oxigraph(files: list[tuple[Path, str]], work: Path, ready_timeout: float) -> Endpoint:
    location = work / "oxigraph-store"
    shutil.rmtree(location, ignore_errors=True)
    port = free_port()
    endpoint = Endpoint("oxigraph", f"http://127.0.0.1:{port}", "/query", ("/store", "application/n-quads"))
    log = work / "oxigraph.log"
    started = time.perf_counter()
    with log.open("wb") as out:
        for path, graph in files:
            subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(path),
                            "--format", "ttl", "--graph", graph], stdout=out, stderr=subprocess.STDOUT, check=True)
    endpoint.notes.append(f"bulk load {time.perf_counter() - started:.2f} s")
    command = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location),
               "--bind", f"127.0.0.1:{port}", "--union-default-graph"]
    return _launch(endpoint, command, log, started, ready_timeout)


def start_rdflib_endpoint(files: list[tuple[Path, str]], work: Path, ready_timeout: float) -> Endpoint:
    port = free_port()
    # No dump route: the whole graph is asked for with a CONSTRUCT instead.
    endpoint = Endpoint("rdflib-endpoint", f"http://127.0.0.1:{port}", "/", ("", "application/n-triples"))
    command = [str(BIN / "rdflib-endpoint"), "serve", "--host", "127.0.0.1", "--port", str(port),
               *(str(p) for p, _ in files)]
    return _launch(endpoint, command, work / "rdflib-endpoint.log", time.perf_counter(), ready_timeout)
