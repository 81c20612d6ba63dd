"""The endpoint's parts on their own: negotiation, the outbound guard, the killable runner, the disk store."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from seckg.config import Config
from seckg.executor import Busy, Job, QueryRunner
from seckg.loading import load
from seckg.sparql_guard import QueryRejected, check_query, inspect_query
from seckg.disk_store import build_on_disk, disk_stats, open_on_disk, stored_fingerprint
from seckg.store import GraphStore, sources_fingerprint
from seckg.web import create_app
from seckg.web.protocol import GRAPH_OFFERS, RESULT_OFFERS, NotAcceptable, negotiate, parse_accept
from seckg.web.settings import EndpointSettings

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"


@pytest.mark.parametrize(
    "accept, expected",
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/*", "text/csv"),
        ("text/csv;q=0.2, application/sparql-results+xml;q=0.3", "application/sparql-results+xml"),
        ("text/*;q=0.9, text/csv;q=0.1", "text/tab-separated-values"),  # the more specific range rules text/csv
        ("application/xml", "application/sparql-results+xml"),
        ("text/csv;q=nonsense, text/tab-separated-values;q=0.5", "text/tab-separated-values"),
    ],
)
def test_negotiation(accept, expected):
    assert negotiate(RESULT_OFFERS, accept).media == expected


def test_negotiation_refuses_and_format_wins():
    with pytest.raises(NotAcceptable):
        negotiate(RESULT_OFFERS, "text/csv;q=0, application/*;q=0, text/tab-separated-values;q=0")
    assert negotiate(GRAPH_OFFERS, "text/turtle", "json").media == "application/ld+json"
    assert negotiate(GRAPH_OFFERS, None, "application/n-quads").media == "application/n-quads"
    with pytest.raises(NotAcceptable):
        negotiate(GRAPH_OFFERS, "*/*", "csv")
    assert [r.q for r in parse_accept("a/b;q=0.5, bad, */x, c/d;Q=1")] == [0.5, 1.0]


def test_guard_reads_form_datasets_and_services():
    info = inspect_query(
        "BASE <http://b/> PREFIX g: <http://g/> SELECT * FROM g:one FROM NAMED <two> "
        "WHERE { SERVICE SILENT g:s { ?a ?b ?c } }"
    )
    assert info.form == "SELECT"
    assert (info.from_graphs, info.from_named, info.services) == (["http://g/one"], ["http://b/two"], ["http://g/s"])
    assert inspect_query("PREFIX a: <http://a/> DELETE WHERE { ?s a:select ?o }").is_update


def test_guard_allow_lists():
    query = "SELECT * WHERE { SERVICE <http://ok/sparql> { ?s ?p ?o } }"
    with pytest.raises(QueryRejected):
        check_query(query)
    check_query(query, allow_service=["http://ok/sparql"])
    with pytest.raises(QueryRejected):
        check_query("SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }", allow_service=["http://ok/sparql"])
    with pytest.raises(QueryRejected, match="outside this dataset"):
        check_query("SELECT * FROM <http://else/> {}", dataset={"http://g/"})
    check_query("SELECT * FROM <http://g/> {}", dataset={"http://g/"})
    check_query("SELECT * FROM <http://else/> {}", dataset={"http://g/"}, allow_from=["http://else/"])


@pytest.fixture
def store(config) -> GraphStore:
    return GraphStore.from_loaded(load(config))


def test_runner_kills_a_runaway_query_and_serves_the_next(store):
    runner = QueryRunner(lambda: store, slots=1)
    try:
        runner.run(Job("ASK {}"), timeout=30)  # start the child, and learn its pid
        (worker,) = runner._idle
        pid = worker.process.pid
        answer = runner.run(Job(RUNAWAY), timeout=0.5)
        assert answer.status == 503 and "timed out" in answer.message
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # the process that ran it is gone, not left computing
        assert runner.killed == 1
        assert runner.run(Job("ASK { ?s ?p ?o }"), timeout=30).body.strip() == b'{"head":{},"boolean":true}'
    finally:
        runner.close()


def test_runner_refuses_when_every_slot_is_busy(store):
    runner = QueryRunner(lambda: store, slots=1, queue_wait=0)
    try:
        assert runner._free.acquire(blocking=False)  # a query holds the only slot
        with pytest.raises(Busy):
            runner.run(Job("ASK {}"), timeout=30)
        runner._free.release()
        assert runner.run(Job("ASK {}"), timeout=30).status == 200
    finally:
        runner.close()


def test_an_answer_over_the_size_cap_is_refused_whole(store):
    runner = QueryRunner(lambda: store, slots=1)
    try:
        answer = runner.run(Job("SELECT * WHERE { ?s ?p ?o }", max_bytes=200), timeout=30)
        assert answer.status == 422 and answer.body == b""
        assert "larger than 200 bytes" in answer.message
        assert runner.run(Job("SELECT * WHERE { ?s ?p ?o }"), timeout=30).status == 200
    finally:
        runner.close()


def test_busy_and_too_large_over_http(config):
    app = create_app(config, settings=EndpointSettings(max_response_bytes=100, query_slots=1, queue_wait=0))
    client = app.test_client()
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert response.status_code == 422
    runner = app.extensions["seckg.runner"]
    runner._free.acquire()
    try:
        response = client.get("/sparql", query_string={"query": "ASK {}"})
        assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    finally:
        runner._free.release()
        runner.close()


def test_cors_with_configured_origins(config):
    app = create_app(config, settings=EndpointSettings(cors_origins=("https://ok.example",)))
    client = app.test_client()
    ok = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://ok.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://ok.example"
    assert "Origin" in ok.headers["Vary"]
    other = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://evil.example"})
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options("/sparql", headers={"Origin": "https://evil.example",
                                                   "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403 and "not allowed" in preflight.get_data(as_text=True)
    app.extensions["seckg.runner"].close()


def test_an_allow_listed_service_is_called(config):
    """The allow-list really opens SERVICE to the listed endpoint (so the refusals above are the guard's doing)."""
    answer = json.dumps({"head": {"vars": ["x"]},
                         "results": {"bindings": [{"x": {"type": "literal", "value": "remote"}}]}}).encode()

    class Remote(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    remote = HTTPServer(("127.0.0.1", 0), Remote)
    thread = threading.Thread(target=remote.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{remote.server_port}/sparql"
    app = create_app(config, settings=EndpointSettings(allow_service=(url,)))
    try:
        response = app.test_client().get("/sparql", query_string={
            "query": f"SELECT ?x WHERE {{ SERVICE <{url}> {{ ?x ?p ?o }} }}"})
        assert response.status_code == 200
        assert json.loads(response.data)["results"]["bindings"] == [{"x": {"type": "literal", "value": "remote"}}]
        sd = app.test_client().get("/sparql", headers={"Accept": "application/n-triples"}).get_data(as_text=True)
        assert "BasicFederatedQuery" in sd
    finally:
        remote.shutdown()
        app.extensions["seckg.runner"].close()


def test_disk_store_round_trip(config, tmp_path, store):
    directory = tmp_path / "store"
    assert stored_fingerprint(directory) is None
    fingerprint = sources_fingerprint(config)
    build_on_disk(config, directory)
    assert stored_fingerprint(directory) == fingerprint
    disk = open_on_disk(directory)
    assert disk.triples_per_graph() == store.triples_per_graph()
    (config.data_dir / "organizations" / "orgs.ttl").write_text("", encoding="utf-8")
    assert sources_fingerprint(Config(root=config.root)) != fingerprint


def test_a_refused_or_broken_off_build_is_never_taken_for_a_complete_store(config, tmp_path):
    """The manifest goes first and comes back last: a build that a graph fit to serve did not
    come out of (or that was killed) leaves a store the next start builds again."""
    directory = tmp_path / "store"
    fingerprint = sources_fingerprint(config)
    assert build_on_disk(config, directory)
    assert not build_on_disk(config, directory, accept=lambda loaded: False)
    assert stored_fingerprint(directory) is None

    def killed(loaded):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_on_disk(config, directory, accept=killed)
    assert stored_fingerprint(directory) is None
    assert build_on_disk(config, directory) and stored_fingerprint(directory) == fingerprint


def test_disk_store_behind_the_app(config, tmp_path):
    directory = tmp_path / "store"
    build_on_disk(config, directory)
    app = create_app(config, open_store=lambda: open_on_disk(directory), stats=disk_stats(directory))
    assert app.extensions["seckg.graphs"] == GraphStore.from_loaded(load(config)).triples_per_graph()
    response = app.test_client().get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"]) > 0
    app.extensions["seckg.runner"].close()


def test_dumps_beside_a_disk_store_are_kept_across_restarts(config, tmp_path):
    directory, dumps = tmp_path / "store", tmp_path / "store" / "dumps"
    build_on_disk(config, directory)

    def start():
        app = create_app(config, open_store=lambda: open_on_disk(directory), stats=disk_stats(directory),
                         dumps_dir=dumps)
        body = app.test_client().get("/dumps/seckg.nt").data
        app.extensions["seckg.runner"].close()
        return body, (dumps / "seckg.nt").stat().st_mtime_ns

    first, written = start()
    again, kept = start()
    assert b"Armenia" in first and again == first and kept == written  # served, not rewritten
    data = config.root / "data" / "organizations" / "orgs.ttl"
    data.write_text(data.read_text().replace('"North Atlantic Treaty Organization"@en', '"NATO"@en'))
    build_on_disk(config, directory)  # what `seckg serve --store` does then
    changed, _ = start()  # and the dumps are written again
    assert b'"NATO"@en' in changed and b"North Atlantic" not in changed


def test_dumps_beside_a_store_given_by_a_relative_path(config, tmp_path, monkeypatch):
    """`seckg serve --store DIR` with DIR relative to the working directory (bug: the dump was
    written there, then looked for under the package's folder, and every download was a 500)."""
    monkeypatch.chdir(tmp_path)
    build_on_disk(config, Path("store"))
    app = create_app(config, open_store=lambda: open_on_disk(Path("store")), stats=disk_stats(Path("store")),
                     dumps_dir=Path("store") / "dumps")
    try:
        response = app.test_client().get("/dumps/seckg.nt")
        assert response.status_code == 200 and b"Armenia" in response.data
    finally:
        app.extensions["seckg.runner"].close()
