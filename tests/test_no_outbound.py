"""The server never connects anywhere on a client's behalf: a listener on 127.0.0.1 that the data, the
ontology and every request point at must see no connection at all.

Each request names the listener in a way an engine or a library might follow: SERVICE, LOAD, FROM,
FROM NAMED, default-graph-uri, named-graph-uri, BASE with relative IRIs, DESCRIBE of its IRI, entity
pages and documents of resources linking to it, a JSON-LD @context, owl:imports in the ontology, dumps.
The listener answers the test's own probe at the end, so a silent listener cannot pass by accident.
"""

from __future__ import annotations

import time
import urllib.parse

import pytest

from conftest import ONTOLOGY, PREFIXES
from listener import Listener
from live_server import request, serving, write_repo


@pytest.fixture(scope="module")
def listener():
    found = Listener()
    yield found
    found.close()


@pytest.fixture(scope="module")
def base(tmp_path_factory, listener):
    url = listener.url
    files = {
        "ontology/seckg.ttl": ONTOLOGY + f"""
<https://w3id.org/seckg/ontology> a owl:Ontology ; owl:imports <{url}/ontology.ttl> .
""",
        "data/organizations/linked.ttl": PREFIXES + f"""
<https://w3id.org/seckg/id/org/CSTO> rdfs:seeAlso <{url}/csto> ;
    owl:sameAs <{url}/same> .
<{url}/thing> rdfs:label "a thing on the listener"@en .
""",
    }
    root = write_repo(tmp_path_factory.mktemp("outbound"), files)
    with serving(root, "--workers", "2", "--timeout", "10") as live:
        yield live


def requests_to_make(url: str) -> list[tuple[str, dict]]:
    """(path, query-string or form) pairs, each pointing the server at the listener."""
    select = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    queries = [
        f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
        f"PREFIX l: <{url}/> SELECT * WHERE {{ SERVICE l:sparql {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}/sparql> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"LOAD <{url}/data.ttl>",
        f"LOAD SILENT <{url}/data.ttl> INTO GRAPH <{url}/g>",
        f"SELECT * FROM <{url}/graph.ttl> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}/graph.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"BASE <{url}/> SELECT * FROM <graph.ttl> WHERE {{ ?s ?p ?o }}",
        f"DESCRIBE <{url}/thing>",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(?s = <{url}/thing>) }}",
        f"SELECT (IRI(\"{url}/x\") AS ?x) (STRLEN(STR(<{url}/y>)) AS ?n) WHERE {{}}",
    ]
    made = [("/sparql", {"query": q}) for q in queries]
    made += [("/sparql", {"query": select, "default-graph-uri": f"{url}/graph.ttl"}),
             ("/sparql", {"query": select, "named-graph-uri": f"{url}/graph.ttl"}),
             ("/sparql", {"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT 1", "format": "jsonld"})]
    made += [(f"/id/org/CSTO{ext}", {}) for ext in ("", ".html", ".ttl", ".jsonld", ".rdf", ".nt")]
    made += [("/" + urllib.parse.quote(f"{url}/thing", safe=""), {}), (f"/id/{url}/thing", {})]
    made += [("/api/by-label", {"name": f"{url}/thing"}), ("/api/members-on-date",
                                                           {"org": f"{url}/org", "date": "2005-11-01"})]
    made += [(path, {}) for path in ("/", "/ontology", "/ontology.ttl", "/ontology.rdf", "/shapes",
                                     "/.well-known/void", "/dumps/", "/dumps/seckg.jsonld", "/dumps/seckg.rdf",
                                     "/dumps/seckg.trig", "/sparql", "/api", "/api/openapi.json")]
    return made


def test_nothing_the_server_is_asked_makes_it_connect_to_the_listener(base, listener):
    statuses = []
    for path, params in requests_to_make(listener.url):
        query = urllib.parse.urlencode(params)
        for method in ("GET", "POST") if path == "/sparql" and params else ("GET",):
            if method == "GET":
                status, _, body = request(base + path + ("?" + query if query else ""),
                                          headers={"Accept": "text/html, application/ld+json;q=0.9, */*;q=0.1"})
            else:
                status, _, body = request(base + path, data=query.encode(),
                                          headers={"Content-Type": "application/x-www-form-urlencoded"})
            statuses.append((method, path, params.get("query", ""), status))
            assert status < 500, (path, params, body[:300])
    # A JSON-LD context naming the listener, sent as a query body: it is not JSON-LD to the endpoint.
    context = f'{{"@context": "{listener.url}/context.jsonld", "@id": "x"}}'.encode()
    status, _, _ = request(base + "/sparql", data=context, headers={"Content-Type": "application/ld+json"})
    assert status == 415
    refused = [s for s in statuses if "SERVICE" in s[2] or "LOAD" in s[2] or " FROM " in s[2]]
    assert refused and all(status == 400 for *_, status in refused), refused
    time.sleep(0.5)  # anything in flight would have connected by now
    assert listener.requests == []
    # The listener works: the test itself can reach it.
    status, _, _ = request(listener.url + "/probe")
    assert status == 200 and len(listener.requests) == 1
