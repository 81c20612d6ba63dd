"""Refuses an oversized request body (413) before any route reads it.

Flask enforces MAX_CONTENT_LENGTH only when a view reads the body, so a route
that answers without reading it (a 405, a 415, a write refused for its token)
would otherwise still let a client stream megabytes at the server; a declared
Content-Length over the limit is refused here, for every route and method.

A chunked body declares no length, and Werkzeug stops reading one at the limit
without an error, so the view would get it cut short (a truncated query that
still parses). It is read here instead: refused whole when it is too long,
otherwise handed on with its length known.
"""

from __future__ import annotations

import io

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import get_content_length


def _too_large(size: str, max_bytes: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(f"the request body is {size} bytes; this server accepts at most {max_bytes}")


def _buffer_chunked_body(environ: dict, max_bytes: int) -> None:
    stream = environ["wsgi.input"]
    data = bytearray()
    while len(data) <= max_bytes:
        chunk = stream.read(min(64 * 1024, max_bytes + 1 - len(data)))
        if not chunk:
            break
        data += chunk
    if len(data) > max_bytes:
        raise _too_large(f"over {max_bytes}", max_bytes)
    environ["wsgi.input"] = io.BytesIO(bytes(data))
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("HTTP_TRANSFER_ENCODING", None)  # to the app it is now a body of known length
    environ.pop("wsgi.input_terminated", None)


def install(app: Flask, max_bytes: int) -> None:
    @app.before_request
    def refuse_oversized_body():
        declared = get_content_length(request.environ)
        if declared is not None and declared > max_bytes:
            raise _too_large(str(declared), max_bytes)
        if declared is None and "chunked" in request.environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            _buffer_chunked_body(request.environ, max_bytes)
