"""Property-based fuzzing of every public route with hypothesis, and of the named-query API with
schemathesis against /api/openapi.json: whatever arrives, the answer is never a 500, never hangs and
never shows a traceback. Runs in-process on the hostile repository with bounded example counts, so the
whole file takes about a minute.
"""

from __future__ import annotations

import gzip
import urllib.parse

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from hostile_graph import HOSTILE_FILES
from live_server import write_repo
from seckg.config import Config
from seckg.web import create_app
from seckg.web.settings import EndpointSettings

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])
SPARQL_WORDS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FROM", "NAMED", "SERVICE", "SILENT", "GRAPH",
                "OPTIONAL", "UNION", "MINUS", "FILTER", "BIND", "VALUES", "LIMIT", "OFFSET", "ORDER BY", "GROUP BY",
                "PREFIX sec: <https://w3id.org/seckg/ontology#>", "BASE <http://127.0.0.1:9/>", "INSERT DATA",
                "LOAD", "?s", "?p", "?o", "*", "{", "}", "(", ")", "[", "]", ".", ";", ",", "a", "sec:x", "_:b",
                "<https://w3id.org/seckg/id/org/EVIL>", '"lit"@en', "'x'", '"""x"""', "1", "1.5e3", "true",
                "REGEX(?o, \"(a+)+$\")", "COUNT(*)", "AS", "?n", "^", "/", "|", "*", "+", "!", "<p>", "\\u0022",
                "#", "\n", "SERVICE:x", "EXISTS", "NOT", "IN", "STR(?o)", "IRI(\"x\")", "VERSION", "TRIPLE"]
sparql_like = st.lists(st.sampled_from(SPARQL_WORDS), min_size=1, max_size=30).map(" ".join)
any_text = st.text(max_size=300)
MEDIA = ["*/*", "text/html", "application/sparql-results+json", "application/sparql-results+xml", "text/csv",
         "text/tab-separated-values", "text/turtle", "application/n-triples", "application/ld+json",
         "application/rdf+xml", "application/trig", "application/n-quads", "image/png", "", ";;", "*/*;q=x",
         "text/*;q=0.5, */*;q=0", "application/json;q=1.5", "a/b/c"]
accept = st.one_of(st.sampled_from(MEDIA), st.lists(st.sampled_from(MEDIA), max_size=4).map(", ".join),
                   st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60))


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = write_repo(tmp_path_factory.mktemp("fuzz"), HOSTILE_FILES)
    app = create_app(Config(root=root), settings=EndpointSettings(timeout=3.0, queue_wait=10.0))
    app.config.update(TESTING=True)
    yield app
    app.extensions["seckg.runner"].close()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def check(response) -> None:
    body = response.get_data()
    assert response.status_code < 500 or response.status_code == 503, (response.status_code, body[:400])
    if response.status_code == 503:
        assert b"timed out" in body or b"busy" in body, body[:400]
    assert b"Traceback" not in body and b'File "' not in body, body[:400]


@FUZZ
@given(query=st.one_of(sparql_like, any_text), accept=accept, method=st.sampled_from(["GET", "form", "body"]),
       extra=st.dictionaries(st.sampled_from(["format", "timeout", "default-graph-uri", "named-graph-uri",
                                              "query", "update"]), any_text, max_size=3))
def test_sparql_endpoint_never_fails(client, query, accept, method, extra):
    params = {"query": query, **extra} if "query" not in extra else extra
    headers = {"Accept": accept}
    if method == "GET":
        response = client.get("/sparql", query_string=params, headers=headers)
    elif method == "form":
        response = client.post("/sparql", data=params, headers=headers)
    else:
        response = client.post("/sparql", data=query.encode("utf-8", "surrogatepass"), query_string=extra,
                               headers={**headers, "Content-Type": "application/sparql-query"})
    check(response)


@FUZZ
@given(body=st.binary(max_size=500), content_type=st.one_of(
    st.sampled_from(["application/sparql-query", "application/x-www-form-urlencoded",
                     "application/sparql-query; charset=latin-1", "application/sparql-update",
                     "multipart/form-data; boundary=x", "application/json", "text/plain", ""]),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)))
def test_sparql_endpoint_takes_any_bytes(client, body, content_type):
    check(client.post("/sparql", data=body, headers={"Content-Type": content_type} if content_type else {}))


@FUZZ
@given(name=st.one_of(st.sampled_from(["members-on-date", "by-label", "openapi.json", "nope", ""]), any_text),
       params=st.dictionaries(st.one_of(st.sampled_from(["org", "date", "name", "format", "timeout"]), any_text),
                              st.one_of(any_text, st.sampled_from(["2005-11-01", "2005-02-30", "-1",
                                                                   "https://w3id.org/seckg/id/org/CSTO",
                                                                   "javascript:x", "json", "0", "nan", "1e309"])),
                              max_size=4),
       accept=accept)
def test_named_query_api_never_fails(client, name, params, accept):
    path = "/api/" + urllib.parse.quote(name, safe="")
    check(client.get(path, query_string=params, headers={"Accept": accept}))


path_segment = st.one_of(st.sampled_from(["id", "org", "state", "CSTO", "EVIL", "S1", "graph", "data", "ontology",
                                          "shapes", "..", ".", "%2F", "%00", "%", "q'uote&amp=1"]),
                         st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=20))


@FUZZ
@given(segments=st.lists(path_segment, min_size=1, max_size=5),
       ext=st.sampled_from(["", ".html", ".ttl", ".nt", ".jsonld", ".rdf", ".xml", ".gz", "."]),
       accept=accept, fmt=st.one_of(st.none(), any_text))
def test_linked_data_routes_never_fail(client, segments, ext, accept, fmt):
    path = "/" + "/".join(urllib.parse.quote(s, safe="%'&=") for s in segments) + ext
    response = client.get(path, headers={"Accept": accept}, query_string={"format": fmt} if fmt is not None else {})
    check(response)


@pytest.fixture(scope="module")
def operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) == len(app.extensions["seckg.named_queries"]) + 1  # and /api/search
    return found


# Positive cases follow the schema (valid IRIs, dates, integers); negative ones break it on purpose.
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), mode=st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]))
def test_openapi_operations_never_fail(operations, data, mode):
    operation = data.draw(st.sampled_from(operations))
    case = data.draw(operation.as_strategy(mode))
    response = case.call()
    if "timeout" in (case.query or {}) and response.status_code == 503:
        # A client's own short timeout may run out (6.4e-212 s was drawn once): that is the answer it asked for.
        assert "timed out" in _read(response), _read(response)[:300]
        return
    case.validate_response(response, checks=[not_a_server_error])
    assert "Traceback" not in _read(response)
    if mode is GenerationMode.POSITIVE:
        assert response.status_code in (200, 400, 406), (case.query, response.status_code, _read(response)[:300])


def _read(response) -> str:
    """The body as an HTTP client reads it: a drawn case may send Accept-Encoding: gzip, and the
    server then compresses its answer (schemathesis hands back the bytes on the wire)."""
    body = response.content
    if "gzip" in response.headers.get("content-encoding", []):
        body = gzip.decompress(body)
    return body.decode(response.encoding or "utf-8")
