"""gzip for text answers (web/compression.py): what a client gets with Accept-Encoding: gzip is the
identity answer, compressed; validators stay right in both encodings; dumps are never recompressed.

Most tests use the repository's own graph through Flask's test client (the app is the one
`seckg serve` runs); the last one goes through gunicorn over loopback.
"""

from __future__ import annotations

import gzip
import json
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Response, request
from rdflib import Graph
from rdflib.compare import isomorphic

from seckg.config import Config
from seckg.web import create_app
from seckg.web.compression import MAX_BYTES

from live_server import request as http_request
from live_server import serving

REPO = Path(__file__).resolve().parents[1]
GZIP = {"Accept-Encoding": "gzip"}
CSTO = "https://w3id.org/seckg/id/org/CSTO"
SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 400"
CONSTRUCT = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o . ?s <http://www.w3.org/ns/org#organization> <{CSTO}> }}"

PAGES = ["/", "/id/org/CSTO.html", "/id/state/ARM.html", "/ontology.html", "/shapes.html", "/search?q=Collective",
         "/query", "/dumps/"]
JSON_ANSWERS = [
    ("/sparql?" + urllib.parse.urlencode({"query": SELECT}), "application/sparql-results+json"),
    ("/api/members-on-date?" + urllib.parse.urlencode({"org": CSTO, "date": "2005-11-01"}), "application/json"),
    ("/api/openapi.json", "application/json"),
]
RDF_ANSWERS = [
    ("/sparql?" + urllib.parse.urlencode({"query": CONSTRUCT}), "text/turtle", "turtle"),
    ("/sparql?" + urllib.parse.urlencode({"query": CONSTRUCT}), "application/n-triples", "nt"),
    ("/sparql?" + urllib.parse.urlencode({"query": CONSTRUCT}), "application/ld+json", "json-ld"),
    ("/id/org/CSTO.ttl", "text/turtle", "turtle"),
    ("/.well-known/void", "text/turtle", "turtle"),
]


@pytest.fixture(scope="module")
def client():
    app = create_app(Config(root=REPO))
    return app.test_client()


def both(client, url: str, headers: dict | None = None, method: str = "GET"):
    """The identity answer and the gzip answer to the same request."""
    plain = client.open(url, method=method, headers=headers or {})
    packed = client.open(url, method=method, headers={**(headers or {}), **GZIP})
    return plain, packed


def unpacked(plain, packed) -> bytes:
    assert plain.status_code == packed.status_code == 200, (plain.status, plain.data[:300])
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["Vary"].lower() and "accept-encoding" in plain.headers["Vary"].lower()
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
    return gzip.decompress(packed.data)


class _Tree(HTMLParser):
    def __init__(self, text: str):
        super().__init__()
        self.events: list[tuple] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, tuple(attrs)))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        if data.strip():
            self.events.append(("text", data.strip()))


@pytest.mark.parametrize("url", PAGES)
def test_pages_gzipped_are_the_same_pages(client, url):
    plain, packed = both(client, url)
    text = unpacked(plain, packed).decode("utf-8")
    tree = _Tree(text).events
    assert tree == _Tree(plain.get_data(as_text=True)).events
    assert ("start", "title", ()) in tree and len(tree) > 50


@pytest.mark.parametrize("url, accept", JSON_ANSWERS)
def test_json_answers_gzipped_hold_the_same_json(client, url, accept):
    plain, packed = both(client, url, {"Accept": accept})
    answer = json.loads(unpacked(plain, packed))
    assert answer == json.loads(plain.data) and answer


@pytest.mark.parametrize("url, accept, rdf_format", RDF_ANSWERS)
def test_rdf_answers_gzipped_hold_the_same_triples(client, url, accept, rdf_format):
    plain, packed = both(client, url, {"Accept": accept})
    graph = Graph().parse(data=unpacked(plain, packed), format=rdf_format)
    assert len(graph) > 10 and isomorphic(graph, Graph().parse(data=plain.data, format=rdf_format))


def test_small_answers_and_clients_without_gzip_get_identity(client):
    ask = "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    small = client.get(ask, headers={**GZIP, "Accept": "application/sparql-results+json"})
    assert small.status_code == 200 and "Content-Encoding" not in small.headers and json.loads(small.data)["boolean"]
    refused = client.get("/id/org/CSTO.html", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and b"<title>" in refused.data


def test_a_cached_answer_is_304_in_either_encoding(client):
    """Query answers carry a weak ETag (the same content in either encoding): If-None-Match with
    either one is 304, gzip or not, and the 304 still says it varies with Accept-Encoding."""
    url, accept = JSON_ANSWERS[0]
    plain, packed = both(client, url, {"Accept": accept})
    assert plain.headers["ETag"].startswith('W/"') and packed.headers["ETag"] == plain.headers["ETag"]
    for encoding in ({}, GZIP):
        for etag in (plain.headers["ETag"], packed.headers["ETag"]):
            again = client.get(url, headers={"Accept": accept, "If-None-Match": etag, **encoding})
            assert again.status_code == 304 and again.data == b""
            assert "accept-encoding" in again.headers["Vary"].lower()
    stale = client.get(url, headers={"Accept": accept, "If-None-Match": 'W/"not-this-one"', **GZIP})
    assert stale.status_code == 200 and stale.headers["Content-Encoding"] == "gzip"


def test_a_strong_etag_is_never_shared_by_the_two_encodings(make_repo):
    """The policy on a view with a strong ETag (none of this app's compressed answers has one yet;
    the dumps and assets have theirs and are not compressed here): gzip gets its own validator,
    and a 304 names the validator of the body the client holds. Also the upper bound on size."""
    app = create_app(Config(root=make_repo()))
    body = "a strongly validated text\n" * 200

    @app.route("/strong")
    def strong() -> Response:
        response = Response(body, content_type="text/plain; charset=utf-8")
        response.set_etag("v1")
        return response.make_conditional(request)

    @app.route("/large")
    def large() -> Response:
        return Response("x" * (MAX_BYTES + 1), content_type="text/plain; charset=utf-8")

    client = app.test_client()
    plain, packed = both(client, "/strong")
    assert gzip.decompress(packed.data).decode() == body == plain.get_data(as_text=True)
    assert plain.headers["ETag"] == '"v1"' and packed.headers["ETag"] not in ('"v1"', 'W/"v1"')
    assert not packed.headers["ETag"].startswith("W/")
    assert client.get("/strong", headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    assert client.get("/strong", headers={"If-None-Match": packed.headers["ETag"], **GZIP}).status_code == 304
    # A gzip client holding the identity body: the view answers 304 before anything is compressed,
    # naming the identity validator, so the client keeps using its identity copy (still correct).
    crossed = client.get("/strong", headers={"If-None-Match": plain.headers["ETag"], **GZIP})
    assert crossed.status_code == 304 and crossed.headers["ETag"] == plain.headers["ETag"]
    assert "Content-Encoding" not in crossed.headers
    # Over the cap, a body goes as it is (compressing it would cost the worker seconds).
    large = client.get("/large", headers=GZIP)
    assert large.status_code == 200 and "Content-Encoding" not in large.headers
    assert len(large.data) == MAX_BYTES + 1 and "accept-encoding" in large.headers["Vary"].lower()
    # No other validator matches either encoding.
    stale = client.get("/strong", headers={"If-None-Match": '"v0", "v0:gzip"', **GZIP})
    assert stale.status_code == 200 and gzip.decompress(stale.data).decode() == body


def test_head_says_what_get_would_send(client):
    """HEAD of a query URL runs (or finds cached) the query itself: it was once taken for a
    request without a query and described the service instead."""
    for url in ("/id/org/CSTO.html", JSON_ANSWERS[0][0], JSON_ANSWERS[1][0]):
        get = client.get(url, headers=GZIP)
        head = client.head(url, headers=GZIP)
        assert head.status_code == 200 and head.data == b""
        assert head.headers["Content-Encoding"] == "gzip"
        assert head.headers["Content-Length"] == get.headers["Content-Length"] == str(len(get.data))
        assert head.headers["Content-Type"] == get.headers["Content-Type"]
        assert head.headers.get("ETag") == get.headers.get("ETag")


def test_dumps_are_sent_as_they_are_stored(client):
    """A dump is streamed from its file: never compressed on the way (the .gz one would be gzipped
    twice), its strong ETag, Range and 304 as without gzip; whatever encodings a browser offers."""
    browser = {"Accept-Encoding": "gzip, deflate, br, zstd"}
    for name in ("seckg.nt", "seckg.nt.gz"):
        plain = client.get(f"/dumps/{name}")
        packed = client.get(f"/dumps/{name}", headers=browser)
        assert plain.status_code == packed.status_code == 200
        assert "Content-Encoding" not in packed.headers and packed.data == plain.data
        assert packed.headers["ETag"] == plain.headers["ETag"] and not packed.headers["ETag"].startswith("W/")
        assert client.get(f"/dumps/{name}", headers={"If-None-Match": packed.headers["ETag"], **browser}).status_code == 304
        part = client.get(f"/dumps/{name}", headers={"Range": "bytes=0-99", **browser})
        assert part.status_code == 206 and part.data == plain.data[:100] and "Content-Encoding" not in part.headers
    # Unpacked once, the .gz dump is the N-Triples dump (not a gzip of a gzip), and parses.
    unpacked_once = gzip.decompress(client.get("/dumps/seckg.nt.gz", headers=browser).data)
    assert unpacked_once == client.get("/dumps/seckg.nt").data
    assert len(Graph().parse(data=unpacked_once, format="nt")) > 1000
    streamed = client.get("/dumps/seckg.nt", headers=browser, buffered=False)
    assert streamed.is_streamed and "Content-Encoding" not in streamed.headers
    streamed.close()


def test_through_gunicorn(repo):
    with serving(repo, "--workers", "1") as base:
        page, packed_page = (http_request(base + "/id/org/CSTO", headers={"Accept": "text/html", **extra})
                             for extra in ({}, GZIP))
        assert page[0] == packed_page[0] == 200 and packed_page[1]["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed_page[2]) == page[2]
        url = base + JSON_ANSWERS[0][0]
        status, headers, body = http_request(url, headers={"Accept": "application/sparql-results+json", **GZIP})
        assert status == 200 and headers["Content-Encoding"] == "gzip" and json.loads(gzip.decompress(body))
        status, headers, body = http_request(url, headers={"Accept": "application/sparql-results+json",
                                                           "If-None-Match": headers["ETag"], **GZIP})
        assert status == 304 and body == b""
