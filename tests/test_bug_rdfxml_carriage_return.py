"""Bug: RDF/XML and SPARQL XML answers wrote a literal's carriage return as a raw byte, which every
XML parser reads back as a line feed, so "a\\r\\nb" came back as "a\\nb". They now carry &#13;."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from conftest import PREFIXES
from seckg.config import Config
from seckg.web import create_app

CSTO = "https://w3id.org/seckg/id/org/CSTO"
TEXT = "first line\r\nsecond line\rthird"


def client_with_crlf_comment(make_repo):
    root = make_repo({"data/organizations/crlf.ttl": PREFIXES + f"""
<{CSTO}> rdfs:comment "first line\\r\\nsecond line\\rthird" .
"""})
    return create_app(Config(root=root)).test_client()


def test_rdfxml_documents_keep_carriage_returns(make_repo):
    client = client_with_crlf_comment(make_repo)
    construct = f"CONSTRUCT {{ <{CSTO}> ?p ?o }} WHERE {{ <{CSTO}> ?p ?o }}"
    for response in (client.get("/id/org/CSTO.rdf"),
                     client.get("/sparql", query_string={"query": construct, "format": "rdfxml"}),
                     client.get("/dumps/seckg.rdf")):
        assert response.status_code == 200
        graph = Graph().parse(data=response.data, format="xml")
        assert [str(o) for o in graph.objects(URIRef(CSTO), RDFS.comment)] == [TEXT]


def test_sparql_xml_results_keep_carriage_returns(make_repo):
    client = client_with_crlf_comment(make_repo)
    query = f"SELECT ?c WHERE {{ <{CSTO}> <{RDFS.comment}> ?c }}"
    response = client.get("/sparql", query_string={"query": query, "format": "xml"})
    literal = ET.fromstring(response.data).find(".//{http://www.w3.org/2005/sparql-results#}literal")
    assert literal.text == TEXT
