"""The /sparql endpoint: read-only, negotiated formats, clear 400s, no outbound SERVICE calls."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph, URIRef
from SPARQLWrapper import JSON, SPARQLWrapper

from conftest import UNLABELLED_ALLIANCE
from live_server import serving
from seckg.config import Config
from seckg.sparql_guard import QueryRejected, check_query, looks_like_update
from seckg.web import NotServable, create_app

SELECT_ORGS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sec: <https://w3id.org/seckg/ontology#>
SELECT ?org ?label WHERE { ?org a sec:Alliance ; rdfs:label ?label } ORDER BY ?label
"""
CSTO = "https://w3id.org/seckg/id/org/CSTO"
JSON_TYPE = "application/sparql-results+json"


def labels(doc: dict) -> list[str]:
    return [b["label"]["value"] for b in doc["results"]["bindings"]]


def test_get_select_returns_sparql_json(client):
    response = client.get("/sparql", query_string={"query": SELECT_ORGS})
    assert response.status_code == 200
    assert response.mimetype == JSON_TYPE
    assert "Accept" in response.headers["Vary"].split(", ")
    doc = json.loads(response.data)
    assert doc["head"]["vars"] == ["org", "label"]
    assert labels(doc) == ["Collective Security Treaty Organization", "North Atlantic Treaty Organization"]
    assert doc["results"]["bindings"][0]["org"] == {"type": "uri", "value": CSTO}


def test_queries_see_the_union_of_all_files(client):
    query = "PREFIX org: <http://www.w3.org/ns/org#> SELECT (COUNT(*) AS ?n) WHERE { ?m org:organization ?o . ?o a ?t }"
    doc = json.loads(client.get("/sparql", query_string={"query": query}).data)
    assert doc["results"]["bindings"][0]["n"]["value"] == "2"  # memberships and orgs are in different files


def test_post_form_and_direct_body(client):
    form = client.post("/sparql", data={"query": SELECT_ORGS})
    direct = client.post("/sparql", data=SELECT_ORGS, content_type="application/sparql-query")
    for response in (form, direct):
        assert response.status_code == 200, response.data
        assert len(labels(json.loads(response.data))) == 2


@pytest.mark.parametrize(
    "accept, mimetype",
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", JSON_TYPE),
    ],
)
def test_result_formats_are_negotiated(client, accept, mimetype):
    response = client.get("/sparql", query_string={"query": SELECT_ORGS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == mimetype
    body = response.get_data(as_text=True)
    if mimetype == "text/csv":
        assert list(csv.reader(io.StringIO(body)))[1] == [CSTO, "Collective Security Treaty Organization"]
    elif mimetype.endswith("xml"):
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert len(ET.fromstring(body).findall(f"{ns}results/{ns}result")) == 2
    elif mimetype == "text/tab-separated-values":
        assert body.splitlines()[0] == "?org\t?label"


def test_nothing_acceptable_is_406_naming_the_formats(client):
    response = client.get("/sparql", query_string={"query": SELECT_ORGS}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/csv" in response.get_data(as_text=True)


def test_ask(client):
    response = client.get("/sparql", query_string={"query": f"ASK {{ <{CSTO}> ?p ?o }}"})
    assert json.loads(response.data) == {"head": {}, "boolean": True}


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt")])
def test_construct_returns_rdf(client, accept, fmt):
    query = f"CONSTRUCT {{ <{CSTO}> ?p ?o }} WHERE {{ <{CSTO}> ?p ?o }}"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    graph = Graph().parse(data=response.get_data(as_text=True), format=fmt)
    assert len(graph) == 2
    assert set(graph.subjects()) == {URIRef(CSTO)}


def test_malformed_query_is_400_with_the_parser_message(client):
    response = client.get("/sparql", query_string={"query": "SELEC ?x WHERE { ?x ?y ?z }"})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "malformed query" in response.get_data(as_text=True)
    assert "1:1" in response.get_data(as_text=True)  # the parser's position


def test_missing_query_is_400(client):
    for response in (client.get("/sparql", query_string={"query": " "}), client.post("/sparql", data={})):
        assert response.status_code == 400
        assert "no query" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.post("/sparql", data={"update": "DROP ALL"}),
        lambda c: c.post("/sparql", data="DROP ALL", content_type="application/sparql-update"),
        lambda c: c.post("/sparql", data={"query": "INSERT DATA { <http://a> <http://b> <http://c> }"}),
        lambda c: c.get("/sparql", query_string={"query": "PREFIX a: <http://a/> CLEAR ALL"}),
    ],
)
def test_updates_are_rejected_and_change_nothing(client, send):
    response = send(client)
    assert response.status_code == 400
    assert "read-only" in response.get_data(as_text=True)
    still = client.get("/sparql", query_string={"query": SELECT_ORGS})
    assert len(labels(json.loads(still.data))) == 2


def test_service_is_rejected_before_any_call(client):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "SERVICE <http://127.0.0.1:9/sparql> is not allowed" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
        "select * where { service silent <http://x/> { ?s ?p ?o } }",
        "PREFIX : <http://x/> SELECT * WHERE { SERVICE:sparql { ?s ?p ?o } }",
        "SELECT * WHERE { {}SERVICE<http://x/>{ ?s ?p ?o } }",
        "SELECT * WHERE { \\u0053ERVICE <http://x/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o # comment\n SERVICE <http://x/> {} }",
    ],
)
def test_guard_rejects_every_spelling_of_service(query):
    with pytest.raises(QueryRejected):
        check_query(query)


@pytest.mark.parametrize(
    "query",
    [
        'SELECT ?service WHERE { ?service <http://x/service> "SERVICE" }',
        "PREFIX ex: <http://x/> SELECT * WHERE { ?s ex:serviceRecord ?o } # no SERVICE here",
        "SELECT * WHERE { ?s ?p '''a\nSERVICE <http://x/> {}''' }",
    ],
)
def test_guard_allows_service_in_names_strings_and_comments(query):
    check_query(query)


def test_update_detection():
    assert looks_like_update("PREFIX a: <http://a/>\nBASE <http://b/>\ninsert data { }")
    assert not looks_like_update("PREFIX a: <http://a/> SELECT * { ?s a:insert ?o }")


def test_app_factory_refuses_a_graph_that_does_not_conform(make_repo):
    root = make_repo({"data/organizations/sco.ttl": UNLABELLED_ALLIANCE})
    with pytest.raises(NotServable, match="SCO"):
        create_app(Config(root=root))


def test_live_server_answers_sparqlwrapper(repo):
    """`seckg serve` on loopback, queried over real HTTP the way remote clients will."""
    with serving(repo) as base:
        client = SPARQLWrapper(f"{base}/sparql")
        client.setQuery(SELECT_ORGS)
        client.setReturnFormat(JSON)
        doc = client.query().convert()
        assert labels(doc)[0] == "Collective Security Treaty Organization"
