"""The VoID/DCAT description at /.well-known/void agrees with what the server serves."""

from __future__ import annotations

import urllib.parse

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from seckg.config import Config
from seckg.web import create_app
from test_linked_data import FILES

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DATASET = URIRef("https://w3id.org/seckg/.well-known/void#seckg")


@pytest.fixture
def client(make_repo):
    return create_app(Config(root=make_repo(FILES))).test_client()


@pytest.fixture
def void(client) -> Graph:
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and "Accept" in response.headers["Vary"].split(", ")
    return Graph().parse(data=response.data, format="turtle")


def count(client, query: str) -> int:
    response = client.get("/sparql?" + urllib.parse.urlencode({"query": query}))
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def test_counts_are_those_of_the_endpoint(client, void):
    assert (DATASET, RDF.type, VOID.Dataset) in void and (DATASET, RDF.type, DCAT.Dataset) in void
    triples = count(client, "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")
    assert void.value(DATASET, VOID.triples) == Literal(triples, datatype=XSD.integer)
    entities = count(client, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o "
                             "FILTER(STRSTARTS(STR(?s), 'https://w3id.org/seckg/id/')) }")
    assert int(void.value(DATASET, VOID.entities)) == entities > 5
    partitions = {void.value(p, VOID.property): int(void.value(p, VOID.triples))
                  for p in void.objects(DATASET, VOID.propertyPartition)}
    assert sum(partitions.values()) == triples
    classes = {void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
               for p in void.objects(DATASET, VOID.classPartition)}
    assert classes[URIRef("http://www.w3.org/ns/org#Membership")] == 3


def test_links_point_at_what_this_server_serves(client, void):
    assert void.value(DATASET, VOID.sparqlEndpoint) == URIRef("http://localhost/sparql")
    dumps = sorted(str(d) for d in void.objects(DATASET, VOID.dataDump))
    assert len(dumps) == 12 and "http://localhost/dumps/seckg.nq.gz" in dumps
    for url in dumps:
        response = client.get(urllib.parse.urlsplit(url).path)
        assert response.status_code == 200
        response.close()
    assert str(void.value(DATASET, VOID.uriSpace)) == "https://w3id.org/seckg/"
    for example in void.objects(DATASET, VOID.exampleResource):
        assert str(example).startswith("https://w3id.org/seckg/id/")
        assert client.get("/" + str(example)[len("https://w3id.org/seckg/"):] + ".ttl").status_code == 200
    source = URIRef("https://w3id.org/seckg/id/source/test-source")
    assert source in set(void.objects(DATASET, DCTERMS.source))
    for name in ("title", "description", "rights", "modified", "publisher"):
        assert void.value(DATASET, DCTERMS[name]) is not None, name
    sizes = {str(void.value(d, DCAT.downloadURL)): int(void.value(d, DCAT.byteSize))
             for d in void.objects(DATASET, DCAT.distribution)}
    body = client.get("/dumps/seckg.ttl").data
    assert sizes["http://localhost/dumps/seckg.ttl"] == len(body)


def test_service_description_and_home_page_link_to_it(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    described = Graph().parse(data=response.data, format="turtle")
    assert URIRef("http://localhost/.well-known/void") in set(described.objects())
    home = client.get("/")
    assert home.status_code == 200 and b'href="/.well-known/void"' in home.data
    assert "/.well-known/void" in home.headers["Link"]


CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")


def test_the_licence_is_stated_for_the_dataset_every_dump_and_on_the_dumps(client, void):
    assert void.value(DATASET, DCTERMS.license) == CC_BY
    rights = str(void.value(DATASET, DCTERMS.rights))
    for source in ("Correlates of War", "ATOP", "Factbook", "SupraVerden", "Jamestown"):
        assert source in rights, source
    distributions = list(void.objects(DATASET, DCAT.distribution))
    assert len(distributions) == 12
    assert all(void.value(d, DCTERMS.license) == CC_BY for d in distributions)
    download = client.get("/dumps/seckg.nt")
    assert download.headers["Link"] == f'<{CC_BY}>; rel="license"'
    download.close()
    page = client.get("/dumps/").data.decode()
    assert f'<a rel="license" href="{CC_BY}">CC BY 4.0</a>' in page
