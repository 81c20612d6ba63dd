"""The request body limit: every route that takes POST refuses a body over the limit with 413, before
reading it, whatever its Content-Type; a body under the limit is read as usual. The live test sends a
chunked body (no Content-Length) to gunicorn, which Flask caps while reading it.
"""

from __future__ import annotations

import http.client

import pytest

from live_server import serving
from seckg.config import Config
from seckg.web import create_app
from seckg.web.settings import EndpointSettings

LIMIT = 4096
TYPES = ["application/x-www-form-urlencoded", "application/sparql-query", "application/sparql-update",
         "application/json", "application/octet-stream", "text/turtle", None]


@pytest.fixture(scope="module")
def small_limit_app(tmp_path_factory):
    from live_server import write_repo

    root = write_repo(tmp_path_factory.mktemp("limits"))
    return create_app(Config(root=root), settings=EndpointSettings(max_request_bytes=LIMIT))


def post_routes(app) -> list[str]:
    """A URL for every rule that accepts POST, placeholders filled with a plausible value."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or ()):
            urls.append(rule.build({name: "x" for name in rule.arguments}, append_unknown=False)[1])
    return urls


def test_there_are_post_routes_to_check(small_limit_app):
    assert "/sparql" in post_routes(small_limit_app)


@pytest.mark.parametrize("content_type", TYPES)
def test_every_post_route_refuses_a_body_over_the_limit(small_limit_app, content_type):
    client = small_limit_app.test_client()
    headers = {"Content-Type": content_type} if content_type else {}
    body = b"query=" + b"x" * LIMIT
    for url in post_routes(small_limit_app):
        response = client.post(url, data=body, headers=headers)
        assert response.status_code == 413, (url, content_type, response.data)
        assert f"at most {LIMIT}".encode() in response.data
        assert response.mimetype == "text/plain"


def test_a_body_at_the_limit_is_read(small_limit_app):
    query = b"ASK { }"
    body = query + b" " * (LIMIT - len(query))
    response = small_limit_app.test_client().post(
        "/sparql", data=body, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 200 and response.json["boolean"] is True


def test_the_default_limit_is_one_mebibyte(repo):
    client = create_app(Config(root=repo)).test_client()
    over = client.post("/sparql", data=b"#" * (1024 * 1024 + 1), headers={"Content-Type": "application/sparql-query"})
    assert over.status_code == 413


def test_a_chunked_body_over_the_limit_is_refused_by_the_live_server(repo):
    with serving(repo, "--workers", "1", env={"SECKG_MAX_REQUEST_BYTES": str(LIMIT)}) as base:
        conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=60)
        chunks = (b"#" + b"x" * 1023 + b"\n" for _ in range(16))  # 16 KiB, no Content-Length
        conn.request("POST", "/sparql", body=chunks, headers={"Content-Type": "application/sparql-query"},
                     encode_chunked=True)
        response = conn.getresponse()
        assert response.status == 413
        assert b"Request Entity Too Large" in response.read()
        conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", int(base.rsplit(":", 1)[1]), timeout=60)
        conn.request("POST", "/sparql", body=iter([b"ASK { ?s ?p ", b"?o }"]), encode_chunked=True,
                     headers={"Content-Type": "application/sparql-query"})
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b'{"head":{},"boolean":true}')
        conn.close()
