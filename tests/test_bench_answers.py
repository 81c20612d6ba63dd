"""The benchmark's answer check: a right answer passes however it is written, a wrong one fails.
Also that the synthetic graph is the same for the same seed, and that a run without its peers stops at once."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import answers  # noqa: E402
import synthetic  # noqa: E402

DATA = """\
<http://x/a> <http://www.w3.org/2000/01/rdf-schema#label> "A"@en .
<http://x/a> <http://x/p> <http://x/b> .
<http://x/b> <http://www.w3.org/2000/01/rdf-schema#label> "B" .
<http://x/b> <http://x/when> "2005-11-01"^^<http://www.w3.org/2001/XMLSchema#date> .
<http://x/b> <http://x/part> _:n .
_:n <http://x/value> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .
"""
SELECT = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    path = tmp_path_factory.mktemp("ref") / "data.ttl"
    path.write_text(DATA)
    return answers.Reference([(path, "http://x/graph")])


def results(*rows):
    return json.dumps({"head": {"vars": ["s", "label"]}, "results": {"bindings": list(rows)}}).encode()


A = {"s": {"type": "uri", "value": "http://x/a"}, "label": {"type": "literal", "value": "A", "xml:lang": "en"}}
B = {"s": {"type": "uri", "value": "http://x/b"}, "label": {"type": "literal", "value": "B"}}
JSON = "application/sparql-results+json"


def test_a_right_answer_passes_in_any_order_and_spelling(reference):
    expected = reference.expected(SELECT)
    answers.check(expected, results(A, B), JSON, "server")
    explicit = {**B, "label": {**B["label"], "datatype": "http://www.w3.org/2001/XMLSchema#string"}}
    answers.check(expected, results(explicit, A), JSON + "; charset=utf-8", "server")


@pytest.mark.parametrize("rows", [
    [A],  # a row missing
    [A, B, B],  # a row twice
    [A, {**B, "label": {"type": "literal", "value": "C"}}],  # a wrong value
    [A, {**B, "label": {"type": "literal", "value": "B", "xml:lang": "en"}}],  # a language added
    [A, B, {}],  # an empty row (what rdflib gives for a GROUP BY over no solutions)
])
def test_a_wrong_answer_fails(reference, rows):
    with pytest.raises(answers.WrongAnswer, match="server"):
        answers.check(reference.expected(SELECT), results(*rows), JSON, "server")


def test_an_unreadable_answer_fails(reference):
    with pytest.raises(answers.WrongAnswer, match="unreadable"):
        answers.check(reference.expected(SELECT), b"<html>busy</html>", JSON, "server")


def test_graph_answers_compare_as_triples_in_any_syntax(reference):
    expected = reference.expected("DESCRIBE <http://x/b>")
    lines = [line for line in DATA.splitlines() if line.startswith(("<http://x/b>", "_:n"))]
    answers.check(expected, "\n".join(reversed(lines)).encode(), "application/n-triples", "server")
    rdfxml = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:x="http://x/">
  <rdf:Description rdf:about="http://x/b">
    <label xmlns="http://www.w3.org/2000/01/rdf-schema#">B</label>
    <x:when rdf:datatype="http://www.w3.org/2001/XMLSchema#date">2005-11-01</x:when>
    <x:part><rdf:Description><x:value rdf:datatype="http://www.w3.org/2001/XMLSchema#integer">1</x:value></rdf:Description></x:part>
  </rdf:Description>
</rdf:RDF>"""
    answers.check(expected, rdfxml, "application/sparql-results+xml", "server")  # rdflib-endpoint's label
    with pytest.raises(answers.WrongAnswer):
        answers.check(expected, "\n".join(lines[:-1]).encode(), "application/n-triples", "server")


def test_the_synthetic_graph_is_deterministic_and_sized(tmp_path):
    first = synthetic.write_root(tmp_path / "a", 10_000)
    second = synthetic.write_root(tmp_path / "b", 10_000)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    triples = sum(p.read_text(encoding="utf-8").count("\n") for p in first)
    assert 8_000 < triples < 12_000
    assert (tmp_path / "a" / "queries").is_dir() and (tmp_path / "a" / "shapes").is_dir()


class _Answering:
    """A loopback HTTP server that answers every GET with fixed bytes, right or wrong."""

    def __init__(self, body: bytes):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", JSON)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _run():
    import argparse

    import run

    return run.Run(argparse.Namespace(verify_budget=60, request_timeout=10, seconds=0.3, dump_clients=[1],
                                      min_requests=0, max_seconds=None))


@pytest.mark.parametrize("right", [True, False])
def test_the_run_fails_a_server_that_answers_wrong(reference, right):
    import servers
    import workloads

    query = workloads.Query("labels", SELECT, JSON)
    server = _Answering(results(A, B) if right else results(A))
    try:
        endpoint = servers.Endpoint("fake", server.url, "/sparql", ("", JSON))
        run = _run()
        checked = run.verify(endpoint, [query], {"labels": reference.expected(SELECT)})
        assert bool(checked) is right
        assert bool(run.wrong) is not right
        if right:  # the timed phase compares each answer with the checked one's length
            checked["labels"]["length"] += 1
            run.load_cells(endpoint, "uncached", {"named": [query]}, checked)
            assert run.wrong and "wrong length" in run.wrong[0][1]
    finally:
        server.close()


def test_a_peer_that_is_not_installed_stops_the_run_before_any_graph_is_made(tmp_path, monkeypatch, capsys):
    import run
    import servers

    monkeypatch.setattr(servers, "BIN", tmp_path / "bin")
    work = tmp_path / "work"
    monkeypatch.setattr(sys, "argv", ["run.py", "--sizes", "10k", "--servers", "oxigraph", "rdflib-endpoint",
                                      "--work", str(work), "--out", str(tmp_path / "out")])
    assert run.main() == 2
    err = capsys.readouterr().err
    assert "not installed" in err and "oxigraph, rdflib-endpoint" in err
    assert not work.exists()


def test_the_fixed_size_part_of_the_mix_leaves_out_crowded_nodes_and_the_dump():
    """The 10M-against-1M comparison is also made on the requests whose answers do not grow with
    the graph: the crowded variant #0 of every named query and the dump are left out of it."""
    import workloads
    from load import LoadResult

    keys = ["organization-members#0", "organization-members#1", "describe#0", "dump", "office-holders#3"]
    result = LoadResult(seconds=1.0, latencies=[9.0, 0.1, 0.2, 8.0, 0.3], keys=keys)
    assert [k for k in keys if workloads.fixed_size(k)] == ["organization-members#1", "describe#0", "office-holders#3"]
    assert result.percentile(50, workloads.fixed_size) == 0.2 and result.percentile(99, workloads.fixed_size) == 0.3
    assert result.percentile(99) == 9.0


class _Slow(_Answering):
    """An answering server that takes `delay` seconds per answer, like a large query."""

    def __init__(self, body: bytes, delay: float):
        super().__init__(body)
        handler = self.server.RequestHandlerClass
        answer = handler.do_GET

        def slow_get(this):
            import time

            time.sleep(delay)
            answer(this)

        handler.do_GET = slow_get


def test_a_cell_of_slow_answers_goes_on_until_its_percentiles_rest_on_enough_of_them():
    """At 10M a few-second cell held one request; a cell now lasts until `min_requests` answers
    are in, and never past `max_seconds`."""
    from load import Request, run_load

    server = _Slow(results(A), delay=0.02)
    try:
        requests = [Request("labels", "/sparql")]
        enough = run_load(server.url, requests, 1, 0.01, lambda request, response: None, 10, min_requests=20,
                          max_seconds=30)
        assert len(enough.latencies) >= 20 and enough.seconds < 30
        bounded = run_load(server.url, requests, 1, 0.01, lambda request, response: None, 10, min_requests=10**6,
                           max_seconds=0.3)
        assert 0 < len(bounded.latencies) < 10**6 and bounded.seconds < 5
        plain = run_load(server.url, requests, 1, 0.01, lambda request, response: None, 10)
        assert len(plain.latencies) <= 2
    finally:
        server.close()
