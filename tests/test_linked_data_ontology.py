"""The ontology at its IRI and version IRI, and the shapes at theirs: 303 to HTML, Turtle, RDF/XML."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SH

from conftest import ONTOLOGY, PREFIXES
from seckg.config import Config
from seckg.web import create_app

HEADER = PREFIXES + """
<https://w3id.org/seckg/ontology> a owl:Ontology ;
    owl:versionIRI <https://w3id.org/seckg/ontology/0.1.0> ;
    rdfs:label "Test ontology"@en .
<https://w3id.org/seckg/ontology/0.1.0> rdfs:label "version 0.1.0"@en .
sec:Alliance rdfs:comment "A <b>treaty</b> alliance & more."@en .
"""


@pytest.fixture
def repo(make_repo):
    return make_repo({"ontology/seckg.ttl": ONTOLOGY + HEADER.replace(PREFIXES, "")})


@pytest.fixture
def client(repo):
    return create_app(Config(root=repo)).test_client()


@pytest.mark.parametrize("path", ["/ontology", "/ontology/0.1.0", "/shapes"])
@pytest.mark.parametrize("accept, ext", [("text/html", "html"), ("text/turtle", "ttl"), ("application/rdf+xml", "rdf"),
                                         ("application/n-triples", "nt"), ("application/ld+json", "jsonld")])
def test_redirects_by_accept(client, path, accept, ext):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 303 and response.headers["Vary"] == "Accept"
    assert response.headers["Location"].endswith(f"{path}.{ext}")


def test_turtle_is_the_file_and_rdfxml_says_the_same(client, repo):
    turtle = client.get("/ontology.ttl")
    assert turtle.data == (repo / "ontology" / "seckg.ttl").read_bytes()
    rdfxml = Graph().parse(data=client.get("/ontology.rdf").data, format="xml")
    assert isomorphic(rdfxml, Graph().parse(data=turtle.data, format="turtle", publicID="https://w3id.org/seckg/"))
    assert client.get("/ontology/0.1.0.ttl").data == turtle.data


@pytest.mark.parametrize("path", ["/ontology", "/ontology/0.1.0", "/shapes"])
def test_every_rdf_variant_says_what_the_turtle_says(client, path):
    """Like every other IRI under the base, the ontology's and the shapes' serve N-Triples and JSON-LD."""
    turtle = Graph().parse(data=client.get(f"{path}.ttl").data, format="turtle", publicID="https://w3id.org/seckg/")
    assert len(turtle) > 5
    for ext, fmt in (("nt", "nt"), ("jsonld", "json-ld"), ("rdf", "xml")):
        response = client.get(f"{path}.{ext}")
        assert response.status_code == 200, ext
        assert isomorphic(Graph().parse(data=response.data, format=fmt), turtle), ext


def test_only_the_current_version_is_served(client):
    assert client.get("/ontology/0.2.0", headers={"Accept": "text/turtle"}).status_code == 404
    assert client.get("/ontology/0.2.0.ttl").status_code == 404
    assert client.get("/ontology.owx").status_code == 404


def test_documentation_is_generated_from_the_ontology(client):
    page = client.get("/ontology.html").data.decode()
    assert "<h1>Test ontology</h1>" in page
    assert '<article id="Alliance">' in page and '<article id="since">' in page
    assert "A &lt;b&gt;treaty&lt;/b&gt; alliance &amp; more." in page
    assert 'href="http://www.w3.org/ns/org#FormalOrganization"' in page  # superclass, outside the ontology
    assert re.findall(r'<script(?! src="/assets/)', page) == []  # only the site's own script files


def test_documentation_follows_an_edited_ontology(client, repo):
    path = repo / "ontology" / "seckg.ttl"
    path.write_text(path.read_text() + "\nsec:Treaty a owl:Class ; rdfs:label \"treaty\"@en .\n")
    assert '<article id="Treaty">' in client.get("/ontology.html").data.decode()


def test_shapes_are_served(client):
    shapes = Graph().parse(data=client.get("/shapes.ttl").data, format="turtle")
    assert (URIRef("https://w3id.org/seckg/shapes#OrganizationShape"), RDF.type, SH.NodeShape) in shapes
    page = client.get("/shapes.html").data.decode()
    assert 'id="OrganizationShape"' in page and "An organization needs an rdfs:label." in page
    assert (None, SH.message, Literal("An organization needs an rdfs:label.")) in Graph().parse(
        data=client.get("/shapes.rdf").data, format="xml")
