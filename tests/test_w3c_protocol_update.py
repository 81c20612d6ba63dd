"""The W3C SPARQL 1.1 Protocol test cases for malformed update requests (bad_update_*), over real HTTP.

Named after their entries in w3c/rdf-tests sparql/sparql11/protocol/manifest.ttl, each sends the
request the entry describes, byte for byte (method, query string, body, Content-Type or its
absence), with a raw http.client connection. Two adaptations: requests go to this server's update
endpoint, /update, instead of /sparql/; and each carries a valid write token, since without one
every request would be refused (401) before its form is even looked at, which would prove nothing.
Each must be a 4xx, and the store must be exactly as before.

The manifest's update_* cases (CLEAR ALL, then graphs such as http://kasei.us/…/data1.rdf and
http://example.org/protocol-update-dataset-test/) are not run: this server writes only the graphs
of its data files, validated against its shapes, so those requests are refused by design.
"""

from __future__ import annotations

import http.client
import json

import pytest

from live_server import request, serving, write_repo

TOKEN = "w3c-update-0123456789-token"
CONFLICT = """PREFIX foaf:  <http://xmlns.com/foaf/0.1/>
WITH <http://example/addresses>
DELETE { ?person foaf:givenName 'Bill' }
INSERT { ?person foaf:givenName 'William' }
WHERE {
    ?person foaf:givenName 'Bill'
}"""

# name: (method, path, body, content type or None)
CASES = {
    "bad_update_get": ("GET", "/update?update=CLEAR%20ALL", None, None),
    "bad_multiple_updates": ("POST", "/update", b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT",
                             "application/x-www-form-urlencoded"),
    "bad_update_wrong_media_type": ("POST", "/update", b"CLEAR NAMED", "text/plain"),
    "bad_update_missing_form_type": ("POST", "/update", b"update=CLEAR%20NAMED", None),
    "bad_update_non_utf8": ("POST", "/update", "CLEAR NAMED".encode("utf-16"),
                            "application/sparql-update; charset=UTF-16"),
    "bad_update_syntax": ("POST", "/update", b"update=CLEAR%20XYZ", "application/x-www-form-urlencoded"),
    "bad_update_dataset_conflict": ("POST", "/update?using-named-graph-uri=http%3A%2F%2Fexample%2Fpeople",
                                    CONFLICT.encode(), "application/sparql-update"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = write_repo(tmp_path_factory.mktemp("w3c-update") / "repo")
    tokens = root.parent / "tokens"
    tokens.write_text(f"w3c:{TOKEN}\n")
    with serving(root, "--store", str(root.parent / "store"), "--write-tokens", str(tokens)) as base:
        yield base


def dataset(base: str) -> tuple[int, bytes]:
    generation = json.loads(request(base + "/store/status")[2])["generation"]
    return generation, request(base + "/data?default", headers={"Accept": "application/n-triples"})[2]


@pytest.mark.parametrize("name", list(CASES))
def test_bad_update_request_is_4xx_and_changes_nothing(server, name):
    method, path, body, content_type = CASES[name]
    before = dataset(server)
    host, port = server.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.putheader("Authorization", f"Bearer {TOKEN}")
        if content_type:
            conn.putheader("Content-Type", content_type)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        answer = response.read()
    finally:
        conn.close()
    assert 400 <= response.status < 500, (name, response.status, answer)
    assert b"Traceback" not in answer
    assert dataset(server) == before
