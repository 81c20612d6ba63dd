"""Writes over HTTP against a live server on 127.0.0.1: tokens, SPARQL Update, the Graph Store
Protocol, SHACL-gated transactions, the write log and the export back to files.

One server (gunicorn, two workers, an on-disk store) serves the whole module; each test reads the
state it needs instead of assuming an order. Durability under kill -9 and `--watch` have their own
servers in test_writes_durability.py and test_watch.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from live_server import request, serving, write_repo
from seckg.cli import main
from seckg.config import Config
from seckg.loading import load

ALICE = "alice-0123456789abcdef-secret"
BOB = "bob-fedcba9876543210-secret"
BASE = "https://w3id.org/seckg/"
ORGS = BASE + "graph/data/organizations/orgs"
MEMBERSHIPS = BASE + "graph/data/memberships/memberships"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SEC = "https://w3id.org/seckg/ontology#"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = write_repo(tmp_path_factory.mktemp("writes") / "repo")
    tokens = root.parent / "tokens"
    tokens.write_text(f"# who may write\nalice:{ALICE}\nbob:{BOB}\n")
    store = root.parent / "store"
    with serving(root, "--store", str(store), "--write-tokens", str(tokens), "--workers", "2",
                 "--default-graph", "data/curated/unfiled.ttl") as base:
        yield {"base": base, "root": root, "store": store}


def update(server, text: str, token: str | None = ALICE, accept: str | None = None, **params):
    headers = {"Content-Type": "application/sparql-update"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if accept:
        headers["Accept"] = accept
    query = ("?" + urllib.parse.urlencode(params, doseq=True)) if params else ""
    return request(server["base"] + "/update" + query, text.encode(), headers)


def ask(server, pattern: str) -> bool:
    status, _, body = request(server["base"] + "/sparql?" + urllib.parse.urlencode({"query": f"ASK {{ {pattern} }}"}))
    assert status == 200, body
    return json.loads(body)["boolean"]


def generation(server) -> int:
    return json.loads(request(server["base"] + "/store/status")[2])["generation"]


def graph_nt(server, graph: str | None) -> tuple[int, bytes]:
    target = f"graph={urllib.parse.quote(graph, safe='')}" if graph else "default"
    status, _, body = request(f"{server['base']}/data?{target}", headers={"Accept": "application/n-triples"})
    return status, body


def snapshot(server) -> bytes:
    """Every named graph's triples, as a client would fetch them, to compare before and after."""
    return b"".join(graph_nt(server, g)[1] for g in (ORGS, MEMBERSHIPS))


def test_writes_are_off_by_default(client):
    """Without --write-tokens the app refuses every write, and still serves the graphs to read."""
    assert client.post("/update", data="INSERT DATA { <a:b> <a:c> <a:d> }",
                       content_type="application/sparql-update").status_code == 403
    put = client.put(f"/data?graph={ORGS}", data="<a:b> <a:c> <a:d> .", content_type="application/n-triples")
    assert put.status_code == 403 and b"does not accept writes" in put.data
    got = client.get("/data", query_string={"graph": ORGS}, headers={"Accept": "text/turtle"})
    assert got.status_code == 200 and b"Collective Security Treaty Organization" in got.data
    assert client.get("/store/status").json == {"generation": 0, "writes": False, "watch": False}


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token-of-some-length", f"Basic {ALICE}",
                                           f"Bearer {ALICE}x", "Bearer "])
def test_without_a_valid_token_401_and_nothing_changes(server, authorization):
    before, first = snapshot(server), generation(server)
    headers = {"Content-Type": "application/sparql-update"}
    if authorization is not None:
        headers["Authorization"] = authorization
    text = f'INSERT DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/CSTO> <{RDFS}comment> "intruder" }} }}'
    status, response_headers, body = request(server["base"] + "/update", text.encode(), headers)
    assert status == 401, body
    assert response_headers["WWW-Authenticate"].startswith("Bearer")
    assert ALICE.encode() not in body
    status, _, _ = request(f"{server['base']}/data?graph={ORGS}", b"", {"Authorization": authorization or ""},
                           method="DELETE")
    assert status == 401
    assert snapshot(server) == before and generation(server) == first


def test_sparql_update_as_form_and_as_body(server):
    first = generation(server)
    form = urllib.parse.urlencode({"update": f'INSERT DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/NATO> '
                                             f'<{RDFS}comment> "form write" }} }}'}).encode()
    status, headers, body = request(server["base"] + "/update", form,
                                    {"Authorization": f"Bearer {ALICE}",
                                     "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, body
    assert json.loads(body)["graphs"] == {ORGS: {"removed": 0, "added": 1}}
    assert int(headers["X-Seckg-Generation"]) == first + 1 == generation(server)
    status, _, body = update(server, f'DELETE DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/NATO> '
                                     f'<{RDFS}comment> "form write" }} }}', token=BOB)
    assert status == 200, body
    assert not ask(server, f'?s <{RDFS}comment> "form write"')


def test_update_of_the_default_graph_edits_the_file_that_states_the_triple(server):
    """DELETE/INSERT … WHERE without GRAPH works on the union, as queries see it; the new value
    lands in the file that describes the membership."""
    text = f"""PREFIX sec: <{SEC}>
    DELETE {{ ?m sec:since ?d }} INSERT {{ ?m sec:since "2006-06-23"^^<http://www.w3.org/2001/XMLSchema#date> }}
    WHERE {{ ?m sec:since ?d FILTER(?m = <{BASE}id/membership/CSTO-KAZ>) }}"""
    status, _, body = update(server, text)
    assert status == 200, body
    assert json.loads(body)["graphs"] == {MEMBERSHIPS: {"removed": 1, "added": 1}}
    assert ask(server, f'GRAPH <{MEMBERSHIPS}> {{ <{BASE}id/membership/CSTO-KAZ> <{SEC}since> '
                       f'"2006-06-23"^^<http://www.w3.org/2001/XMLSchema#date> }}')
    assert not ask(server, f'<{BASE}id/membership/CSTO-KAZ> <{SEC}since> "2006-01-01"^^<http://www.w3.org/2001/XMLSchema#date>')


def test_using_graph_uri_restricts_the_where_clause(server):
    insert = (f'INSERT {{ GRAPH <{ORGS}> {{ ?x <{RDFS}comment> "seen through using" }} }} '
              f'WHERE {{ ?x <{RDFS}label> ?l }}')
    status, _, body = update(server, insert, **{"using-graph-uri": ORGS})
    assert status == 200, body
    # Only the organizations' labels were visible: no state got the comment.
    assert ask(server, f'<{BASE}id/org/CSTO> <{RDFS}comment> "seen through using"')
    assert not ask(server, f'<{BASE}id/state/ARM> <{RDFS}comment> "seen through using"')
    status, _, body = update(server, f'DELETE {{ GRAPH ?g {{ ?x <{RDFS}comment> "seen through using" }} }} '
                                     f'WHERE {{ GRAPH ?g {{ ?x <{RDFS}comment> "seen through using" }} }}',
                             **{"using-named-graph-uri": ORGS})
    assert status == 200, body
    assert not ask(server, '?x ?p "seen through using"')
    status, _, body = update(server, f"WITH <{ORGS}> INSERT {{ ?x ?p ?o }} WHERE {{ ?x ?p ?o }}",
                             **{"using-graph-uri": ORGS})
    assert status == 400 and b"cannot be combined" in body


def test_a_violation_is_422_with_the_report_and_the_store_as_before(server):
    before, first = snapshot(server), generation(server)
    # Removing an organization's only label violates OrganizationShape.
    text = f'DELETE DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/NATO> <{RDFS}label> "North Atlantic Treaty Organization"@en }} }}'
    status, headers, body = update(server, text)
    assert status == 422
    assert headers["Content-Type"].startswith("application/json")
    report = json.loads(body)
    assert report["conforms"] is False
    [finding] = [f for f in report["findings"] if f["severity"] == "Violation"]
    assert finding["node"] == f"{BASE}id/org/NATO"
    assert finding["path"] == "rdfs:label" and finding["message"] == "An organization needs an rdfs:label."
    status, headers, body = update(server, text, accept="text/turtle")
    assert status == 422 and headers["Content-Type"].startswith("text/turtle")
    shacl = Graph().parse(data=body, format="turtle")
    assert shacl.query("ASK { ?r a <http://www.w3.org/ns/shacl#ValidationReport> ; "
                       "<http://www.w3.org/ns/shacl#conforms> false }").askAnswer
    assert snapshot(server) == before and generation(server) == first


def test_a_violation_through_a_reference_is_caught(server):
    """A membership whose member is not a sec:State: the shape of the membership, not of the
    node written, is what fails."""
    text = (f'DELETE DATA {{ GRAPH <{MEMBERSHIPS}> {{ <{BASE}id/state/ARM> a <{SEC}State> }} }}')
    status, _, body = update(server, text)
    assert status == 422, body
    assert any(f["node"] == f"{BASE}id/membership/CSTO-ARM" for f in json.loads(body)["findings"])
    assert ask(server, f"<{BASE}id/state/ARM> a <{SEC}State>")


def test_a_request_is_atomic(server):
    before, first = snapshot(server), generation(server)
    good = f'INSERT DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/CSTO> <{RDFS}comment> "first half" }} }}'
    bad = f'DELETE DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/CSTO> <{RDFS}label> "Collective Security Treaty Organization"@en }} }}'
    status, _, _ = update(server, f"{good} ; {bad}")
    assert status == 422
    status, _, body = update(server, f"{good} ; INSERT DATA {{ oops }}")
    assert status == 400 and b"malformed update" in body
    assert snapshot(server) == before and generation(server) == first


@pytest.mark.parametrize("text, complaint", [
    ("SELECT * WHERE { ?s ?p ?o }", b"not an update"),
    ("LOAD <http://example.org/data.ttl>", b"LOAD is not allowed"),
    (f'INSERT DATA {{ GRAPH <{BASE}graph/ontology/seckg> {{ <{SEC}X> a <http://www.w3.org/2002/07/owl#Class> }} }}',
     b"not the graph of a data file"),
    (f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <http://example.org/sparql> {{ ?s ?p ?o }} }}", b"SERVICE"),
])
def test_refused_updates_say_why(server, text, complaint):
    first = generation(server)
    status, _, body = update(server, text)
    assert status == 400 and complaint in body, body
    assert generation(server) == first


def test_graph_store_protocol(server):
    graph = BASE + "graph/data/curated/uzbekistan"
    target = f"{server['base']}/data?graph={urllib.parse.quote(graph, safe='')}"
    auth = {"Authorization": f"Bearer {ALICE}"}
    turtle = (f'@prefix rdfs: <{RDFS}> .\n<{BASE}id/state/UZB> a <{SEC}State> ; rdfs:label "Uzbekistan"@en .\n')
    status, _, body = request(target, turtle.encode(), {**auth, "Content-Type": "text/turtle"}, method="PUT")
    assert status == 201, body
    status, headers, body = request(target, headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert isomorphic(Graph().parse(data=body, format="turtle"), Graph().parse(data=turtle, format="turtle"))
    status, headers, body = request(target, method="HEAD")
    assert status == 200 and body == b"" and headers["Content-Type"].startswith("text/turtle")
    extra = f'<{BASE}id/state/UZB> <{RDFS}label> "Узбекистан"@ru .'
    status, _, body = request(target, extra.encode(), {**auth, "Content-Type": "application/n-triples"}, method="POST")
    assert status == 200, body
    assert ask(server, f'GRAPH <{graph}> {{ <{BASE}id/state/UZB> <{RDFS}label> "Узбекистан"@ru }}')
    xml = (f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:rdfs="{RDFS}">'
           f'<rdf:Description rdf:about="{BASE}id/state/UZB"><rdfs:label xml:lang="en">Uzbekistan</rdfs:label>'
           f'<rdf:type rdf:resource="{SEC}State"/></rdf:Description></rdf:RDF>')
    status, _, body = request(target, xml.encode(), {**auth, "Content-Type": "application/rdf+xml"}, method="PUT")
    assert status == 200, body
    assert not ask(server, f'?s <{RDFS}label> "Узбекистан"@ru')  # PUT replaced the graph
    status, _, body = request(target, b"<a> <b> .", {**auth, "Content-Type": "text/turtle"}, method="PUT")
    assert status == 400 and b"line 1" in body
    status, _, body = request(target, b"x", {**auth, "Content-Type": "text/plain"}, method="PUT")
    assert status == 415
    status, _, body = request(target, b"", auth, method="DELETE")
    assert status == 200, body
    assert request(target)[0] == 404
    assert request(target, b"", auth, method="DELETE")[0] == 404


def test_graph_store_default_graph(server):
    """GET ?default is the union queries see; writes to ?default go to the configured file."""
    auth = {"Authorization": f"Bearer {ALICE}"}
    status, body = graph_nt(server, None)
    assert status == 200 and b"Armenia" in body and b"Collective Security Treaty Organization" in body
    triple = f'<{BASE}id/org/CSTO> <{RDFS}seeAlso> <https://en.wikipedia.org/wiki/CSTO> .'
    status, _, body = request(server["base"] + "/data?default", triple.encode(),
                              {**auth, "Content-Type": "application/n-triples"}, method="POST")
    assert status == 201, body
    assert ask(server, f"GRAPH <{BASE}graph/data/curated/unfiled> {{ <{BASE}id/org/CSTO> <{RDFS}seeAlso> ?x }}")
    assert request(server["base"] + "/data?default", b"", auth, method="DELETE")[0] == 200
    assert not ask(server, f"<{BASE}id/org/CSTO> <{RDFS}seeAlso> ?x")
    assert request(server["base"] + "/data", b"", auth, method="DELETE")[0] == 400


def test_every_worker_sees_an_acknowledged_write_at_once(server):
    status, headers, body = update(server, f'INSERT DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/CSTO> '
                                           f'<{RDFS}comment> "seen by all" }} }}')
    assert status == 200, body
    # Requests on fresh connections are spread over both workers; none may answer from the old graph.
    assert all(ask(server, f'?s <{RDFS}comment> "seen by all"') for _ in range(20))
    assert all(generation(server) >= int(headers["X-Seckg-Generation"]) for _ in range(10))


def test_no_cached_answer_or_etag_outlives_a_write(server):
    pattern = f'<{BASE}id/org/CSTO> <{RDFS}comment> "cache test"'
    url = server["base"] + "/sparql?" + urllib.parse.urlencode({"query": f"ASK {{ {pattern} }}"})
    before = [request(url) for _ in range(8)]  # fresh connections: both workers cache the answer
    assert all(json.loads(body)["boolean"] is False for _, _, body in before)
    etag = before[-1][1]["ETag"]
    assert request(url, headers={"If-None-Match": etag})[0] == 304
    status, _, body = update(server, f'INSERT DATA {{ GRAPH <{ORGS}> {{ {pattern} }} }}')
    assert status == 200, body
    for _ in range(8):
        status, headers, body = request(url, headers={"If-None-Match": etag})
        assert status == 200 and json.loads(body)["boolean"] is True and headers["ETag"] != etag


def test_write_log_names_the_token_never_the_secret(server):
    status, _, _ = update(server, f'INSERT DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/NATO> <{RDFS}comment> "by bob" }} }}',
                          token=BOB)
    assert status == 200
    assert request(server["base"] + "/writes/log")[0] == 401
    status, headers, body = request(server["base"] + "/writes/log", headers={"Authorization": f"Bearer {ALICE}"})
    assert status == 200
    records = [json.loads(line) for line in body.splitlines()]
    last = records[-1]
    assert last["who"] == "bob" and "by bob" in last["what"]["update"]
    assert last["graphs"] == {ORGS: {"removed": 0, "added": 1}} and "added" not in last
    assert {r["who"] for r in records} >= {"alice", "bob"}
    assert all(r["time"].endswith("Z") for r in records)
    cli = subprocess.run([sys.executable, "-m", "seckg", "write-log", "--store", str(server["store"])],
                         capture_output=True, text=True, check=True)
    assert "bob" in cli.stdout.splitlines()[-1]
    for path in server["store"].rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert ALICE.encode() not in data and BOB.encode() not in data, path


def test_export_to_files_round_trips_the_store(server, tmp_path):
    status, _, _ = update(server, f'INSERT DATA {{ GRAPH <{MEMBERSHIPS}> {{ <{BASE}id/state/ARM> <{RDFS}label> "Армения"@ru }} }}')
    assert status == 200
    root = server["root"]
    untouched = (root / "ontology/seckg.ttl").read_text()
    result = subprocess.run([sys.executable, "-m", "seckg", "export", "--to-files", "--store", str(server["store"])],
                            capture_output=True, text=True, env={"SECKG_ROOT": str(root), "PATH": ""})
    assert result.returncode == 0, result.stderr
    assert "wrote  data/memberships/memberships.ttl" in result.stdout
    text = (root / "data/memberships/memberships.ttl").read_text()
    assert '"Армения"@ru' in text
    loaded = load(Config(root=root))
    assert not loaded.problems
    for graph in (ORGS, MEMBERSHIPS):
        status, body = graph_nt(server, graph)
        from_file = Graph()
        for q in loaded.store.quads_for_pattern(None, None, None, None):
            if q.graph_name.value == graph:
                from_file.parse(data=f"{q.subject} {q.predicate} {q.object} .", format="nt")
        assert isomorphic(from_file, Graph().parse(data=body, format="nt")), graph
    assert (root / "ontology/seckg.ttl").read_text() == untouched
    again = subprocess.run([sys.executable, "-m", "seckg", "export", "--to-files", "--store", str(server["store"])],
                           capture_output=True, text=True, env={"SECKG_ROOT": str(root), "PATH": ""})
    assert again.returncode == 0 and again.stdout == ""  # nothing left to write
    validate = subprocess.run([sys.executable, "-m", "seckg", "validate"], capture_output=True, text=True,
                              env={"SECKG_ROOT": str(root), "PATH": ""})
    assert validate.returncode == 0, validate.stdout


def test_writes_need_a_store_and_a_usable_token_file(runner, tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("alice:short\n")
    result = runner.invoke(main, ["serve", "--write-tokens", str(tokens), "--store", str(tmp_path / "s")])
    assert result.exit_code == 2 and "shorter than 16" in result.output and "short\n" not in result.output
    tokens.write_text(f"alice:{ALICE}\n")
    result = runner.invoke(main, ["serve", "--write-tokens", str(tokens)])
    assert result.exit_code == 2 and "writes need --store" in result.output


def test_dumps_and_dataset_description_follow_the_writes(server):
    status, _, body = update(server, f'INSERT DATA {{ GRAPH <{ORGS}> {{ <{BASE}id/org/CSTO> <{RDFS}comment> '
                                     f'"in the dumps"@en }} }}')
    assert status == 200, body
    status, _, dump = request(server["base"] + "/dumps/seckg.nt")
    assert status == 200 and b'"in the dumps"@en' in dump
    status, _, description = request(server["base"] + "/sparql", headers={"Accept": "application/n-triples"})
    assert status == 200
    assert f"<{ORGS}>".encode() in description
