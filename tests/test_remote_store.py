"""Remote-store mode against a real `oxigraph serve` on loopback: `seckg load --to`, `RemoteStore`,
and what the app says when the remote store fails. The HTTP behaviour shared with the embedded
store is tested by the HTTP modules, which run against both stores (see live_server.BACKENDS)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import UNLABELLED_ALLIANCE
from live_server import free_port, oxigraph_server, request, serving, write_repo
from seckg.cli import main
from seckg.config import Config
from seckg.loading import load
from seckg.remote import RemoteStore
from seckg.sparql_guard import QueryRejected
from seckg.store import AnswerTooLarge, GraphStore, StoreUnavailable
from seckg.web import create_app
from seckg.web.settings import EndpointSettings


def load_to(root: Path, *args: str):
    return CliRunner().invoke(main, ["--root", str(root), "load", "--to", *args])


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return write_repo(tmp_path_factory.mktemp("remote-repo"))


@pytest.fixture(scope="module")
def remote(repo):
    """An oxigraph serve holding the tiny repository, pushed with the Graph Store Protocol."""
    with oxigraph_server() as base:
        result = load_to(repo, base + "/store")
        assert result.exit_code == 0, result.output
        yield base


@pytest.fixture(scope="module")
def embedded(repo) -> GraphStore:
    return GraphStore.from_loaded(load(Config(root=repo)))


def test_load_pushes_one_graph_per_file_under_the_embedded_iris(remote, embedded):
    store = RemoteStore(remote + "/query")
    assert store.triples_per_graph() == embedded.triples_per_graph()
    assert store.union_size() == embedded.union_size()
    assert store.instances_per_class() == embedded.instances_per_class()
    assert sorted(map(str, store.quads())) != [] and len(list(store.quads())) == len(embedded)


def test_a_remote_whose_default_graph_is_the_union(repo, embedded):
    """With --remote-union the graphs are not listed in each query; the answers stay the same."""
    with oxigraph_server("--union-default-graph") as base:
        assert load_to(repo, base + "/store").exit_code == 0
        store = RemoteStore(base + "/query", union_default=True)
        assert store.union_size() == embedded.union_size()
        assert store.instances_per_class() == embedded.instances_per_class()
        assert len(list(store.triples())) == embedded.union_size()
        named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        assert int(next(iter(store.query(named)))["n"].value) == len(embedded)
    with oxigraph_server() as base:  # a remote with a default graph of its own: the flag would be wrong
        assert load_to(repo, base + "/store").exit_code == 0
        assert RemoteStore(base + "/query", union_default=True).union_size() == 0


def test_load_again_replaces_rather_than_adds(remote, repo, embedded):
    result = load_to(repo, remote + "/store")
    assert result.exit_code == 0 and "loaded" in result.output
    assert RemoteStore(remote + "/query").triples_per_graph() == embedded.triples_per_graph()


def test_load_with_sparql_update(repo, embedded):
    with oxigraph_server() as base:
        result = load_to(repo, base + "/update", "--update")
        assert result.exit_code == 0, result.output
        assert RemoteStore(base + "/query").triples_per_graph() == embedded.triples_per_graph()
        result = load_to(repo, base + "/update", "--update")  # DROP then INSERT: same graphs, not doubled
        assert RemoteStore(base + "/query").triples_per_graph() == embedded.triples_per_graph()


def test_load_with_shapes_adds_one_graph_per_shapes_file(repo, embedded):
    with oxigraph_server() as base:
        result = load_to(repo, base + "/store", "--shapes")
        assert result.exit_code == 0, result.output
        pushed = RemoteStore(base + "/query").triples_per_graph()
    shapes = "https://w3id.org/seckg/graph/shapes/core"
    assert set(pushed) == set(embedded.triples_per_graph()) | {shapes}
    assert pushed[shapes] == len(load(Config(root=repo)).shapes)


def test_load_refuses_a_graph_that_does_not_conform(make_repo):
    bad = make_repo({"data/organizations/sco.ttl": UNLABELLED_ALLIANCE})
    with oxigraph_server() as base:
        result = load_to(bad, base + "/store")
        assert result.exit_code == 1 and "does not conform" in result.output
        assert RemoteStore(base + "/query").triples_per_graph() == {}  # nothing was pushed


def test_load_to_an_unreachable_store_exits_3(repo):
    port = free_port()  # nothing listens there
    result = load_to(repo, f"http://127.0.0.1:{port}/store")
    assert result.exit_code == 3
    assert "cannot reach" in result.output and f"127.0.0.1:{port}" in result.output
    assert "after 0 of 3 graph(s)" in result.output


def test_load_names_the_status_the_store_answered(repo, remote):
    result = load_to(repo, remote + "/no-such-service")
    assert result.exit_code == 3
    assert "answered 404" in result.output and "no-such-service" in result.output


@pytest.mark.parametrize("query, error, says", [
    ("SELEC ?x WHERE {}", SyntaxError, "error at 1:"),
    ("SELECT * WHERE { ?s ?p }", SyntaxError, "error at"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", QueryRejected, "SERVICE"),
    ("LOAD <http://127.0.0.1:9/>", SyntaxError, "error at"),
])
def test_bad_queries_never_leave_the_server(trap, query, error, says):
    """Parsed and guarded here: a malformed or forbidden query is refused before any connection."""
    store = RemoteStore(trap[1], timeout=2)
    store._graphs = {}  # skip asking the (silent) store for its graphs
    with pytest.raises(error, match=says):
        store.query(query)


def test_an_answer_over_the_cap_is_refused_whole(remote):
    store = RemoteStore(remote + "/query", max_bytes=200)
    with pytest.raises(AnswerTooLarge):
        list(store.query("SELECT * WHERE { ?s ?p ?o }"))
    assert store.query("ASK { ?s ?p ?o }")  # a small answer still comes through


def test_app_in_remote_mode_reports_a_store_that_went_away(repo):
    with oxigraph_server() as base:
        assert load_to(repo, base + "/store").exit_code == 0
        app = create_app(Config(root=repo), store=RemoteStore(base + "/query", timeout=5),
                         settings=EndpointSettings(timeout=10))
    client = app.test_client()  # the store has stopped now
    try:
        response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        assert response.status_code == 502
        assert "cannot be reached" in response.get_data(as_text=True)
        response = client.get("/sparql", query_string={"query": "ASK {"})
        assert response.status_code == 400 and "malformed query: error at" in response.get_data(as_text=True)
        assert client.get("/id/org/CSTO.ttl").status_code == 502
    finally:
        app.extensions["seckg.runner"].close()


def test_serve_remote_says_why_it_cannot_start(repo):
    port = free_port()
    result = CliRunner().invoke(main, ["--root", str(repo), "serve", "--remote", f"http://127.0.0.1:{port}/query"])
    assert result.exit_code == 3
    assert "cannot be reached" in result.output
    result = CliRunner().invoke(main, ["--root", str(repo), "serve", "--remote", "http://x/query", "--store", "d"])
    assert result.exit_code == 2 and "cannot be combined" in result.output


def test_remote_mode_from_the_environment(repo):
    """$SECKG_REMOTE alone puts `seckg serve` in remote mode: it serves what the store holds."""
    extra = b"<https://w3id.org/seckg/id/org/X> <http://www.w3.org/2000/01/rdf-schema#label> \"only remote\" .\n"
    with oxigraph_server() as store:
        assert load_to(repo, store + "/store").exit_code == 0
        status, _, _ = request(store + "/store?graph=https%3A%2F%2Fexample.org%2Fonly-remote", data=extra,
                               headers={"Content-Type": "application/n-triples"}, method="PUT")
        assert status == 201
        with serving(repo, "--workers", "1", env={"SECKG_REMOTE": store + "/query"}) as base:
            status, _, body = request(base + "/sparql?query=ASK%7B%3Fs%20%3Fp%20%22only%20remote%22%7D",
                                      headers={"Accept": "application/sparql-results+json"})
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.fixture
def scripted():
    """A loopback endpoint that answers every request with the (status, media type, body) it is given."""
    reply = {}

    class Endpoint(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, media, body = reply["value"]
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Endpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    store = RemoteStore(f"http://127.0.0.1:{server.server_port}/sparql", timeout=5, union_default=True)
    yield reply, store
    server.shutdown()


@pytest.mark.parametrize("status, media, body, error, says", [
    (400, "text/plain", b"Unknown function ex:f", SyntaxError, "refused the query: Unknown function ex:f"),
    (500, "text/plain", b"out of memory", StoreUnavailable, "answered 500: out of memory"),
    (503, "text/plain", b"query timed out", StoreUnavailable, "busy or timed out (503): query timed out"),
    (401, "text/plain", b"who are you", StoreUnavailable, "answered 401: who are you"),
    (200, "text/html", b"<html>login</html>", StoreUnavailable, "text/html, which is not a SPARQL results format"),
])
def test_what_the_store_answers_becomes_a_clear_status(scripted, status, media, body, error, says):
    """A refusal by the remote (its SPARQL dialect differs) is the client's 400; its failures are 502/503."""
    reply, store = scripted
    reply["value"] = (status, media, body)
    with pytest.raises(error) as raised:
        store.query("SELECT * WHERE { ?s ?p ?o }")
    assert says in str(raised.value)
    expected = {400: 400, 503: 503}.get(status, 502)
    assert getattr(raised.value, "status", 400) == expected
