"""The answer cache of /sparql and /api: hits, 304s, formats kept apart, and no stale answer
after the graph changes."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from seckg.executor import Answer
from seckg.web import answer_cache, create_app

LABELS = "SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label"


@pytest.fixture
def app(config):
    app = create_app(config)
    runner = app.extensions["seckg.runner"]
    runs = []
    original = runner.run

    def counting(job, timeout):
        runs.append(job.sparql)
        return original(job, timeout)

    runner.run = counting
    app.extensions["test.runs"] = runs
    yield app
    runner.close()


def test_a_repeated_query_is_answered_from_the_cache(app):
    client = app.test_client()
    first = client.get("/sparql", query_string={"query": LABELS})
    second = client.get("/sparql", query_string={"query": LABELS})
    assert first.status_code == second.status_code == 200
    assert first.data == second.data and b"Armenia" in first.data
    assert first.headers["ETag"] == second.headers["ETag"] and first.headers["ETag"].startswith('W/"')
    assert len(app.extensions["test.runs"]) == 1
    assert answer_cache.cache_of(app).hits == 1


def test_if_none_match_gets_304_without_running_the_query(app):
    client = app.test_client()
    etag = client.get("/sparql", query_string={"query": LABELS}).headers["ETag"]
    answer_cache.cache_of(app)._entries.clear()  # the ETag alone must be enough, as in another worker
    response = client.get("/sparql", query_string={"query": LABELS}, headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.data == b""
    assert response.headers["ETag"] == etag and "Accept" in response.headers["Vary"].split(", ")
    assert len(app.extensions["test.runs"]) == 1
    other = client.get("/sparql", query_string={"query": LABELS}, headers={"If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200 and b"Armenia" in other.data


def test_named_queries_get_etags_and_304s(app):
    client = app.test_client()
    url = "/api/members-on-date?org=https://w3id.org/seckg/id/org/CSTO&date=2005-11-01"
    first = client.get(url)
    assert first.status_code == 200 and b"Armenia" in first.data
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    other_day = client.get(url.replace("2005-11-01", "2007-01-01"), headers={"If-None-Match": first.headers["ETag"]})
    assert other_day.status_code == 200 and b"Kazakhstan" in other_day.data


def test_formats_are_cached_apart(app):
    client = app.test_client()
    as_json = client.get("/sparql", query_string={"query": LABELS, "format": "json"})
    as_csv = client.get("/sparql", query_string={"query": LABELS, "format": "csv"})
    by_accept = client.get("/sparql", query_string={"query": LABELS}, headers={"Accept": "text/csv"})
    assert as_json.mimetype == "application/sparql-results+json" and as_json.data.startswith(b"{")
    assert as_csv.mimetype == "text/csv" and as_csv.data.startswith(b"label\r\n")
    assert by_accept.data == as_csv.data and by_accept.headers["ETag"] == as_csv.headers["ETag"]
    assert as_json.headers["ETag"] != as_csv.headers["ETag"]
    assert len(app.extensions["test.runs"]) == 2


def test_a_changed_graph_is_never_answered_from_the_cache(app):
    client = app.test_client()
    before = client.get("/sparql", query_string={"query": LABELS})
    assert b"Uzbekistan" not in before.data
    store = app.extensions["seckg.store"].store
    store.add(ox.Quad(ox.NamedNode("https://w3id.org/seckg/id/state/UZB"),
                      ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("Uzbekistan", language="en"),
                      ox.NamedNode("https://w3id.org/seckg/graph/data/organizations/orgs")))
    app.extensions["seckg.runner"].close()  # query children fork again from the changed store
    answer_cache.bump_generation(app)  # what an accepted write or reload does
    after = client.get("/sparql", query_string={"query": LABELS})
    assert b"Uzbekistan" in after.data
    assert after.headers["ETag"] != before.headers["ETag"]
    stale = client.get("/sparql", query_string={"query": LABELS}, headers={"If-None-Match": before.headers["ETag"]})
    assert stale.status_code == 200 and b"Uzbekistan" in stale.data


def test_no_cache_requests_and_volatile_queries_run_afresh(app):
    client = app.test_client()
    client.get("/sparql", query_string={"query": LABELS})
    fresh = client.get("/sparql", query_string={"query": LABELS}, headers={"Cache-Control": "no-cache"})
    assert fresh.status_code == 200 and len(app.extensions["test.runs"]) == 2
    volatile = "SELECT (RAND() AS ?r) WHERE {}"
    first = client.get("/sparql", query_string={"query": volatile})
    second = client.get("/sparql", query_string={"query": volatile})
    assert first.status_code == second.status_code == 200 and "ETag" not in first.headers
    assert len(app.extensions["test.runs"]) == 4


def test_errors_are_not_cached(app):
    client = app.test_client()
    for _ in range(2):
        response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
        assert response.status_code == 400 and "ETag" not in response.headers
    assert len(answer_cache.cache_of(app)) == 0


def test_the_cache_is_bounded_in_bytes():
    cache = answer_cache.AnswerCache(max_bytes=1000)
    for i in range(11):  # the eleventh pushes the first out
        cache.put(str(i), Answer(200, body=b"x" * 100, kind="results"))
    cache.put("huge", Answer(200, body=b"x" * 900, kind="results"))  # over an eighth: not kept
    assert cache.get("huge") is None and cache.get("0") is None and cache.get("10") is not None
    assert sum(len(a.body) for a in cache._entries.values()) <= 1000
