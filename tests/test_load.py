"""64 concurrent clients for a bounded time against a live server (gunicorn, as `seckg serve` runs it):
named queries, /sparql, dumps and entity pages, mixed. Every response is checked against what the
sources say, computed here in-process from the same files: zero 5xx, zero wrong answers.

Latency percentiles are printed (run with -s to see them) and recorded as test properties; they are
figures for the README, never asserted.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import statistics
import threading
import time
import urllib.parse
from collections import Counter

import pyoxigraph as ox
import pytest

from crowd import STATES, crowd_turtle
from hostile_graph import HOSTILE_FILES
from live_server import write_repo
from logged_server import logged_serving
from seckg.config import Config
from seckg.loading import load
from seckg.named_queries import load_named_queries
from seckg.store import GraphStore

CLIENTS = 64
SECONDS = 20
ID = "https://w3id.org/seckg/id/"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
DUMPS = ("seckg.nt", "seckg.nq", "seckg.ttl", "seckg.trig.gz", "seckg.jsonld")
pytestmark = pytest.mark.slow(25)


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return write_repo(tmp_path_factory.mktemp("load"), {**HOSTILE_FILES, "data/states/crowd.ttl": crowd_turtle()})


class Oracle:
    """What the right answer to each request is, from the files, without the server."""

    def __init__(self, root):
        config = Config(root=root)
        self.store = GraphStore.from_loaded(load(config))
        self.queries = load_named_queries(config.queries_dir)
        self._cache: dict = {}
        self._lock = threading.Lock()

    def rows(self, name: str, params: dict) -> list[tuple]:
        key = (name, tuple(sorted(params.items())))
        with self._lock:
            if key not in self._cache:
                answer = self.store.query(self.queries[name].bind(params))
                self._cache[key] = sorted(tuple(str(s[v]) for v in answer.variables) for s in answer)
            return self._cache[key]

    def own_triples(self, iri: str) -> set[str]:
        with self._lock:
            quads = self.store.store.quads_for_pattern(ox.NamedNode(iri), None, None, None)
            return {str(ox.Triple(q.subject, q.predicate, q.object)) for q in quads}

    def label(self, iri: str) -> str:
        with self._lock:
            return next(self.store.store.quads_for_pattern(ox.NamedNode(iri), LABEL, None, None)).object.value


def result_rows(body: bytes) -> list[tuple]:
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return sorted(tuple(str(s[v]) for v in solutions.variables) for s in solutions)


class Client(threading.Thread):
    """One user: keeps a connection open and asks a random mix until the deadline."""

    def __init__(self, number: int, port: int, oracle: Oracle, deadline: float, dump_sums: dict):
        super().__init__(daemon=True)
        self.random = random.Random(number)
        self.port, self.oracle, self.deadline, self.dump_sums = port, oracle, deadline, dump_sums
        self.latencies: dict[str, list[float]] = {}
        self.statuses: Counter = Counter()
        self.wrong: list[str] = []
        self.errors: list[str] = []
        self.server_errors: list[str] = []

    def request(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        for attempt in (1, 2):  # a kept-alive connection the server closed is reopened once
            try:
                self.conn.request("GET", path, headers=headers or {})
                response = self.conn.getresponse()
                body = response.read()
                if response.status >= 500:  # kept with its message, so a failure says what broke
                    self.server_errors.append(f"{path}: {response.status} {body[:300]!r}")
                return response.status, dict(response.getheaders()), body
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def one(self) -> tuple[str, str, int, str | None]:
        """Make one request; (kind, path, status, what was wrong or None)."""
        kind = self.random.choice(["members", "label", "sparql", "page", "document", "thing", "dump"])
        state = f"{ID}state/S{self.random.randrange(STATES)}"
        if kind == "members":
            params = {"org": f"{ID}org/CSTO", "date": f"{self.random.randrange(2000, 2010)}-06-01"}
            path = "/api/members-on-date?" + urllib.parse.urlencode(params)
            status, _, body = self.request(path)
            return kind, path, status, None if status != 200 or result_rows(body) == \
                self.oracle.rows("members-on-date", params) else "rows differ"
        if kind == "label":
            params = {"name": self.oracle.label(state)}
            path = "/api/by-label?" + urllib.parse.urlencode(params)
            status, _, body = self.request(path)
            return kind, path, status, None if status != 200 or result_rows(body) == [(f"<{state}>",)] \
                else "rows differ"
        if kind == "sparql":
            query = f"SELECT ?label WHERE {{ <{state}> <{LABEL.value}> ?label }}"
            path = "/sparql?" + urllib.parse.urlencode({"query": query})
            status, _, body = self.request(path)
            return kind, path, status, None if status != 200 or result_rows(body) == \
                [(str(ox.Literal(self.oracle.label(state), language="en")),)] else "rows differ"
        local = state[len("https://w3id.org/seckg/"):]
        if kind == "page":
            path = f"/{local}.html"
            status, _, body = self.request(path)
            title = f"<title>{self.oracle.label(state)} · seckg</title>"
            return kind, path, status, None if status != 200 or title in body.decode() else "title missing"
        if kind == "document":
            path = f"/{local}.nt"
            status, _, body = self.request(path)
            got = {str(t) for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)} if status == 200 else set()
            return kind, path, status, None if status != 200 or self.oracle.own_triples(state) <= got \
                else "triples missing"
        if kind == "thing":
            path = f"/{local}"
            status, headers, _ = self.request(path, {"Accept": "text/turtle"})
            return kind, path, 200 if status == 303 else status, None if status != 303 or \
                headers.get("Location", "").endswith(f"/{local}.ttl") else "wrong redirect"
        name = self.random.choice(DUMPS)
        path = f"/dumps/{name}"
        status, headers, body = self.request(path)
        digest = hashlib.sha256(body).hexdigest()
        return kind, path, status, None if status != 200 or (digest == self.dump_sums[name]
                                                            and headers.get("ETag") == f'"{digest}"') else "bytes differ"

    def run(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while time.monotonic() < self.deadline:
            started = time.monotonic()
            try:
                kind, path, status, wrong = self.one()
            except Exception as error:  # noqa: BLE001 - every failure is reported, none stops the others
                self.errors.append(repr(error))
                continue
            self.latencies.setdefault(kind, []).append(time.monotonic() - started)
            self.statuses[status] += 1
            if wrong:
                self.wrong.append(f"{path}: {wrong}")
        self.conn.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def verified_dump_sums(base_port: int, oracle: Oracle) -> dict[str, str]:
    """SHA-256 of each dump, after checking once that it holds exactly the dataset's triples."""
    import gzip

    conn = http.client.HTTPConnection("127.0.0.1", base_port, timeout=60)
    sums = {}
    expected_quads = {str(q) for q in oracle.store.store.quads_for_pattern(None, None, None, None)}
    expected_triples = {str(ox.Triple(q.subject, q.predicate, q.object))
                        for q in oracle.store.store.quads_for_pattern(None, None, None, None)}
    formats = {"nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS, "ttl": ox.RdfFormat.TURTLE,
               "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD}
    for name in DUMPS:
        conn.request("GET", f"/dumps/{name}")
        body = conn.getresponse().read()
        text = gzip.decompress(body) if name.endswith(".gz") else body
        parsed = {str(q) for q in ox.parse(text, format=formats[name.split(".")[1]])}
        quads = name.split(".")[1] in ("nq", "trig")
        assert parsed == (expected_quads if quads else expected_triples), name
        sums[name] = hashlib.sha256(body).hexdigest()
    conn.close()
    return sums


def test_64_clients_get_no_5xx_and_no_wrong_answer(repo, record_property, tmp_path):
    oracle = Oracle(repo)
    log = tmp_path / "server.log"
    with logged_serving(repo, log, "--workers", "2") as base:
        port = int(base.rsplit(":", 1)[1])
        sums = verified_dump_sums(port, oracle)
        deadline = time.monotonic() + SECONDS
        clients = [Client(n, port, oracle, deadline, sums) for n in range(CLIENTS)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=SECONDS + 120)
        assert not any(client.is_alive() for client in clients), "a client hung"
    statuses = sum((c.statuses for c in clients), Counter())
    errors = [e for c in clients for e in c.errors]
    wrong = [w for c in clients for w in c.wrong]
    by_kind: dict[str, list[float]] = {}
    for client in clients:
        for kind, values in client.latencies.items():
            by_kind.setdefault(kind, []).extend(values)
    every = [v for values in by_kind.values() for v in values]
    figures = {"requests": len(every), "per_second": round(len(every) / SECONDS, 1),
               "p50_ms": round(statistics.median(every) * 1000, 1),
               "p99_ms": round(percentile(every, 0.99) * 1000, 1),
               "by_kind_p99_ms": {k: round(percentile(v, 0.99) * 1000, 1) for k, v in sorted(by_kind.items())},
               "statuses": dict(statuses)}
    record_property("load", json.dumps(figures))
    print(f"\n{CLIENTS} clients for {SECONDS} s: {json.dumps(figures)}")
    assert errors == []
    assert wrong == []
    assert set(statuses) == {200}, (statuses, [e for c in clients for e in c.server_errors])
    printed = log.read_text(errors="replace")  # no worker died or was replaced under the load
    assert printed.count("Booting worker") == 2 and "WORKER TIMEOUT" not in printed and "Traceback" not in printed, \
        printed[-3000:]
    assert len(by_kind) == 7 and min(len(v) for v in by_kind.values()) >= 10
