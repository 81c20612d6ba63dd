"""Literals and IRIs written to break things come back unchanged in every format and inert on every page.

The hostile repository (tests/hostile_graph.py) holds labels with <script>,
quotes, template syntax and control characters, an IRI with a quote and an
ampersand, and a javascript: IRI. Every RDF and results format must parse back
to exactly those values, and every HTML page must show them as text: no
element, attribute or link a browser would act on.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from hostile_graph import (
    EVIL, HOSTILE_FILES, IMG_COMMENT, JAVASCRIPT_IRI, ODD_IRI, SCRIPT_LABEL, TEMPLATE_LABEL,
)
from live_server import write_repo
from seckg.config import Config
from seckg.web import create_app
from seckg.web.security_headers import DEFAULT_POLICY

LABELS = {(SCRIPT_LABEL, "en"), (TEMPLATE_LABEL, "ru")}
RDF_EXTENSIONS = {"ttl": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD", "rdf": "RDF_XML"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = write_repo(tmp_path_factory.mktemp("hostile"), HOSTILE_FILES)
    app = create_app(Config(root=root))
    app.config.update(TESTING=True)
    return app.test_client()


def labels_in(triples, subject: str) -> set[tuple[str, str]]:
    return {(t.object.value, t.object.language) for t in triples
            if t.subject == ox.NamedNode(subject) and t.predicate == ox.NamedNode(str(RDFS.label))}


@pytest.mark.parametrize("ext", sorted(RDF_EXTENSIONS))
def test_entity_documents_carry_the_literals_unchanged(client, ext):
    response = client.get(f"/id/org/EVIL.{ext}")
    assert response.status_code == 200
    triples = list(ox.parse(response.data, format=getattr(ox.RdfFormat, RDF_EXTENSIONS[ext])))
    assert labels_in(triples, EVIL) == LABELS
    comments = {t.object.value for t in triples if t.predicate == ox.NamedNode(str(RDFS.comment))}
    assert comments == {IMG_COMMENT}
    assert ox.NamedNode(ODD_IRI) in {t.object for t in triples}
    # A second parser agrees (rdflib's RDF/XML parser is expat, which enforces XML 1.0).
    if ext in ("rdf", "ttl"):
        graph = Graph().parse(data=response.data, format={"rdf": "xml", "ttl": "turtle"}[ext])
        assert {(str(o), o.language) for o in graph.objects(URIRef(EVIL), RDFS.label)} == LABELS


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_query_results_carry_the_literals_unchanged(client, fmt):
    query = f"SELECT ?label WHERE {{ <{EVIL}> <{RDFS.label}> ?label }}"
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 200
    if fmt == "csv":  # CSV keeps values only, no language tags
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8"), newline="")))
        assert rows[0] == ["label"]
        assert {row[0] for row in rows[1:]} == {text for text, _ in LABELS}
        return
    solutions = ox.parse_query_results(response.data, format=getattr(ox.QueryResultsFormat, fmt.upper()))
    assert {(s["label"].value, s["label"].language) for s in solutions} == LABELS


@pytest.mark.parametrize("fmt", ["turtle", "nt", "jsonld", "rdfxml", "trig", "nquads"])
def test_construct_answers_carry_the_literals_unchanged(client, fmt):
    query = f"CONSTRUCT {{ <{EVIL}> ?p ?o }} WHERE {{ <{EVIL}> ?p ?o }}"
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 200
    writer = {"turtle": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD", "rdfxml": "RDF_XML",
              "trig": "TRIG", "nquads": "N_QUADS"}[fmt]
    triples = [getattr(q, "triple", q) for q in ox.parse(response.data, format=getattr(ox.RdfFormat, writer))]
    assert labels_in(triples, EVIL) == LABELS


@pytest.mark.parametrize("path", ["/ontology.ttl", "/ontology.rdf", "/shapes.ttl", "/shapes.rdf"])
def test_ontology_and_shapes_documents_carry_the_literals_unchanged(client, path):
    response = client.get(path)
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="xml" if path.endswith(".rdf") else "turtle")
    subject = URIRef("https://w3id.org/seckg/ontology#Cabal" if path.startswith("/ontology")
                     else "https://w3id.org/seckg/shapes#CabalShape")
    labels = {(str(o), o.language) for o in graph.objects(subject, RDFS.label)}
    assert labels == (LABELS if path.startswith("/ontology") else {(SCRIPT_LABEL, "en")})


def test_every_dump_carries_the_literals_unchanged(client):
    listing = client.get("/dumps/manifest.json")
    names = [n for n in json.loads(listing.data)["files"] if not n.endswith(".gz")] if listing.status_code == 200 \
        else ["seckg.trig", "seckg.nq", "seckg.ttl", "seckg.nt", "seckg.jsonld", "seckg.rdf"]
    writers = {"trig": "TRIG", "nq": "N_QUADS", "ttl": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD",
               "rdf": "RDF_XML"}
    for name in names:
        response = client.get(f"/dumps/{name}")
        assert response.status_code == 200, name
        parsed = ox.parse(response.data, format=getattr(ox.RdfFormat, writers[name.rsplit(".", 1)[1]]))
        assert labels_in([getattr(q, "triple", q) for q in parsed], EVIL) == LABELS, name


class _Elements(HTMLParser):
    """Collects what a browser would act on: elements, event-handler attributes, link targets, scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.handlers: list[str] = []
        self.hrefs: list[str] = []
        self.scripts: list[tuple[dict, str]] = []
        self.text: list[str] = []
        self._script: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attributes = dict(attrs)
        self.handlers += [name for name in attributes if name.startswith("on")]
        for name in ("href", "src", "action"):
            if attributes.get(name) is not None:
                self.hrefs.append(attributes[name])
        if tag == "script":
            self._script = attributes
            self.scripts.append((attributes, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            attributes, text = self.scripts[-1]
            self.scripts[-1] = (attributes, text + data)
        else:
            self.text.append(data)


def inspect_page(body: str) -> _Elements:
    parser = _Elements()
    parser.feed(body)
    parser.close()
    return parser


PAGES = ["/id/org/EVIL.html", "/id/org/" + quote("q'uote&amp=1", safe="'&=") + ".html", "/ontology", "/shapes",
         "/", "/dumps/"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_show_hostile_values_as_text(client, path):
    response = client.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "text/html"
    page = inspect_page(response.get_data(as_text=True))
    assert "img" not in page.tags and "title" in page.tags and page.tags.count("title") == 1
    assert page.handlers == []
    assert not [h for h in page.hrefs if h.strip().lower().startswith(("javascript:", "data:", "vbscript:"))]
    for attributes, text in page.scripts:  # data blocks, or the site's own script files: never inline code
        if "src" in attributes:
            assert attributes["src"].startswith("/assets/") and not text.strip(), attributes
            continue
        assert attributes.get("type") == "application/ld+json", attributes
        json.loads(text)
    # Each page shows at least one hostile value, as the very text that is in the data.
    text = "".join(page.text)
    assert SCRIPT_LABEL.split("<!--")[0] in text or IMG_COMMENT in text or path in ("/", "/dumps/")


def test_entity_page_shows_every_hostile_value_and_embeds_them_as_json_ld(client):
    page = inspect_page(client.get("/id/org/EVIL.html").get_data(as_text=True))
    text = "".join(page.text)
    for value in (SCRIPT_LABEL, IMG_COMMENT, JAVASCRIPT_IRI):
        assert value in text
    (attributes, embedded), = [(a, t) for a, t in page.scripts if a.get("type") == "application/ld+json"]
    triples = list(ox.parse(embedded.encode(), format=ox.RdfFormat.JSON_LD))
    assert labels_in(triples, EVIL) == LABELS


@pytest.mark.parametrize("path", ["/id/org/EVIL.html", "/ontology", "/shapes", "/", "/dumps/", "/sparql?query=x",
                                  "/api", "/no/such/page"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = response.headers["Content-Security-Policy"]
    assert policy == DEFAULT_POLICY
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, so nothing from the data can run
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_a_view_can_name_its_own_policy(repo):
    from seckg.web.security_headers import content_security_policy

    app = create_app(Config(root=repo))

    @app.route("/editor")
    @content_security_policy("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'")
    def editor():
        return "<!doctype html><title>editor</title>"

    response = app.test_client().get("/editor")
    assert response.headers["Content-Security-Policy"] == "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"
    assert app.test_client().get("/").headers["Content-Security-Policy"] == DEFAULT_POLICY
