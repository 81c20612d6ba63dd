"""Dereferencing IRIs under the base: 303 to a negotiated document, RDF variants, entity pages.

Answers are parsed back into rdflib graphs and compared with what the source
files say, so a description that loses or invents triples fails.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.parse
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS

from conftest import PREFIXES
from live_server import BACKENDS, request, serving_backend, write_repo
from seckg.config import Config
from seckg.web import create_app

ID = Namespace("https://w3id.org/seckg/id/")
ORG = Namespace("http://www.w3.org/ns/org#")
TIME = Namespace("http://www.w3.org/2006/time#")
VOID = Namespace("http://rdfs.org/ns/void#")
CSTO, ARM = ID["org/CSTO"], ID["state/ARM"]
HOSTILE = "</script><script>alert(1)</script> & <b>bold</b>"

EXTRA = PREFIXES + f"""
@prefix time: <http://www.w3.org/2006/time#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix source: <https://w3id.org/seckg/id/source/> .
@prefix sorg: <https://w3id.org/seckg/id/org/> .
@prefix state: <https://w3id.org/seckg/id/state/> .

<https://w3id.org/seckg/graph/data/statements/extra> rdfs:label "Extra facts"@en ;
    prov:wasDerivedFrom source:test-source .

source:test-source rdfs:label "A test source"@en .

<https://w3id.org/seckg/id/statement/s1> a sec:Statement ;
    rdfs:label "{HOSTILE}"@en ;
    sec:about sorg:CSTO ;
    dcterms:source source:test-source .

<https://w3id.org/seckg/id/membership/CSTO-ARM-2> a org:Membership ;
    rdfs:label "Armenia in the CSTO, second spell"@en ;
    org:organization sorg:CSTO ;
    org:member state:ARM ;
    org:memberDuring [ a time:Interval ;
        time:hasBeginning [ a time:Instant ; time:inXSDDate "2008-01-01"^^xsd:date ] ;
        time:hasEnd [ a time:Instant ; time:inXSDDate "2012-12-19"^^xsd:date ] ] ;
    dcterms:source source:test-source .

<https://w3id.org/seckg/id/post-holding/bordyuzha> a sec:PostHolding ;
    rdfs:label "Bordyuzha, Secretary-General of the CSTO"@en ;
    org:organization sorg:CSTO ;
    org:member <https://w3id.org/seckg/id/person/nikolai-bordyuzha> ;
    dcterms:source source:test-source .
"""
FILES = {"data/statements/extra.ttl": EXTRA}


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return write_repo(tmp_path_factory.mktemp("ld-repo"), FILES)


@pytest.fixture(scope="module", params=BACKENDS)
def base(request, repo):
    with serving_backend(request.param, repo, "--workers", "2") as url:
        yield url


def source_graph(repo: Path) -> Graph:
    """Everything the repository's ontology and data files say, as one graph."""
    graph = Graph()
    for path in [*sorted((repo / "ontology").glob("*.ttl")), *sorted((repo / "data").rglob("*.ttl"))]:
        graph.parse(path, format="turtle", publicID="https://w3id.org/seckg/")
    return graph


def no_redirect(url: str, accept: str | None) -> tuple[int, dict[str, str]]:
    """Status and headers of a GET that is not followed, to see the 303 itself."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request("GET", parts.path, headers={"Accept": accept} if accept is not None else {})
        response = conn.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        conn.close()


@pytest.mark.parametrize("accept, ext", [
    ("text/turtle", "ttl"), ("application/n-triples", "nt"), ("application/ld+json", "jsonld"),
    ("application/rdf+xml", "rdf"), ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),
    ("*/*", "ttl"), (None, "ttl"), ("text/turtle;q=0.2, application/ld+json", "jsonld"),
])
def test_iri_redirects_303_to_the_negotiated_document(base, accept, ext):
    status, headers = no_redirect(base + "/id/org/CSTO", accept)
    assert status == 303
    assert headers["Location"].endswith(f"/id/org/CSTO.{ext}")
    assert "Accept" in headers["Vary"]


def test_rdflib_dereferences_an_iri(base, repo):
    """rdflib's own Accept header and redirect handling get the description of the thing."""
    got = Graph().parse(base + "/id/org/CSTO")
    sources = source_graph(repo)
    own = {(p, o) for _, p, o in sources.triples((CSTO, None, None))}
    assert {(p, o) for _, p, o in got.triples((CSTO, None, None))} == own
    incoming = {(s, p) for s, p, _ in sources.triples((None, None, CSTO))}
    assert {(s, p) for s, p, _ in got.triples((None, None, CSTO))} == incoming
    assert (ID["statement/s1"], RDFS.label, Literal(HOSTILE, lang="en")) in got  # labels of what links here


def test_variants_say_the_same(base):
    graphs = {}
    for ext, media in (("ttl", "text/turtle"), ("nt", "application/n-triples"),
                       ("jsonld", "application/ld+json"), ("rdf", "application/rdf+xml")):
        status, headers, body = request(base + f"/id/membership/CSTO-ARM-2.{ext}")
        assert status == 200 and headers["Content-Type"].startswith(media)
        graphs[ext] = Graph().parse(data=body, format={"ttl": "turtle", "nt": "nt", "jsonld": "json-ld",
                                                       "rdf": "xml"}[ext])
    assert len(graphs["ttl"]) > 12
    for ext in ("nt", "jsonld", "rdf"):
        assert isomorphic(graphs["ttl"], graphs[ext]), ext


def test_nested_blank_nodes_come_with_the_membership(base):
    _, _, body = request(base + "/id/membership/CSTO-ARM-2.ttl")
    got = Graph().parse(data=body, format="turtle")
    membership = ID["membership/CSTO-ARM-2"]
    interval = got.value(membership, ORG.memberDuring)
    assert isinstance(interval, BNode)
    begin, end = got.value(interval, TIME.hasBeginning), got.value(interval, TIME.hasEnd)
    assert str(got.value(begin, TIME.inXSDDate)) == "2008-01-01"
    assert str(got.value(end, TIME.inXSDDate)) == "2012-12-19"
    assert (ARM, RDFS.label, Literal("Armenia", lang="en")) in got


@pytest.mark.parametrize("path", ["/id/org/NOPE", "/id/org/NOPE.ttl", "/id/org/NOPE.html", "/nothing/here"])
def test_unknown_iris_are_404(base, path):
    status, headers, body = request(base + path, headers={"Accept": "text/turtle"})
    assert status == 404 and headers["Content-Type"].startswith("text/plain")
    assert b"nothing is known" in body


def test_nothing_acceptable_is_406(base):
    status, _, body = request(base + "/id/org/CSTO", headers={"Accept": "image/png"})
    assert status == 406 and b"text/turtle" in body


def test_graph_iris_dereference_too(base):
    got = Graph().parse(base + "/graph/data/statements/extra")
    graph = URIRef("https://w3id.org/seckg/graph/data/statements/extra")
    assert (graph, RDFS.label, Literal("Extra facts", lang="en")) in got


def test_every_graph_of_the_dataset_dereferences_as_its_void_subset(base):
    """The ontology's graph is described by no triple, yet VoID and the N-Quads dump name it."""
    void = Graph().parse(base + "/.well-known/void")
    dataset = URIRef("https://w3id.org/seckg/.well-known/void#seckg")
    subsets = set(void.objects(dataset, VOID.subset))
    assert URIRef("https://w3id.org/seckg/graph/ontology/seckg") in subsets
    for subset in subsets:
        got = Graph().parse(base + "/" + str(subset)[len("https://w3id.org/seckg/"):])
        assert (dataset, VOID.subset, subset) in got
        assert got.value(subset, VOID.triples) == void.value(subset, VOID.triples)


def _html(base: str, path: str) -> str:
    status, headers, body = request(base + path, headers={"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    return body.decode()


def test_entity_page_shows_the_description(base):
    page = _html(base, "/id/org/CSTO")
    assert "<h1>Collective Security Treaty Organization</h1>" in page
    assert 'href="/ontology#Alliance"' in page  # its type, linked to this server's ontology
    assert 'href="/id/state/ARM"' in page and "https://w3id.org/seckg/id/state/ARM" not in re.findall(
        r'href="([^"]+)"', page)  # links are rewritten to this server
    assert "Statements about this" in page
    members = page.split('id="members"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", members, re.S)[1:]
    records = [re.findall(r'href="(/id/membership/[^"]+)"', r) for r in rows]
    assert records == [["/id/membership/CSTO-ARM-2"], ["/id/membership/CSTO-ARM"], ["/id/membership/CSTO-KAZ"]]
    assert "<td>2008-01-01</td><td>2012-12-19</td>" in rows[0] and "A test source" in rows[0]
    assert "data/statements/extra.ttl" in page  # where each fact came from
    for ext in ("ttl", "nt", "jsonld", "rdf"):
        assert f'href="/id/org/CSTO.{ext}"' in page
    sparql = re.search(r'href="(/sparql\?[^"]+)"', page).group(1).replace("&amp;", "&")
    status, _, body = request(base + sparql, headers={"Accept": "application/sparql-results+json"})
    assert status == 200 and json.loads(body)["results"]["bindings"]


def test_entity_page_escapes_data_and_embeds_jsonld(base):
    page = _html(base, "/id/statement/s1")
    assert "<script>alert(1)" not in page and "<b>bold</b>" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    # The only inline script is the JSON-LD data block; the others are files from /assets/.
    scripts = [s for s in re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S) if ' src="/assets/' not in s[0]]
    assert [attrs for attrs, _ in scripts] == [' type="application/ld+json"']
    embedded = Graph().parse(data=scripts[0][1], format="json-ld")
    _, _, body = request(base + "/id/statement/s1.jsonld")
    assert isomorphic(embedded, Graph().parse(data=body, format="json-ld"))
    assert (ID["statement/s1"], RDFS.label, Literal(HOSTILE, lang="en")) in embedded


def test_state_page_lists_memberships_over_time(base):
    page = _html(base, "/id/state/ARM.html")
    table = page.split('id="member-of"')[1].split("</table>")[0]
    assert 'href="/id/org/CSTO"' in table and "2008-01-01" in table


# Embedded only: this is about the loader resolving the files against the base; in remote mode the
# store holds what `seckg load --to` wrote with the same loader, and the paths are served the same way.
def test_another_base_is_served_at_the_same_paths(make_repo):
    """The base is configuration: relative IRIs in the files resolve against it, paths follow."""
    repo = make_repo({"data/organizations/local.ttl": PREFIXES + """
<id/org/LOCAL> a sec:Alliance ; rdfs:label "Local alliance"@en ; <id/partner> <id/org/OTHER> .
<id/org/OTHER> a sec:Alliance ; rdfs:label "Other alliance"@en .
"""})
    app = create_app(Config(root=repo, base="http://example.org/kg/"))
    client = app.test_client()
    response = client.get("/id/org/LOCAL", headers={"Accept": "text/turtle"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/id/org/LOCAL.ttl")
    got = Graph().parse(data=client.get("/id/org/LOCAL.ttl").data, format="turtle")
    assert (URIRef("http://example.org/kg/id/org/LOCAL"), RDFS.label, Literal("Local alliance", lang="en")) in got
    page = client.get("/id/org/LOCAL.html").data.decode()
    assert 'href="/id/org/OTHER"' in page


def test_post_holdings_stay_out_of_the_members_table(base):
    """A post holding is an org:Membership too, but its holder is not a member of the organization."""
    page = _html(base, "/id/org/CSTO")
    members = page.split('id="members"')[1].split("</table>")[0]
    assert "/id/post-holding/" not in members
