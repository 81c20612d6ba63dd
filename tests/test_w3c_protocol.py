"""The W3C SPARQL 1.1 Protocol test cases (query side) and Service Description tests, over real HTTP.

Each test is named after its entry in the W3C manifests (w3c/rdf-tests:
sparql/sparql11/protocol/manifest.ttl and sparql/sparql11/service-description/)
and sends the request the entry describes, byte for byte where it matters
(method, query string, body, Content-Type or its absence), with a raw
http.client connection so nothing adds headers behind our back. Two
adaptations, both forced by the manifest being written for www.example:

- requests go to this server's endpoint, /sparql, instead of /sparql/;
- the manifest's graphs (http://kasei.us/2009/09/sparql/data/data0.rdf … data3.rdf,
  each holding one foaf:Document typing triple about itself, as the manifest's
  data files do) are loaded into the test store, because this server never
  fetches a graph from the web: a graph outside its dataset is refused.

Where the W3C request alone could pass on a server that ignored the dataset it
names (our default graph is the union of all graphs), a second request checks
that the named dataset really was used. Every case runs against both stores:
embedded Oxigraph and `oxigraph serve` behind the app in remote mode.

Update-side cases: the bad_update_* ones are in test_w3c_protocol_update.py, against /update.
"""

from __future__ import annotations

import http.client
import json
import threading
from contextlib import nullcontext
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from pyshacl import validate as shacl_validate
from rdflib import Graph, URIRef
from werkzeug.serving import make_server

from live_server import BACKENDS, free_port, oxigraph_server
from seckg.config import Config
from seckg.loading import LoadedGraph
from seckg.push import push
from seckg.remote import RemoteStore
from seckg.store import EmbeddedStore
from seckg.web import create_app

DATA = "http://kasei.us/2009/09/sparql/data/"
FOAF_DOCUMENT = "http://xmlns.com/foaf/0.1/Document"
GRAPHS = [f"{DATA}data{n}.rdf" for n in range(4)]
SRX = "{http://www.w3.org/2005/sparql-results#}"
RESULT_TYPES = {"application/sparql-results+xml", "application/sparql-results+json", "text/csv",
                "text/tab-separated-values"}
BOOLEAN_TYPES = {"application/sparql-results+xml", "application/sparql-results+json"}
RDF_TYPES = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/n-triples": "nt",
             "application/ld+json": "json-ld"}


def enc(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def w3c_store() -> ox.Store:
    """data0.rdf … data3.rdf, each a named graph holding `<dataN.rdf> a foaf:Document`."""
    store = ox.Store()
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for graph in GRAPHS:
        store.add(ox.Quad(ox.NamedNode(graph), rdf_type, ox.NamedNode(FOAF_DOCUMENT), ox.NamedNode(graph)))
    return store


class _Served:
    """The app on 127.0.0.1 in a thread of this process (its store cannot come from files: see module doc)."""

    def __init__(self, app):
        self.port = free_port()
        self.server = make_server("127.0.0.1", self.port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.thread.join()


@pytest.fixture(scope="module", params=BACKENDS)
def server(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("w3c-repo")
    (root / "queries").mkdir()
    config = Config(root=root)
    with oxigraph_server() if request.param == "remote" else nullcontext() as remote:
        if remote:
            loaded = LoadedGraph(config=config, store=w3c_store(), graphs={g: Path(g) for g in GRAPHS})
            assert [p.status for p in push(loaded, remote + "/store")] == [201] * len(GRAPHS)
            store = RemoteStore(remote + "/query")
        else:
            store = EmbeddedStore(w3c_store())
        app = create_app(config, store=store)
        served = _Served(app)
        try:
            yield served
        finally:
            served.close()
            app.extensions["seckg.runner"].close()


def send(server: _Served, method: str, target: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    """Status, media type and body of one raw request to `target` (path and query string)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        media = (response.getheader("Content-Type") or "").split(";")[0].strip()
        return response.status, media, response.read()
    finally:
        conn.close()


def boolean(status: int, media: str, body: bytes) -> bool:
    """The boolean of an ASK answer that must be a success in a boolean results format."""
    assert 200 <= status < 400, body
    assert media in BOOLEAN_TYPES
    if media == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    return {"true": True, "false": False}[ET.fromstring(body).find(f"{SRX}boolean").text]


def ask_get(server, query: str, **dataset) -> bool:
    params = [("query", query)] + [(k.replace("_", "-"), v) for k, vs in dataset.items() for v in vs]
    return boolean(*send(server, "GET", "/sparql?" + urllib.parse.urlencode(params)))


def ask_post_direct(server, query: str, params: str) -> bool:
    return boolean(*send(server, "POST", "/sparql?" + params, query.encode(),
                         {"Content-Type": "application/sparql-query"}))


def is_4xx(status: int) -> bool:
    return 400 <= status < 500


D0, D1, D2, D3 = (enc(g) for g in GRAPHS)
TWO_TYPED = f"ASK {{ <{DATA}data1.rdf> a ?type . <{DATA}data2.rdf> a ?type . }}"
TWO_NAMED = (f"ASK {{ GRAPH ?g1 {{ <{DATA}data1.rdf> a ?type }} "
             f"GRAPH ?g2 {{ <{DATA}data2.rdf> a ?type }} }}")


# ---- query side of sparql/sparql11/protocol/manifest.ttl ----------------------------------------

def test_query_post_form(server):
    assert boolean(*send(server, "POST", f"/sparql?default-graph-uri={D0}", b"query=ASK%20%7B%7D",
                         {"Content-Type": "application/x-www-form-urlencoded"})) is True


def test_query_dataset_default_graphs_get(server):
    target = f"/sparql?query={enc(TWO_TYPED)}&default-graph-uri={D1}&default-graph-uri={D2}"
    assert boolean(*send(server, "GET", target)) is True
    # Discriminating check: with data1.rdf alone as the default graph the same question is false.
    assert ask_get(server, TWO_TYPED, default_graph_uri=[GRAPHS[1]]) is False


def test_query_dataset_default_graphs_post(server):
    assert ask_post_direct(server, TWO_TYPED, f"default-graph-uri={D1}&default-graph-uri={D2}") is True
    assert ask_post_direct(server, TWO_TYPED, f"default-graph-uri={D2}") is False


def test_query_dataset_named_graphs_post(server):
    assert ask_post_direct(server, TWO_NAMED, f"named-graph-uri={D1}&named-graph-uri={D2}") is True
    assert ask_post_direct(server, TWO_NAMED, f"named-graph-uri={D1}") is False


def test_query_dataset_named_graphs_get(server):
    target = f"/sparql?query={enc(TWO_NAMED)}&named-graph-uri={D1}&named-graph-uri={D2}"
    assert boolean(*send(server, "GET", target)) is True
    assert ask_get(server, TWO_NAMED, named_graph_uri=[GRAPHS[1], GRAPHS[3]]) is False


def test_query_dataset_full(server):
    query = (f"ASK {{\n  <{DATA}data3.rdf> a ?type\n  GRAPH ?g1 {{ <{DATA}data1.rdf> a ?type }}\n"
             f"  GRAPH ?g2 {{ <{DATA}data2.rdf> a ?type }}\n}}")
    assert ask_post_direct(server, query, f"default-graph-uri={D3}&named-graph-uri={D1}&named-graph-uri={D2}") is True
    # data3.rdf named but not the default graph: its triple is not in the default graph
    assert ask_post_direct(server, query, f"default-graph-uri={D1}&named-graph-uri={D1}&named-graph-uri={D2}") is False


def test_query_multiple_dataset(server):
    """The protocol's dataset wins over FROM in the query.

    The manifest percent-encodes the '&' between its two named-graph-uri values
    (…data1.rdf%26named-graph-uri%3D…), which makes them one IRI that no store
    holds and that could not give the expected `true`; we send the two values
    the test means. A second, FROM-vs-default-graph-uri form (from the earlier
    revision of the same test) must give false.
    """
    query = (f"ASK FROM <{DATA}data3.rdf> {{ GRAPH ?g1 {{ <{DATA}data1.rdf> a ?type }} "
             f"GRAPH ?g2 {{ <{DATA}data2.rdf> a ?type }} }}")
    assert ask_post_direct(server, query, f"named-graph-uri={D1}&named-graph-uri={D2}") is True
    query = f"ASK FROM <{DATA}data1.rdf> {{ <{DATA}data1.rdf> ?p ?o }}"
    assert ask_post_direct(server, query, f"default-graph-uri={D2}") is False
    assert ask_post_direct(server, query, "") is True  # without the protocol's dataset FROM applies


def test_query_get(server):
    assert boolean(*send(server, "GET", f"/sparql?query=ASK%20%7B%7D&default-graph-uri={D0}")) is True


def test_query_content_type_select(server):
    status, media, body = send(server, "POST", f"/sparql?default-graph-uri={D0}", b"SELECT (1 AS ?value) {}",
                               {"Content-Type": "application/sparql-query"})
    assert 200 <= status < 400 and media in RESULT_TYPES
    assert json.loads(body)["results"]["bindings"][0]["value"]["value"] == "1"


def test_query_content_type_ask(server):
    status, media, body = send(server, "POST", f"/sparql?default-graph-uri={D0}", b"ASK {}",
                               {"Content-Type": "application/sparql-query"})
    assert boolean(status, media, body) is True


@pytest.mark.parametrize("name, query", [
    ("query_content_type_describe", "DESCRIBE <http://example.org/>"),
    ("query_content_type_construct", "CONSTRUCT { <s> <p> 1 } WHERE {}"),
])
def test_query_content_type_describe_and_construct(server, name, query):
    status, media, body = send(server, "POST", f"/sparql?default-graph-uri={D0}", query.encode(),
                               {"Content-Type": "application/sparql-query"})
    assert 200 <= status < 400 and media in RDF_TYPES, (name, body)
    graph = Graph().parse(data=body, format=RDF_TYPES[media])
    if name == "query_content_type_construct":  # <s> and <p> resolve against the endpoint, the service's base
        here = f"http://127.0.0.1:{server.port}/"
        assert [(str(s), str(p), o.toPython()) for s, p, o in graph] == [(here + "s", here + "p", 1)]
    else:
        assert len(graph) == 0  # nothing is known about http://example.org/


def test_query_post_direct(server):
    assert boolean(*send(server, "POST", "/sparql", b"ASK {}", {"Content-Type": "application/sparql-query"})) is True


def test_bad_query_method(server):
    status, _, _ = send(server, "PUT", f"/sparql?query=ASK%20%7B%7D&default-graph-uri={D0}", b"",
                        {"Content-Type": "application/x-www-form-urlencoded"})
    assert is_4xx(status)


def test_bad_multiple_queries(server):
    assert is_4xx(send(server, "GET", "/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")[0])


def test_bad_query_wrong_media_type(server):
    assert is_4xx(send(server, "POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"})[0])


def test_bad_query_missing_form_type(server):
    assert is_4xx(send(server, "POST", "/sparql", b"query=ASK%20%7B%7D")[0])


def test_bad_query_missing_direct_type(server):
    assert is_4xx(send(server, "POST", "/sparql", b"ASK {}")[0])


def test_bad_query_non_utf8(server):
    body = "ASK {}".encode("utf-16")  # with a byte-order mark, as the manifest says
    assert body.startswith((b"\xff\xfe", b"\xfe\xff"))
    assert is_4xx(send(server, "POST", "/sparql", body, {"Content-Type": "application/sparql-query; charset=UTF-16"})[0])


def test_bad_query_syntax(server):
    status, media, body = send(server, "GET", "/sparql?query=ASK%20%7B")
    assert is_4xx(status) and media == "text/plain" and b"malformed query" in body


# ---- sparql/sparql11/service-description --------------------------------------------------------

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")

# The constraints of the Service Description vocabulary (SPARQL 1.1 Service Description, §3), as SHACL.
SD_SCHEMA = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

[] a sh:NodeShape ; sh:targetClass sd:Service ;
   sh:property [ sh:path sd:endpoint ; sh:minCount 1 ; sh:nodeKind sh:IRI ] ;
   sh:property [ sh:path sd:supportedLanguage ; sh:minCount 1 ;
                 sh:in ( sd:SPARQL10Query sd:SPARQL11Query sd:SPARQL11Update ) ] ;
   sh:property [ sh:path sd:resultFormat ; sh:nodeKind sh:IRI ] ;
   sh:property [ sh:path sd:feature ; sh:nodeKind sh:IRI ] ;
   sh:property [ sh:path sd:defaultEntailmentRegime ; sh:nodeKind sh:IRI ; sh:maxCount 1 ] ;
   sh:property [ sh:path sd:defaultDataset ; sh:class sd:Dataset ; sh:maxCount 1 ] .
[] a sh:NodeShape ; sh:targetClass sd:Dataset ;
   sh:property [ sh:path sd:defaultGraph ; sh:class sd:Graph ; sh:maxCount 1 ] ;
   sh:property [ sh:path sd:namedGraph ; sh:class sd:NamedGraph ] .
[] a sh:NodeShape ; sh:targetClass sd:NamedGraph ;
   sh:property [ sh:path sd:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:nodeKind sh:IRI ] ;
   sh:property [ sh:path sd:graph ; sh:class sd:Graph ; sh:maxCount 1 ] .
[] a sh:NodeShape ; sh:targetClass sd:Graph ;
   sh:property [ sh:path void:triples ; sh:datatype xsd:integer ; sh:maxCount 1 ] .
"""


def service_description(server, accept: str | None = None) -> Graph:
    status, media, body = send(server, "GET", "/sparql", headers={"Accept": accept} if accept else {})
    assert status == 200 and media in RDF_TYPES
    return Graph().parse(data=body, format=RDF_TYPES[media])


def test_has_endpoint_triple(server):
    graph = service_description(server)
    endpoint = URIRef(f"http://127.0.0.1:{server.port}/sparql")
    assert (None, SD.endpoint, endpoint) in graph
    assert (graph.value(predicate=SD.endpoint, object=endpoint), rdflib.RDF.type, SD.Service) in graph


@pytest.mark.parametrize("accept", [None, *RDF_TYPES])
def test_returns_rdf(server, accept):
    graph = service_description(server, accept)
    assert (None, rdflib.RDF.type, SD.Service) in graph


def test_conforms_to_schema(server):
    graph = service_description(server)
    conforms, _, text = shacl_validate(graph, shacl_graph=Graph().parse(data=SD_SCHEMA, format="turtle"))
    assert conforms, text
    names = {str(n) for n in graph.objects(None, SD.name)}
    assert names == set(GRAPHS)  # the dataset described is the one served
