"""SPARQL 1.1 Protocol over real HTTP: `seckg serve` (gunicorn) on loopback, SPARQLWrapper as the client.

Every answer is parsed back with an independent parser (json, csv, ElementTree,
rdflib) and compared with what the fixture files say, not just status codes.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
import rdflib
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from SPARQLWrapper import CSV, JSON, JSONLD, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from conftest import ORGS
from live_server import BACKENDS, request, serving_backend, write_repo

CSTO = "https://w3id.org/seckg/id/org/CSTO"
NATO = "https://w3id.org/seckg/id/org/NATO"
ORGS_GRAPH = "https://w3id.org/seckg/graph/data/organizations/orgs"
MEMBERS_GRAPH = "https://w3id.org/seckg/graph/data/memberships/memberships"
SELECT_ORGS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sec: <https://w3id.org/seckg/ontology#>
SELECT ?org ?label WHERE { ?org a sec:Alliance ; rdfs:label ?label } ORDER BY ?label
"""
EXPECTED_ROWS = [
    (CSTO, "Collective Security Treaty Organization"),
    (NATO, "North Atlantic Treaty Organization"),
]
CONSTRUCT_ORGS = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ORGS_GRAPH}> {{ ?s ?p ?o }} }}"
SRX = "{http://www.w3.org/2005/sparql-results#}"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
# Six-way cartesian product of every triple with itself: far beyond what one second can enumerate.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(f"?s{i} ?p{i} ?o{i} ." for i in range(8)) + " }"


@pytest.fixture(scope="module", params=BACKENDS)
def endpoint(request, tmp_path_factory):
    """/sparql over the embedded store, then over `oxigraph serve` in remote mode: every test runs on both."""
    root = write_repo(tmp_path_factory.mktemp("http-repo"))
    with serving_backend(request.param, root, "--workers", "2", env={"SECKG_TIMEOUT": "20"}) as base:
        yield base + "/sparql"


def expected_orgs_graph() -> Graph:
    return Graph().parse(data=ORGS, format="turtle")


def wrapper(endpoint: str, query: str, fmt: str, method: str | None = None) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    if method == POSTDIRECTLY:
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
    elif method:
        client.setMethod(method)
    return client


def rows_from(fmt: str, body: bytes) -> list[tuple[str, ...]]:
    """The (org, label) rows of a SELECT answer in any of the four result formats."""
    text = body.decode("utf-8")
    if fmt == JSON:
        return [(b["org"]["value"], b["label"]["value"]) for b in json.loads(text)["results"]["bindings"]]
    if fmt == XML:
        rows = []
        for result in ET.fromstring(text).iter(f"{SRX}result"):
            values = {b.get("name"): next(iter(b)).text for b in result.iter(f"{SRX}binding")}
            rows.append((values["org"], values["label"]))
        return rows
    if fmt == CSV:
        header, *rows = list(csv.reader(io.StringIO(text)))
        assert header == ["org", "label"]
        return [tuple(r) for r in rows]
    header, *lines = text.splitlines()
    assert header == "?org\t?label"
    rows = []
    for line in lines:
        iri, label = line.split("\t")
        assert iri.startswith("<") and label.endswith("@en")
        rows.append((iri[1:-1], json.loads(label[: -len("@en")])))
    return rows


@pytest.mark.parametrize("method", [None, POST, POSTDIRECTLY])
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select_in_every_result_format_and_method(endpoint, fmt, method):
    result = wrapper(endpoint, SELECT_ORGS, fmt, method).query()
    assert "Accept" in result.response.headers["Vary"].split(", ")
    assert rows_from(fmt, result.response.read()) == EXPECTED_ROWS


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_ask_in_every_result_format(endpoint, fmt):
    for query, expected in ((f"ASK {{ <{CSTO}> ?p ?o }}", True), ("ASK { <http://nowhere/x> ?p ?o }", False)):
        body = wrapper(endpoint, query, fmt).query().response.read().decode()
        if fmt == JSON:
            assert json.loads(body)["boolean"] is expected
        elif fmt == XML:
            assert ET.fromstring(body).find(f"{SRX}boolean").text == str(expected).lower()
        else:
            assert str(expected).lower() in body


@pytest.mark.parametrize("fmt, rdflib_format", [(TURTLE, "turtle"), (RDFXML, "xml"), (JSONLD, "json-ld")])
def test_construct_through_sparqlwrapper(endpoint, fmt, rdflib_format):
    body = wrapper(endpoint, CONSTRUCT_ORGS, fmt).query().response.read()
    assert isomorphic(Graph().parse(data=body, format=rdflib_format), expected_orgs_graph())


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's own TriG/N-Quads parsers
@pytest.mark.parametrize(
    "accept, media, rdflib_format",
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/trig", "application/trig", "trig"),
        ("application/n-quads", "application/n-quads", "nquads"),
        ("*/*", "text/turtle", "turtle"),
        ("", "text/turtle", "turtle"),
    ],
)
def test_construct_in_every_graph_format(endpoint, accept, media, rdflib_format):
    url = endpoint + "?" + urllib.parse.urlencode({"query": CONSTRUCT_ORGS})
    status, headers, body = request(url, headers={"Accept": accept} if accept else {})
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media
    assert "Accept" in headers["Vary"].split(", ")
    if rdflib_format in ("trig", "nquads"):
        dataset = rdflib.Dataset()
        dataset.parse(data=body, format=rdflib_format)
        graph = Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
    else:
        graph = Graph().parse(data=body, format=rdflib_format)
    assert isomorphic(graph, expected_orgs_graph())


def test_describe(endpoint):
    body = wrapper(endpoint, f"DESCRIBE <{CSTO}>", TURTLE).query().response.read()
    graph = Graph().parse(data=body, format="turtle")
    assert (URIRef(CSTO), rdflib.RDFS.label, Literal("Collective Security Treaty Organization", lang="en")) in graph


def test_describe_of_one_iri_answers_as_the_query_process_does(endpoint):
    """`DESCRIBE <iri>` alone is answered by the web worker itself (point_lookup); the same
    lookup written so that it goes to a query process must give the same triples."""
    def described(query):
        status, _, body = request(endpoint + "?query=" + urllib.parse.quote(query),
                                  headers={"Accept": "application/n-triples", "Cache-Control": "no-cache"})
        assert status == 200, body
        return Graph().parse(data=body, format="nt")

    direct = described(f"  describe <{CSTO}> ")
    assert (URIRef(CSTO), rdflib.RDFS.label, Literal("Collective Security Treaty Organization", lang="en")) in direct
    assert isomorphic(direct, described(f"DESCRIBE ?x WHERE {{ VALUES ?x {{ <{CSTO}> }} }}"))
    status, _, body = request(endpoint + "?query=" + urllib.parse.quote("DESCRIBE <not an iri>"))
    assert status == 400, body


@pytest.mark.parametrize(
    "accept, fmt, media",
    [
        ("application/sparql-results+xml;q=0.5, text/csv", None, "text/csv"),
        ("text/csv;q=0, */*;q=0.1", None, "application/sparql-results+json"),
        ("text/*;q=0.9, text/tab-separated-values", None, "text/tab-separated-values"),
        ("application/json", None, "application/sparql-results+json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", None, "application/sparql-results+json"),
        ("application/sparql-results+json", "csv", "text/csv"),
        ("image/png", "text/tab-separated-values", "text/tab-separated-values"),
    ],
)
def test_negotiation_with_q_values_and_format_override(endpoint, accept, fmt, media):
    params = {"query": SELECT_ORGS, **({"format": fmt} if fmt else {})}
    status, headers, body = request(endpoint + "?" + urllib.parse.urlencode(params), headers={"Accept": accept})
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media
    assert "Accept" in headers["Vary"].split(", ")


@pytest.mark.parametrize(
    "query, accept, fmt",
    [
        (SELECT_ORGS, "image/png", None),
        (SELECT_ORGS, "text/turtle", None),  # a graph format for a SELECT
        (SELECT_ORGS, "*/*", "turtle"),
        (CONSTRUCT_ORGS, "text/csv", None),
        (CONSTRUCT_ORGS, "*/*", "bogus"),
    ],
)
def test_nothing_acceptable_is_406(endpoint, query, accept, fmt):
    params = {"query": query, **({"format": fmt} if fmt else {})}
    status, headers, body = request(endpoint + "?" + urllib.parse.urlencode(params), headers={"Accept": accept})
    assert status == 406
    assert "Accept" in headers["Vary"].split(", ")
    assert b"available:" in body


def count(endpoint: str, query: str, **params) -> tuple[int, bytes]:
    status, _, body = request(endpoint + "?" + urllib.parse.urlencode({"query": query, **params}, doseq=True),
                              headers={"Accept": "application/sparql-results+json"})
    return status, body


def n_of(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_default_graph_is_the_union_and_protocol_datasets_narrow_it(endpoint):
    triples = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    orgs = len(expected_orgs_graph())
    _, union = count(endpoint, triples)
    _, only_orgs = count(endpoint, triples, **{"default-graph-uri": ORGS_GRAPH})
    _, both = count(endpoint, triples, **{"default-graph-uri": [ORGS_GRAPH, MEMBERS_GRAPH]})
    assert n_of(only_orgs) == orgs
    assert orgs < n_of(both) < n_of(union)
    # named-graph-uri alone: the default graph is empty and GRAPH sees only the named ones
    named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    _, in_named = count(endpoint, named, **{"named-graph-uri": ORGS_GRAPH})
    _, default_empty = count(endpoint, triples, **{"named-graph-uri": ORGS_GRAPH})
    assert (n_of(in_named), n_of(default_empty)) == (orgs, 0)
    # FROM in the query, and the protocol's dataset winning over it
    _, from_orgs = count(endpoint, f"SELECT (COUNT(*) AS ?n) FROM <{ORGS_GRAPH}> WHERE {{ ?s ?p ?o }}")
    _, overridden = count(endpoint, f"SELECT (COUNT(*) AS ?n) FROM <{ORGS_GRAPH}> WHERE {{ ?s ?p ?o }}",
                          **{"default-graph-uri": MEMBERS_GRAPH})
    assert n_of(from_orgs) == orgs
    assert n_of(overridden) == n_of(both) - orgs


@pytest.mark.parametrize(
    "params",
    [
        {"default-graph-uri": "https://w3id.org/seckg/graph/data/nothing"},
        {"named-graph-uri": "http://example.org/elsewhere"},
    ],
)
def test_graphs_outside_the_dataset_are_refused(endpoint, params):
    status, body = count(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **params)
    assert status == 400
    assert b"is not a graph of this dataset" in body


def test_service_description(endpoint):
    status, headers, body = request(endpoint, headers={"Accept": "text/turtle"})
    assert status == 200 and "Accept" in headers["Vary"].split(", ")
    graph = Graph().parse(data=body, format="turtle")
    service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
    assert graph.value(service, SD.endpoint) == URIRef(endpoint)
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.feature, SD.BasicFederatedQuery) not in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/JSON-LD") in formats
    dataset = graph.value(service, SD.defaultDataset)
    assert "union of all named graphs" in str(graph.value(dataset, rdflib.RDFS.comment))
    names = {graph.value(ng, SD.name): int(graph.value(graph.value(ng, SD.graph), VOID.triples))
             for ng in graph.objects(dataset, SD.namedGraph)}
    assert names[URIRef(ORGS_GRAPH)] == len(expected_orgs_graph())
    assert URIRef(MEMBERS_GRAPH) in names
    for accept, fmt in (("application/rdf+xml", "xml"), ("application/ld+json", "json-ld"),
                        ("application/n-triples", "nt")):
        status, headers, other = request(endpoint, headers={"Accept": accept})
        assert headers["Content-Type"].startswith(accept)
        assert isomorphic(Graph().parse(data=other, format=fmt), graph)


@pytest.mark.parametrize(
    "send, status, says",
    [
        (lambda u: request(u + "?query=SELEC%20%3Fx%20WHERE%20%7B%7D"), 400, b"malformed query: error at 1:"),
        (lambda u: request(u, data=b"", headers={"Content-Type": "application/x-www-form-urlencoded"}), 400,
         b"no query"),
        (lambda u: request(u + "?query=ASK%7B%7D&query=ASK%7B%7D"), 400, b"given 2 times"),
        (lambda u: request(u + "?query=ASK%7B%7D", data=b"query=ASK%7B%7D",
                           headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, b"given 2 times"),
        (lambda u: request(u, data=b"ASK {}", method="PUT"), 405, b"Method Not Allowed"),
        (lambda u: request(u, method="DELETE"), 405, b"Method Not Allowed"),
        (lambda u: request(u, data=b"ASK {}", headers={"Content-Type": "text/plain"}), 415, b"text/plain"),
        (lambda u: request(u, data=b"query=ASK%7B%7D", headers={"Content-Type": ""}), 415, b"Content-Type"),
        (lambda u: request(u, data="ASK { ?s ?p 'é' }".encode("latin-1"),
                           headers={"Content-Type": "application/sparql-query; charset=ISO-8859-1"}), 415, b"UTF-8"),
        (lambda u: request(u, data="ASK { ?s ?p 'é' }".encode("latin-1"),
                           headers={"Content-Type": "application/sparql-query"}), 400, b"not valid UTF-8"),
        (lambda u: request(u, data=b"ASK {} #" + b"x" * (2 * 1024 * 1024),
                           headers={"Content-Type": "application/sparql-query"}), 413, b"Too Large"),
        (lambda u: request(u, data=b"update=DROP%20ALL",
                           headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, b"read-only"),
        (lambda u: request(u + "?query=LOAD%20%3Chttp%3A%2F%2F127.0.0.1%3A9%2F%3E"), 400, b"read-only"),
        (lambda u: request(u + "?query=ASK%7B%7D&timeout=soon"), 400, b"timeout must be"),
        (lambda u: request(u + "?query=ASK%7B%7D&timeout=-1"), 400, b"timeout must be"),
    ],
)
def test_errors(endpoint, send, status, says):
    got, headers, body = send(endpoint)
    assert got == status, body
    assert headers["Content-Type"].startswith("text/plain")
    assert says in body


@pytest.mark.parametrize(
    "query",
    [
        "", "}", "SELECT", "SELECT * WHERE { ?s ?p }", "ASK { FILTER(?x = ) }", "\x00", "SELECT * { <a b> ?p ?o }",
        "PREFIX : SELECT * {}", "SELECT ?x WHERE { ?x ?p ?o } GROUP BY", "DESCRIBE", "CONSTRUCT { ?s ?p } WHERE {}",
        "SELECT * WHERE { BIND(1 AS ?x) BIND(2 AS ?x) }", "SELECT (1 AS ?x) (2 AS ?x) {}", "ASK { ?s <\\u0000> ?o }",
    ],
)
def test_bad_input_is_never_a_500(endpoint, query):
    status, _, body = request(endpoint + "?" + urllib.parse.urlencode({"query": query}))
    assert 400 <= status < 500, body


def test_bad_query_through_sparqlwrapper(endpoint):
    with pytest.raises(QueryBadFormed, match="malformed query"):
        wrapper(endpoint, "SELECT ?x WHERE { ?x ", JSON).query()


def test_cors_simple_and_preflight(endpoint):
    origin = {"Origin": "https://analyst.example"}
    status, headers, _ = request(endpoint + "?" + urllib.parse.urlencode({"query": "ASK {}"}), headers=origin)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    status, headers, _ = request(endpoint, method="OPTIONS", headers={
        **origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Content-Type"})
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert headers["Access-Control-Allow-Headers"].lower() == "content-type"
    status, headers, _ = request(endpoint + "?query=SELEC", headers=origin)
    assert status == 400 and headers["Access-Control-Allow-Origin"] == "*"  # errors are readable too


def test_a_runaway_query_times_out_and_the_server_keeps_answering(endpoint):
    status, headers, body = request(endpoint + "?" + urllib.parse.urlencode({"query": RUNAWAY, "timeout": "1"}))
    assert status == 503
    assert b"timed out after 1 s" in body
    for _ in range(4):  # whichever worker takes it, the next query is answered in full
        status, body = count(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert status == 200 and n_of(body) > 0


@pytest.mark.parametrize(
    "make",
    [
        lambda url: {"query": f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"},
        lambda url: {"query": f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}"},
        lambda url: {"query": f"PREFIX r: <{url}> SELECT * WHERE {{ SERVICE r: {{ ?s ?p ?o }} }}"},
        lambda url: {"query": f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}"},
        lambda url: {"query": f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
        lambda url: {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": url},
        lambda url: {"query": f"LOAD <{url}>"},
    ],
)
def test_no_query_makes_the_server_connect_anywhere(endpoint, trap, make):
    sock, url = trap
    status, _, body = request(endpoint + "?" + urllib.parse.urlencode(make(url)))
    assert status == 400, body
