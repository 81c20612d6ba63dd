"""Bug: a chunked request body (no Content-Length) longer than the limit was not refused: Werkzeug
stops reading such a body at the limit without an error, so /sparql ran whatever the first MiB said.
A query followed by a long comment answered 200 instead of 413. Chunked bodies are now read whole
(up to the limit) before the view and refused if longer; shorter ones work as before."""

from __future__ import annotations

import io

from seckg.config import Config
from seckg.web import create_app
from seckg.web.settings import EndpointSettings

LIMIT = 4096


def post_chunked(client, body: bytes):
    return client.post("/sparql", input_stream=io.BytesIO(body),
                       headers={"Content-Type": "application/sparql-query", "Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})


def test_a_chunked_body_over_the_limit_is_refused_not_cut(repo):
    client = create_app(Config(root=repo), settings=EndpointSettings(max_request_bytes=LIMIT)).test_client()
    too_long = b"ASK { ?s ?p ?o } #" + b"x" * (4 * LIMIT)
    response = post_chunked(client, too_long)
    assert response.status_code == 413, response.data
    response = post_chunked(client, b"ASK { ?s ?p ?o }")
    assert response.status_code == 200 and response.json["boolean"] is True
